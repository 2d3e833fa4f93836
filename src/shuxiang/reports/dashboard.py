"""This term's key rates on the staff dashboard (registered in ReportsConfig.ready), each
with last term's beside it and the trend: the figures a school leader lands on. They are
read from the same `reports.selectors.summary` as every page and export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.core import dashboard
from shuxiang.core.models import Library
from shuxiang.reports import metrics, selectors

KEYS = ("borrowing_rate", "loans_per_student", "circulation_rate")


def _trend(now: metrics.Rate, before: metrics.Rate) -> str:
    if now.value is None or before.value is None:
        return ""
    return "↑" if now.value > before.value else ("↓" if now.value < before.value else "→")


def figures(library: Library, day: dt.date) -> dict[str, Any]:
    terms = selectors.terms_of(library)
    term = metrics.period_for("term", day, terms=terms)
    # Up to today: the rest of the term has not happened yet.
    so_far = metrics.Period(term.kind, term.start, min(term.end, day), term.label)
    before = metrics.previous_period(term, terms)
    now = selectors.summary(
        library, so_far, facts=selectors.facts_of(library, so_far, day, slim=True)
    )
    then = selectors.summary(
        library, before, facts=selectors.facts_of(library, before, day, slim=True)
    )
    found = {}
    for key in KEYS:
        found[f"term_{key}"] = _("%(now)s（上学期 %(before)s %(trend)s）") % {
            "now": now[key].text(),
            "before": then[key].text(),
            "trend": _trend(now[key], then[key]),
        }
    return found


def register() -> None:
    dashboard.register_figures("reports", figures)
    dashboard.register_tile(
        dashboard.Tile("term_borrowing_rate", gettext_lazy("本学期借书率"), order=80)
    )
    dashboard.register_tile(
        dashboard.Tile("term_loans_per_student", gettext_lazy("本学期生均借阅量"), order=81)
    )
    dashboard.register_tile(
        dashboard.Tile("term_circulation_rate", gettext_lazy("本学期藏书流通率"), order=82)
    )
