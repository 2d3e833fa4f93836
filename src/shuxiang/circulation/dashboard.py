"""Circulation's figures on the staff dashboard (registered in CirculationConfig.ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from shuxiang.circulation.models import Loan
from shuxiang.core import clock, dashboard
from shuxiang.core.models import Library


def figures(library: Library, day: dt.date) -> dict[str, Any]:
    """Today's loans and returns, the loans out and those overdue."""
    loans = Loan.objects.filter(library=library)
    start, end = clock.day_bounds(library.time_zone, day)
    return {
        "loans_today": loans.filter(checked_out_at__gte=start, checked_out_at__lt=end).count(),
        "returns_today": loans.filter(returned_at__gte=start, returned_at__lt=end).count(),
        "on_loan": loans.filter(status=Loan.Status.ON_LOAN).count(),
        "overdue": loans.filter(status=Loan.Status.ON_LOAN, due_date__lt=day).count(),
    }


def register() -> None:
    dashboard.register_figures("circulation", figures)
    dashboard.register_tile(dashboard.Tile("loans_today", _("今日借出"), order=10))
    dashboard.register_tile(dashboard.Tile("returns_today", _("今日归还"), order=20))
    dashboard.register_tile(dashboard.Tile("on_loan", _("在借册数"), order=30))
    dashboard.register_tile(dashboard.Tile("overdue", _("逾期未还"), order=40, alert=True))
