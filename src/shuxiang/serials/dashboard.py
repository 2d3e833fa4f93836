"""Serials' figures on the staff dashboard (registered in SerialsConfig.ready): the
issues due today and those late (past their claim period, not yet claimed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from shuxiang.core import dashboard
from shuxiang.core.models import Library
from shuxiang.serials import prediction
from shuxiang.serials.models import SerialIssue


def figures(library: Library, day: dt.date) -> dict[str, Any]:
    waiting = SerialIssue.objects.filter(
        library=library,
        status=SerialIssue.Status.EXPECTED,
        subscription__active=True,
        expected__lte=day,
    )
    due_today = waiting.filter(expected=day).count()
    shortest = min(prediction.CLAIM_AFTER_DAYS.values())
    late = sum(
        1
        for expected, frequency in waiting.filter(
            expected__lt=day - dt.timedelta(days=shortest)
        ).values_list("expected", "subscription__frequency")
        if prediction.is_late("expected", expected, frequency, day)
    )
    return {"serials_due_today": due_today, "serials_late": late}


def register() -> None:
    dashboard.register_figures("serials", figures)
    dashboard.register_tile(dashboard.Tile("serials_due_today", _("今日应到期刊"), order=50))
    dashboard.register_tile(dashboard.Tile("serials_late", _("期刊逾期未到"), order=51, alert=True))
