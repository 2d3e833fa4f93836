"""One report: a period and a group read from a request's parameters, and every figure
of it gathered from `selectors` — the same dictionary for the pages, the exports, the API
and the public page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.core.errors import Invalid, NotFound
from shuxiang.core.models import Library
from shuxiang.reports import metrics, rule_sets, selectors
from shuxiang.reports.selectors import Group


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise Invalid(
            _("%(what)s不是有效日期（应为 YYYY-MM-DD）：%(value)s") % {"what": what, "value": text},
            code="invalid_date",
        ) from None


def period_of(
    library: Library, today: dt.date, *, kind: str = "", start: str = "", end: str = ""
) -> metrics.Period:
    """The period asked for: start and end (a custom span), else a kind (this term by
    default)."""
    if start or end:
        if not (start and end):
            raise Invalid(_("请同时给出开始日期和结束日期。"), code="invalid_period")
        first, last = _date(start, _("开始日期")), _date(end, _("结束日期"))
        if last < first:
            raise Invalid(_("结束日期早于开始日期。"), code="invalid_period")
        if (last - first).days > 366 * 5:
            raise Invalid(_("统计期间不能超过五年。"), code="invalid_period")
        return metrics.period_for("custom", today, start=first, end=last)
    kind = kind or "term"
    if kind not in metrics.PERIOD_KINDS or kind == "custom":
        raise Invalid(_("未知的统计期间：%(value)s") % {"value": kind}, code="invalid_period")
    return metrics.period_for(kind, today, terms=selectors.terms_of(library))


def group_of(library: Library, *, grade: str = "", class_name: str = "") -> Group:
    """The group asked for by names (七年级, 七年级1班); a class wins over a grade."""
    if class_name:
        found = selectors.class_by_name(library, class_name)
        if found is None:
            raise NotFound(_("没有班级 %(name)s。") % {"name": class_name}, code="class_not_found")
        return Group(grade=found.grade, school_class=found)
    if grade:
        number = grade if grade.isdigit() else None
        value = int(number) if number else selectors.grade_by_name(library, grade)
        if value is None or not 1 <= value <= 12:
            raise NotFound(_("没有年级 %(name)s。") % {"name": grade}, code="grade_not_found")
        return Group(grade=value)
    return Group()


def group_label(library: Library, group: Group) -> str:
    if group.school_class is not None:
        return group.school_class.name
    if group.grade:
        return selectors.grade_label(library, group.grade)
    return library.school_name or library.name


def build(
    library: Library, period: metrics.Period, group: Group, today: dt.date, *, full: bool = True
) -> dict[str, Any]:
    """The figures of a period for a group; `full` adds the school-wide tables (league,
    grades, collection balance, tops, hours, fees, the standard, the previous period)."""
    facts = selectors.facts_of(library, period, today)
    figures = selectors.summary(library, period, group, facts)
    found: dict[str, Any] = {
        "library": library,
        "period": period,
        "group": group,
        "group_label": group_label(library, group),
        "figures": figures,
        "formulas": metrics.FORMULAS,
    }
    if not full:
        return found
    terms = selectors.terms_of(library)
    before = metrics.previous_period(period, terms)
    item_bibs = selectors.copies_by_item(library)
    balance = selectors.clc_balance(library, period, facts, item_bibs)
    found.update(
        {
            "previous": selectors.summary(library, before, group),
            "overdue": selectors.overdue(library, period, today, facts),
            "league": selectors.class_league(library, period, group.grade, facts),
            "grades": selectors.grade_rows(library, period, facts)
            if group.kind == "school"
            else [],
            "balance": balance,
            "top_books": selectors.top_books(library, period, facts=facts, item_bibs=item_bibs),
            "top_readers": selectors.top_readers(library, period, facts=facts),
            "busiest": selectors.busiest(library, period, facts),
            "fees": selectors.fees(library, period),
            "lost": selectors.lost_and_damaged(library, period),
            "standard": rule_sets.school_comparison(
                library,
                period,
                figures
                if group.kind == "school"
                else selectors.summary(library, period, selectors.Group(), facts),
                balance=balance,
            ),
        }
    )
    return found


SUMMARY_FIELDS = (
    "borrowing_rate",
    "loans_per_student",
    "loans_per_teacher",
    "circulation_rate",
    "turnover",
    "card_coverage",
    "books_per_student",
    "new_books_per_student",
)
COUNT_FIELDS = (
    "loans",
    "student_loans",
    "teacher_loans",
    "active_readers",
    "students",
    "teachers",
    "items",
    "items_lent",
    "books",
    "new_books",
    "valid_cards",
)


def summary_json(found: dict[str, Any]) -> dict[str, Any]:
    """The API's answer: each rate with its value (percent for a percentage, rounded to
    4 places), numerator and denominator; the counts; the period and group."""
    figures = found["figures"]
    period = found["period"]
    group = found["group"]
    out: dict[str, Any] = {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
        },
        "group": {
            "kind": group.kind,
            "grade": group.grade,
            "class_name": group.school_class.name if group.school_class else None,
            "label": found["group_label"],
        },
    }
    for name in SUMMARY_FIELDS:
        out[name] = figures[name].as_dict()
    for name in COUNT_FIELDS:
        out[name] = figures[name]
    out["definitions"] = {k: v[1] for k, v in metrics.FORMULAS.items()}
    return out
