"""The catalog's figures on the staff dashboard (registered in CatalogConfig.ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from shuxiang.catalog.models import Bib, Item
from shuxiang.core import dashboard
from shuxiang.core.models import Library


def figures(library: Library, day: dt.date) -> dict[str, Any]:
    """The copies in the collection (withdrawn ones not counted) and the titles."""
    return {
        "items": Item.objects.filter(library=library).exclude(status=Item.Status.WITHDRAWN).count(),
        "bibs": Bib.objects.filter(library=library).count(),
    }


def register() -> None:
    dashboard.register_figures("catalog", figures)
    dashboard.register_tile(dashboard.Tile("items", _("馆藏册数"), order=50))
    dashboard.register_tile(dashboard.Tile("bibs", _("书目种数"), order=60))
