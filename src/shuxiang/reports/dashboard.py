"""This term's key rates on the staff dashboard (registered in ReportsConfig.ready), each
with last term's beside it and the trend: the figures a school leader lands on. They are
read from the same `reports.selectors.summary` as every page and export.

Counting a term of a large school's loans takes most of a second, and the staff home is
loaded all day, so the rates are kept in Django's cache (as configured in settings; a
process's own memory by default) under a key that changes whenever anything they count
changes: every change to a loan, a return, a reader, a copy, a class, a term or the
statistics settings goes through a service that writes an audit event, so the library's
latest audit event says whether the kept rates are still true. The day is part of the key
too (the term so far ends today). Today's counts on the same page are other apps' tiles,
read live on every load."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.core import dashboard
from shuxiang.core.models import AuditEvent, Library
from shuxiang.reports import metrics, selectors

KEYS = ("borrowing_rate", "loans_per_student", "circulation_rate")
# The key changes with every audit event; the time limit only bounds how long rates
# could outlive a change whose event got a lower id than one already seen (PostgreSQL
# hands out ids before commit, so two desks' commits can land in the other order).
KEEP_SECONDS = 10 * 60


def _trend(now: metrics.Rate, before: metrics.Rate) -> str:
    if now.value is None or before.value is None:
        return ""
    return "↑" if now.value > before.value else ("↓" if now.value < before.value else "→")


def cache_key(library: Library, day: dt.date) -> str:
    """The key of the library's term rates on `day`: the library (its id and when it was
    made, so that a database rebuilt from scratch never meets rates kept for another),
    the day, and the latest audit event of the library."""
    latest = AuditEvent.objects.filter(library=library).aggregate(n=Max("id"))["n"] or 0
    made = library.created_at.timestamp() if library.created_at else 0
    return f"reports:term-rates:{library.pk}:{made:.6f}:{day.isoformat()}:{latest}"


def term_rates(library: Library, day: dt.date) -> dict[str, tuple[metrics.Rate, metrics.Rate]]:
    """{figure: (this term so far, last term)} for the dashboard's figures."""
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
    return {key: (now[key], then[key]) for key in KEYS}


def figures(library: Library, day: dt.date) -> dict[str, Any]:
    # The key is read before the rates are counted: a change committed in between then
    # leaves newer rates under the older key, never older rates under the newer one.
    key = cache_key(library, day)
    rates = cache.get(key)
    if rates is None:
        rates = term_rates(library, day)
        cache.set(key, rates, KEEP_SECONDS)
    found = {}
    for name in KEYS:
        now, before = rates[name]
        found[f"term_{name}"] = dashboard.Figure(
            now.text(),
            _("上学期 %(before)s %(trend)s")
            % {"before": before.text(), "trend": _trend(now, before)},
        )
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
