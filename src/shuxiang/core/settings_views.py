"""The library's settings pages (图书馆设置), so that a school runs without the Django
admin: details, opening hours, the calendar (terms, vacations, closed and make-up days),
card and barcode formats, locations. Each page shows on GET and takes one change per
POST (`action`); views parse, call a service, and render; a refusal re-renders the page
with the message and the typed values, and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shuxiang.core import clock, formats, grade_systems, selectors, services
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, Invalid
from shuxiang.core.models import CalendarDay, Location, OpeningSlot, Term, Vacation
from shuxiang.core.params import int_param
from shuxiang.core.services.opening import WEEKDAY_NAMES

TABS = [
    ("library", "core:settings"),
    ("hours", "core:settings_hours"),
    ("calendar", "core:settings_calendar"),
    ("formats", "core:settings_formats"),
    ("locations", "core:settings_locations"),
]


def _tabs(active: str) -> list[dict[str, Any]]:
    labels = {
        "library": _("基本信息"),
        "hours": _("开放时间"),
        "calendar": _("校历"),
        "formats": _("借书证与条码格式"),
        "locations": _("馆藏地点"),
    }
    return [
        {"url": reverse(url), "label": labels[key], "active": key == active} for key, url in TABS
    ]


def _page(
    request: HttpRequest, template: str, tab: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {"tabs": _tabs(tab), **context}, status=status)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value.strip()) if len(value.strip()) <= 8 else None
    except ValueError:
        return None


def _need(value: Any, message: str, code: str) -> Any:
    """A parsed value, or the page's own refusal when the text did not parse."""
    if value is None:
        raise Invalid(message, code=code)
    return value


# -- details (基本信息) -------------------------------------------------------------------


@staff_required("manage_settings")
def library_details(request: HttpRequest) -> HttpResponse:
    library = request.library
    choices = grade_systems.choices()
    if request.method == "POST":
        form = {
            "name": request.POST.get("name", ""),
            "school_name": request.POST.get("school_name", ""),
            "grade_system": request.POST.get("grade_system", library.grade_system),
        }
        try:
            services.library_update(actor=Actor.of_request(request), **form)
        except DomainError as exc:
            messages.error(request, exc.message)
            return _details_page(request, form, choices, status=exc.status)
        messages.success(request, _("已保存图书馆信息。"))
        return redirect("core:settings")
    form = {
        "name": library.name,
        "school_name": library.school_name,
        "grade_system": library.grade_system,
    }
    return _details_page(request, form, choices)


def _details_page(
    request: HttpRequest, form: dict, choices: list[tuple[str, str]], status: int = 200
) -> HttpResponse:
    current = request.library.grade_system
    if current not in [code for code, _label in choices]:
        choices = [(current, current), *choices]
    return _page(
        request,
        "core/settings/library.html",
        "library",
        {"form": form, "grade_systems": choices},
        status,
    )


# -- weekly opening hours (开放时间) -------------------------------------------------------


@staff_required("manage_settings")
def opening_hours(request: HttpRequest) -> HttpResponse:
    actor = Actor.of_request(request)
    form: dict[str, Any] = {"weekdays": [0, 1, 2, 3, 4], "audience": "all"}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "delete":
                services.opening_slot_delete(
                    actor=actor, slot_id=int_param(request.POST.get("slot"), default=0)
                )
                messages.success(request, _("已删除这段开放时间。"))
            else:
                form = {
                    "weekdays": [
                        d
                        for d in (int_param(v, maximum=6) for v in request.POST.getlist("weekday"))
                        if d is not None
                    ],
                    "opens": request.POST.get("opens", ""),
                    "closes": request.POST.get("closes", ""),
                    "audience": request.POST.get("audience", ""),
                }
                made = services.opening_slot_create(
                    actor=actor,
                    weekdays=form["weekdays"],
                    opens=_need(_time(form["opens"]), _("请填写开馆时间，如 13:00。"), "bad_time"),
                    closes=_need(
                        _time(form["closes"]), _("请填写闭馆时间，如 14:00。"), "bad_time"
                    ),
                    audience=form["audience"],
                )
                messages.success(request, _("已添加 %(n)s 段开放时间。") % {"n": len(made)})
        except DomainError as exc:
            messages.error(request, exc.message)
            return _hours_page(request, form, status=exc.status)
        return redirect("core:settings_hours")
    return _hours_page(request, form)


def _hours_page(request: HttpRequest, form: dict, status: int = 200) -> HttpResponse:
    slots = OpeningSlot.objects.filter(library=request.library).order_by("weekday", "opens")
    days = [
        {"weekday": i, "name": WEEKDAY_NAMES[i], "slots": [s for s in slots if s.weekday == i]}
        for i in range(7)
    ]
    return _page(
        request,
        "core/settings/hours.html",
        "hours",
        {
            "days": days,
            "has_slots": bool(slots),
            "form": form,
            "weekday_choices": list(enumerate(WEEKDAY_NAMES)),
            "audiences": OpeningSlot.Audience.choices,
        },
        status,
    )


# -- the calendar (校历) -------------------------------------------------------------------


def _month(request: HttpRequest) -> tuple[int, int]:
    today = clock.today()
    text = request.GET.get("month", "") or request.POST.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        dt.date(year, month, 1)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        return today.year, today.month
    return year, month


@staff_required("manage_settings")
def school_calendar(request: HttpRequest) -> HttpResponse:
    actor = Actor.of_request(request)
    year, month = _month(request)
    form: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = {
            k: request.POST.get(k, "") for k in ("name", "start", "end", "date", "kind", "note")
        }
        form["action"] = action
        try:
            done = _calendar_action(request, actor, action, form)
        except DomainError as exc:
            messages.error(request, exc.message)
            return _calendar_page(request, year, month, form, status=exc.status)
        messages.success(request, done)
        return redirect(reverse("core:settings_calendar") + f"?month={year:04d}-{month:02d}")
    day = _date(request.GET.get("day", ""))
    if day is not None:
        form = {"action": "day", "date": day.isoformat(), **_day_form(request, day)}
    return _calendar_page(request, year, month, form)


def _day_form(request: HttpRequest, day: dt.date) -> dict[str, str]:
    """What a click on a date most likely means: its own mark to edit the note, else to
    close an open day or open a closed one."""
    marked = CalendarDay.objects.filter(library=request.library, date=day).first()
    if marked is not None:
        return {"kind": marked.kind, "note": marked.note}
    is_open = selectors.opening_calendar(request.library).is_open(day)
    return {"kind": CalendarDay.Kind.CLOSED if is_open else CalendarDay.Kind.OPEN}


def _calendar_action(request: HttpRequest, actor: Actor, action: str, form: dict) -> str:
    row_id = int_param(request.POST.get("id"), default=0) or 0
    dates_message = _("请按 年-月-日 填写日期，如 2026-09-01。")
    if action in ("term", "vacation"):
        start = _need(_date(form["start"]), dates_message, "bad_date")
        end = _need(_date(form["end"]), dates_message, "bad_date")
        if action == "term":
            term = services.term_create(actor=actor, name=form["name"], start=start, end=end)
            return _("已添加学期“%(name)s”。") % {"name": term.name}
        vacation = services.vacation_create(actor=actor, name=form["name"], start=start, end=end)
        return _("已添加假期“%(name)s”。") % {"name": vacation.name}
    if action == "day":
        day = services.calendar_day_set(
            actor=actor,
            date=_need(_date(form["date"]), dates_message, "bad_date"),
            kind=form["kind"],
            note=form["note"],
        )
        return _("已将 %(date)s 设为%(kind)s。") % {
            "date": day.date,
            "kind": day.get_kind_display(),
        }
    if action == "delete_term":
        services.term_delete(actor=actor, term_id=row_id)
        return _("已删除学期。")
    if action == "delete_vacation":
        services.vacation_delete(actor=actor, vacation_id=row_id)
        return _("已删除假期。")
    if action == "delete_day":
        services.calendar_day_delete(actor=actor, day_id=row_id)
        return _("已取消这个特殊日期。")
    if action == "vacation_loans":
        library = services.library_update(
            actor=actor, vacation_loans=request.POST.get("vacation_loans") == "1"
        )
        return _("已开启假期借阅。") if library.vacation_loans else _("已关闭假期借阅。")
    raise Invalid(_("未知的操作。"), code="unknown_action")


def _calendar_page(
    request: HttpRequest, year: int, month: int, form: dict, status: int = 200
) -> HttpResponse:
    library = request.library
    today = clock.today()
    first = dt.date(year, month, 1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    context = {
        "weeks": selectors.month_grid(library, year, month, today=today),
        "weekday_names": WEEKDAY_NAMES,
        "month": first,
        "month_param": f"{year:04d}-{month:02d}",
        "previous": f"{previous:%Y-%m}",
        "following": f"{following:%Y-%m}",
        "this_month": f"{today:%Y-%m}",
        "today": today,
        "terms": Term.objects.filter(library=library).order_by("start"),
        "vacations": Vacation.objects.filter(library=library).order_by("start"),
        "days": CalendarDay.objects.filter(library=library, date__gte=first).order_by("date")[:60],
        "day_kinds": CalendarDay.Kind.choices,
        "has_slots": OpeningSlot.objects.filter(library=library).exists(),
        "form": form,
    }
    return _page(request, "core/settings/calendar.html", "calendar", context, status)


# -- card and barcode formats --------------------------------------------------------------


def _pattern_from(request: HttpRequest, kind: str, current: str) -> tuple[str, str]:
    """The pattern the form asks for: the expert's expression when it was changed, else
    the shape (an example code, or prefix and digit counts). Returns (pattern, problem)."""
    regex = request.POST.get(f"{kind}_regex", "").strip()
    if regex and regex != request.POST.get(f"{kind}_regex_was", current):
        return regex, ""
    example = request.POST.get(f"{kind}_example", "").strip()
    if example:
        shape = formats.shape_from_example(example)
        if shape is None:
            return "", _("样例 %(code)s 不是“字母 + 数字”的形式。") % {"code": example}
        return shape.pattern, ""
    prefix = request.POST.get(f"{kind}_prefix", "").strip()
    low_text = request.POST.get(f"{kind}_min", "").strip()
    high_text = request.POST.get(f"{kind}_max", "").strip()
    if not (prefix or low_text or high_text):
        return current, ""  # an expert's own expression, left as it is
    low = int_param(low_text, maximum=99)
    high = int_param(high_text, maximum=99)
    if high is None:
        high = low
    problem = formats.shape_problem(prefix, low, high)
    if problem:
        return "", problem
    return formats.Shape(prefix, low or 0, high or 0).pattern, ""


def _format_side(label: str, pattern: str, fit: formats.Fit | None) -> dict[str, Any]:
    shape = formats.shape_of(pattern)
    return {
        "label": label,
        "pattern": pattern,
        "shape": shape,
        "described": formats.describe(pattern),
        "example": shape.example() if shape is not None else "",
        "fit": fit,
    }


@staff_required("manage_settings")
def code_formats(request: HttpRequest) -> HttpResponse:
    library = request.library
    if request.method == "POST":
        labels = {"card": _("借书证号格式"), "barcode": _("条码号格式")}
        new, problems = {}, []
        for kind, current in (
            ("card", library.card_pattern),
            ("barcode", library.barcode_pattern),
        ):
            if request.POST.get("confirm") == "1":
                new[kind] = request.POST.get(f"{kind}_pattern", "").strip()
                continue
            new[kind], problem = _pattern_from(request, kind, current)
            if problem:
                problems.append(f"{labels[kind]}：{problem}")
        if problems:
            for problem in problems:
                messages.error(request, problem)
            return _formats_page(request, status=422)
        if request.POST.get("confirm") == "1":
            try:
                services.library_formats_set(
                    actor=Actor.of_request(request),
                    card_pattern=new["card"],
                    barcode_pattern=new["barcode"],
                    accept_misfits=request.POST.get("accept_misfits") == "1",
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                return _formats_page(request, status=exc.status, proposed=new)
            messages.success(request, _("已保存借书证号和条码号格式。"))
            return redirect("core:settings_formats")
        return _formats_page(request, proposed=new)
    return _formats_page(request)


def _formats_page(
    request: HttpRequest, *, status: int = 200, proposed: dict[str, str] | None = None
) -> HttpResponse:
    library = request.library
    context: dict[str, Any] = {
        "current": [
            _format_side(_("借书证号"), library.card_pattern, None) | {"kind": "card"},
            _format_side(_("条码号"), library.barcode_pattern, None) | {"kind": "barcode"},
        ],
        "proposed": None,
    }
    if proposed is not None:
        checked = services.formats_check(
            library=library, card_pattern=proposed["card"], barcode_pattern=proposed["barcode"]
        )
        context["proposed"] = {
            "check": checked,
            "sides": [
                _format_side(_("借书证号"), checked.card_pattern, checked.card_fit)
                | {"changed": checked.card_pattern != library.card_pattern},
                _format_side(_("条码号"), checked.barcode_pattern, checked.barcode_fit)
                | {"changed": checked.barcode_pattern != library.barcode_pattern},
            ],
            "unchanged": checked.card_pattern == library.card_pattern
            and checked.barcode_pattern == library.barcode_pattern,
        }
    return _page(request, "core/settings/formats.html", "formats", context, status)


# -- locations (馆藏地点) --------------------------------------------------------------------


@staff_required("manage_settings")
def locations(request: HttpRequest) -> HttpResponse:
    actor = Actor.of_request(request)
    form: dict[str, Any] = {"kind": Location.Kind.STACKS}
    if request.method == "POST":
        action = request.POST.get("action", "")
        location_id = int_param(request.POST.get("id"), default=0) or 0
        try:
            if action == "create":
                form = {k: request.POST.get(k, "") for k in ("code", "name", "kind")}
                location = services.location_create(actor=actor, **form)
                done = _("已添加馆藏地点“%(name)s”。") % {"name": location.name}
            elif action == "update":
                location = services.location_update(
                    actor=actor,
                    location_id=location_id,
                    name=request.POST.get("name", ""),
                    kind=request.POST.get("kind", ""),
                )
                done = _("已保存“%(name)s”。") % {"name": location.name}
            elif action in ("deactivate", "reactivate"):
                location = services.location_set_active(
                    actor=actor, location_id=location_id, active=action == "reactivate"
                )
                done = (
                    _("已重新启用“%(name)s”。")
                    if location.active
                    else _("已停用“%(name)s”。新入藏的图书不再放到这里。")
                ) % {"name": location.name}
            elif action == "delete":
                services.location_delete(actor=actor, location_id=location_id)
                done = _("已删除馆藏地点。")
            else:
                raise Invalid(_("未知的操作。"), code="unknown_action")
        except DomainError as exc:
            messages.error(request, exc.message)
            return _locations_page(request, form, status=exc.status)
        messages.success(request, done)
        return redirect("core:settings_locations")
    return _locations_page(request, form)


def _locations_page(request: HttpRequest, form: dict, status: int = 200) -> HttpResponse:
    return _page(
        request,
        "core/settings/locations.html",
        "locations",
        {
            "rows": selectors.locations_of(request.library),
            "kinds": Location.Kind.choices,
            "form": form,
        },
        status,
    )
