"""Reads that several screens share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from shuxiang.core import clock
from shuxiang.core.models import Library


def dashboard_figures(library: Library, *, day: dt.date | None = None) -> dict[str, Any]:
    """Today's loans and returns, overdue loans, and the collection and reader totals."""
    from shuxiang.catalog.models import Bib, Item
    from shuxiang.circulation.models import Loan
    from shuxiang.patrons.models import Patron

    day = day or clock.today()
    loans = Loan.objects.filter(library=library)
    return {
        "day": day,
        "loans_today": loans.filter(checked_out_at__date=day).count(),
        "returns_today": loans.filter(returned_at__date=day).count(),
        "on_loan": loans.filter(status=Loan.Status.ON_LOAN).count(),
        "overdue": loans.filter(status=Loan.Status.ON_LOAN, due_date__lt=day).count(),
        "items": Item.objects.filter(library=library).exclude(status=Item.Status.WITHDRAWN).count(),
        "bibs": Bib.objects.filter(library=library).count(),
        "patrons": Patron.objects.filter(library=library, status__in=["active", "blocked"]).count(),
        "students": Patron.objects.filter(
            Q(status__in=["active", "blocked"]), library=library, category=Patron.Category.STUDENT
        ).count(),
    }


def opening_hours(library: Library) -> list[dict[str, Any]]:
    """The weekly opening slots grouped by weekday, for the public site and the desk."""
    from django.utils.translation import gettext as _

    from shuxiang.core.models import OpeningSlot

    names = [
        _("星期一"),
        _("星期二"),
        _("星期三"),
        _("星期四"),
        _("星期五"),
        _("星期六"),
        _("星期日"),
    ]
    days: dict[int, list[dict[str, Any]]] = {}
    for slot in OpeningSlot.objects.filter(library=library).order_by("weekday", "opens"):
        days.setdefault(slot.weekday, []).append(
            {"opens": slot.opens, "closes": slot.closes, "audience": slot.get_audience_display()}
        )
    return [{"weekday": names[day], "slots": slots} for day, slots in sorted(days.items())]
