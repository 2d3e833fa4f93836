"""Reads that several screens share."""

from __future__ import annotations

from typing import Any

from shuxiang.core.models import Library


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


def logins_of(library: Library, *, role: str = "", query: str = "") -> list[dict[str, Any]]:
    """The library's logins for the logins page: username, name, role, active, last
    login; by role, then username. `query` matches the username or the name."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from shuxiang.core.permissions import ROLE_LABELS, ROLES

    users = get_user_model().objects.filter(membership__library=library)
    if role:
        users = users.filter(groups__name=role)
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    users = users.prefetch_related("groups").order_by("username").distinct()
    rows = []
    for user in users:
        names = {g.name for g in user.groups.all()}
        user_role = next((r for r in ROLES if r in names), None)
        rows.append(
            {
                "id": user.pk,
                "username": user.username,
                "full_name": user.get_full_name(),
                "role": user_role,
                "role_label": str(ROLE_LABELS[user_role]) if user_role else "",
                "is_active": user.is_active,
                "last_login": user.last_login,
            }
        )
    order = {r: i for i, r in enumerate(ROLES)}
    rows.sort(key=lambda row: (order.get(row["role"], len(ROLES)), row["username"]))
    return rows


# -- the settings pages ------------------------------------------------------------------


def opening_calendar(library: Library) -> Any:
    """The library's opening calendar (core.calendar.OpeningCalendar) from its weekly
    slots, special days, vacations and terms."""
    from shuxiang.core.calendar import OpeningCalendar, Period
    from shuxiang.core.models import CalendarDay, OpeningSlot, Term, Vacation

    closed, make_up = set(), set()
    for day, kind in CalendarDay.objects.filter(library=library).values_list("date", "kind"):
        (make_up if kind == CalendarDay.Kind.OPEN else closed).add(day)
    return OpeningCalendar.build(
        slot_weekdays=set(
            OpeningSlot.objects.filter(library=library).values_list("weekday", flat=True)
        ),
        closed_dates=closed,
        open_dates=make_up,
        vacations=[
            Period(n, s, e)
            for n, s, e in Vacation.objects.filter(library=library).values_list(
                "name", "start", "end"
            )
        ],
        terms=[
            Period(n, s, e)
            for n, s, e in Term.objects.filter(library=library).values_list("name", "start", "end")
        ],
    )


def month_grid(library: Library, year: int, month: int, *, today: Any) -> list[list[dict]]:
    """The weeks (Monday first) of a month as the settings calendar shows them: each day
    with whether the library opens, why not (vacation, closed day, weekday without
    opening hours), a make-up day (调休), its term and whether it is today."""
    import calendar as stdlib_calendar

    from shuxiang.core.models import CalendarDay

    cal = opening_calendar(library)
    weeks = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    special = {
        d.date: d for d in CalendarDay.objects.filter(library=library, date__range=(first, last))
    }
    grid = []
    for week in weeks:
        row = []
        for day in week:
            vacation = cal.vacation_on(day)
            term = next((t for t in cal.terms if day in t), None)
            entry = special.get(day)
            is_open = cal.is_open(day)
            if entry is not None and entry.kind == CalendarDay.Kind.OPEN:
                state = "makeup"
            elif is_open:
                state = "open"
            elif entry is not None:
                state = "closed-day"
            elif vacation is not None:
                state = "vacation"
            else:
                state = "closed"
            # A span's name shows where it starts and at the start of each week row.
            starts_row = day.weekday() == 0 or day == first
            row.append(
                {
                    "date": day,
                    "in_month": day.month == month,
                    "is_open": is_open,
                    "state": state,
                    "today": day == today,
                    "vacation": vacation.name
                    if vacation is not None and (starts_row or day == vacation.start)
                    else "",
                    "term_starts": term.name if term is not None and day == term.start else "",
                    "term_ends": term.name if term is not None and day == term.end else "",
                    "special": entry,
                }
            )
        grid.append(row)
    return grid


def locations_of(library: Library) -> list[dict[str, Any]]:
    """The library's locations with how many rows of other apps (copies ...) refer to
    each: in use first, then by code."""
    from shuxiang.core.models import Location

    locations = list(Location.objects.filter(library=library).order_by("-active", "code"))
    counts = location_use_counts(library)
    return [{"location": loc, "in_use": counts.get(loc.pk, 0)} for loc in locations]


def location_use_counts(library: Library, location_id: int | None = None) -> dict[int, int]:
    """{location id: rows referring to it} over every model that points at Location
    (the catalog's copies ...), found through Django's relations: core names no other
    app, and an app added later is counted too."""
    from django.db.models import Count

    from shuxiang.core.models import Location

    counts: dict[int, int] = {}
    for relation in Location._meta.related_objects:
        if relation.many_to_many:
            continue
        field = relation.field.name
        rows = relation.related_model._base_manager.filter(
            **{f"{field}__library": library}
        ).exclude(**{f"{field}__isnull": True})
        if location_id is not None:
            rows = rows.filter(**{field: location_id})
        for pk, n in rows.values_list(field).annotate(n=Count("pk")).order_by():
            counts[pk] = counts.get(pk, 0) + n
    return counts
