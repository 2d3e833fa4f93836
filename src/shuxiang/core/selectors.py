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
