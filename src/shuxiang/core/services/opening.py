"""The opening calendar from the settings pages: weekly opening hours (开放时间), terms
(学期), vacations (寒暑假) and special days — a closed day (闭馆日) or a make-up working
day (调休上班). Each change is one transaction with an audit event.

Due dates are placed on open days by the circulation rules, which keep the calendar
for a minute per process; saving or deleting these rows (Model.save/delete, never a
queryset update) sends the signals that clear that copy in this process at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import CalendarDay, OpeningSlot, Term, Vacation
from shuxiang.core.selectors import opening_calendar

# A term or a vacation longer than this is a typing mistake (2062 for 2026).
LONGEST_SPAN = dt.timedelta(days=366)
WEEKDAY_NAMES = [
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
]


def _weekday_name(weekday: int) -> str:
    return str(WEEKDAY_NAMES[weekday])


def _name(value: str, *, max_length: int = 50) -> str:
    text = " ".join(value.split())
    if not text:
        raise Invalid(_("请填写名称。"), code="name_required")
    if len(text) > max_length:
        raise Invalid(_("名称太长（最多 %(n)s 个字）。") % {"n": max_length}, code="name_too_long")
    return text


def _span(start: dt.date | None, end: dt.date | None) -> None:
    if start is None or end is None:
        raise Invalid(_("请填写开始和结束日期。"), code="dates_required")
    if end < start:
        raise Invalid(_("结束日期不能早于开始日期。"), code="end_before_start")
    if end - start > LONGEST_SPAN:
        raise Invalid(_("时间跨度超过一年，请检查年份。"), code="span_too_long")


# -- weekly opening hours ----------------------------------------------------------------


def _audiences_meet(a: str, b: str) -> bool:
    return a == b or OpeningSlot.Audience.ALL in (a, b)


@transaction.atomic
def opening_slot_create(
    *,
    actor: Actor,
    weekdays: list[int],
    opens: dt.time | None,
    closes: dt.time | None,
    audience: str = OpeningSlot.Audience.ALL,
) -> list[OpeningSlot]:
    """Open the library from `opens` to `closes` on each of `weekdays` (0 = Monday) for
    an audience (全体/学生/教师). Refused when it overlaps a slot of the same day for
    the same readers."""
    days = sorted(set(weekdays))
    if not days:
        raise Invalid(_("请至少选择一天。"), code="weekday_required")
    if any(not 0 <= d <= 6 for d in days):
        raise Invalid(_("星期只能是星期一到星期日。"), code="invalid_weekday")
    if opens is None or closes is None:
        raise Invalid(_("请填写开馆和闭馆时间。"), code="times_required")
    if closes <= opens:
        raise Invalid(_("闭馆时间必须晚于开馆时间。"), code="closes_before_opens")
    if audience not in OpeningSlot.Audience.values:
        raise Invalid(_("请从列表中选择开放对象。"), code="invalid_audience")
    existing = OpeningSlot.objects.select_for_update().filter(
        library=actor.library, weekday__in=days
    )
    for slot in existing:
        if slot.opens < closes and opens < slot.closes and _audiences_meet(slot.audience, audience):
            raise Conflict(
                _("%(day)s已有开放时间 %(opens)s–%(closes)s（%(who)s），与新时间重叠。")
                % {
                    "day": _weekday_name(slot.weekday),
                    "opens": f"{slot.opens:%H:%M}",
                    "closes": f"{slot.closes:%H:%M}",
                    "who": slot.get_audience_display(),
                },
                code="slot_overlap",
            )
    made = []
    for day in days:
        slot = OpeningSlot(
            library=actor.library, weekday=day, opens=opens, closes=closes, audience=audience
        )
        slot.save()
        audit.record(actor, "opening_slot.create", slot, after=_slot_values(slot))
        made.append(slot)
    return made


def _slot_values(slot: OpeningSlot) -> dict[str, Any]:
    return {
        "weekday": slot.weekday,
        "opens": f"{slot.opens:%H:%M}",
        "closes": f"{slot.closes:%H:%M}",
        "audience": slot.audience,
    }


@transaction.atomic
def opening_slot_delete(*, actor: Actor, slot_id: int) -> None:
    slot = OpeningSlot.objects.select_for_update().filter(library=actor.library, pk=slot_id).first()
    if slot is None:
        raise NotFound(_("没有找到这个开放时间。"), code="slot_not_found")
    audit.record(actor, "opening_slot.delete", slot, before=_slot_values(slot))
    slot.delete()


# -- terms and vacations -----------------------------------------------------------------


def _span_create(
    model: type[Term] | type[Vacation],
    *,
    actor: Actor,
    name: str,
    start: dt.date | None,
    end: dt.date | None,
) -> Any:
    name = _name(name)
    _span(start, end)
    overlapping = (
        model.objects.select_for_update()
        .filter(library=actor.library, start__lte=end, end__gte=start)
        .first()
    )
    if overlapping is not None:
        message = (
            _("与学期“%(name)s”（%(start)s 至 %(end)s）重叠。")
            if model is Term
            else _("与假期“%(name)s”（%(start)s 至 %(end)s）重叠。")
        )
        raise Conflict(
            message
            % {"name": overlapping.name, "start": overlapping.start, "end": overlapping.end},
            code="term_overlap" if model is Term else "vacation_overlap",
        )
    row = model(library=actor.library, name=name, start=start, end=end)
    row.save()
    action = "term.create" if model is Term else "vacation.create"
    audit.record(actor, action, row, after={"name": name, "start": start, "end": end})
    return row


def _span_delete(model: type[Term] | type[Vacation], *, actor: Actor, row_id: int) -> None:
    row = model.objects.select_for_update().filter(library=actor.library, pk=row_id).first()
    if row is None:
        raise NotFound(
            _("没有找到这个学期。") if model is Term else _("没有找到这个假期。"),
            code="term_not_found" if model is Term else "vacation_not_found",
        )
    action = "term.delete" if model is Term else "vacation.delete"
    audit.record(actor, action, row, before={"name": row.name, "start": row.start, "end": row.end})
    row.delete()


@transaction.atomic
def term_create(*, actor: Actor, name: str, start: dt.date | None, end: dt.date | None) -> Term:
    """A school term (学期): teachers' loans fall due at its end, and no loan runs past
    it. Terms do not overlap."""
    return _span_create(Term, actor=actor, name=name, start=start, end=end)


@transaction.atomic
def term_delete(*, actor: Actor, term_id: int) -> None:
    _span_delete(Term, actor=actor, row_id=term_id)


@transaction.atomic
def vacation_create(
    *, actor: Actor, name: str, start: dt.date | None, end: dt.date | None
) -> Vacation:
    """A vacation (寒假/暑假): the library is closed from start to end, both included.
    Vacations do not overlap."""
    return _span_create(Vacation, actor=actor, name=name, start=start, end=end)


@transaction.atomic
def vacation_delete(*, actor: Actor, vacation_id: int) -> None:
    _span_delete(Vacation, actor=actor, row_id=vacation_id)


# -- special days ------------------------------------------------------------------------


@transaction.atomic
def calendar_day_set(
    *, actor: Actor, date: dt.date | None, kind: str, note: str = ""
) -> CalendarDay:
    """Mark a date as closed (闭馆日: a public holiday, an exam day) or as a make-up
    working day (调休上班: a weekend or vacation day on which the library opens). A date
    already marked gets the new kind and note. Refused where it would change nothing:
    closing a day that is closed anyway, opening one that is open anyway."""
    if date is None:
        raise Invalid(_("请填写日期。"), code="date_required")
    if kind not in CalendarDay.Kind.values:
        raise Invalid(_("请选择闭馆还是调休开放。"), code="invalid_kind")
    note = " ".join(note.split())
    if len(note) > 100:
        raise Invalid(_("说明太长（最多 100 个字）。"), code="note_too_long")
    existing = (
        CalendarDay.objects.select_for_update().filter(library=actor.library, date=date).first()
    )
    if existing is not None and existing.kind == kind and existing.note == note:
        return existing
    if existing is None or existing.kind != kind:
        # Would the day be open without a mark of its own?
        calendar = opening_calendar(actor.library)
        plain = dataclasses.replace(
            calendar,
            closed_dates=calendar.closed_dates - {date},
            open_dates=calendar.open_dates - {date},
        )
        if kind == CalendarDay.Kind.CLOSED and not plain.is_open(date):
            raise Invalid(
                _("%(date)s 本来就不开放（周末、假期或没有开放时间），不必再设为闭馆日。")
                % {"date": date},
                code="day_already_closed",
            )
        if kind == CalendarDay.Kind.OPEN and plain.is_open(date):
            raise Invalid(
                _("%(date)s 按每周开放时间本来就开放，不必设为调休开放日。") % {"date": date},
                code="day_already_open",
            )
    if existing is None:
        day = CalendarDay(library=actor.library, date=date, kind=kind, note=note)
        day.save()
        audit.record(
            actor, "calendar_day.create", day, after={"date": date, "kind": kind, "note": note}
        )
        return day
    before = {"kind": existing.kind, "note": existing.note}
    existing.kind, existing.note = kind, note
    existing.save(update_fields=["kind", "note"])
    audit.record(
        actor, "calendar_day.update", existing, before=before, after={"kind": kind, "note": note}
    )
    return existing


@transaction.atomic
def calendar_day_delete(*, actor: Actor, day_id: int) -> None:
    """Take a special day off the calendar: the date follows the weekly pattern again."""
    day = CalendarDay.objects.select_for_update().filter(library=actor.library, pk=day_id).first()
    if day is None:
        raise NotFound(_("没有找到这个特殊日期。"), code="calendar_day_not_found")
    audit.record(
        actor,
        "calendar_day.delete",
        day,
        before={"date": day.date, "kind": day.kind, "note": day.note},
    )
    day.delete()
