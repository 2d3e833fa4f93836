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
