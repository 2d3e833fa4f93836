"""The readers' figures on the staff dashboard (registered in PatronsConfig.ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from shuxiang.core import dashboard
from shuxiang.core.models import Library
from shuxiang.patrons.models import Patron

# Readers on the roll: active, or blocked for the moment (not graduated, not left).
ON_ROLL = [Patron.Status.ACTIVE, Patron.Status.BLOCKED]


def figures(library: Library, day: dt.date) -> dict[str, Any]:
    """The readers on the roll, and how many of them are students."""
    readers = Patron.objects.filter(library=library, status__in=ON_ROLL)
    return {
        "patrons": readers.count(),
        "students": readers.filter(category=Patron.Category.STUDENT).count(),
    }


def register() -> None:
    dashboard.register_figures("patrons", figures)
    dashboard.register_tile(dashboard.Tile("patrons", _("在册读者"), order=70))
    dashboard.register_tile(dashboard.Tile("students", _("其中学生"), order=80))
