"""The staff navigation. Each app registers its own modules in its AppConfig.ready(), so
a module that does not exist is simply not shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from shuxiang.core.permissions import can


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation
    url_name: str
    capability: str
    order: int = 100
    # Other pages that belong to this entry (its tabs), shown with the entry highlighted.
    also: tuple[str, ...] = ()


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda i: i.order)


def items_for(user: Any) -> list[dict[str, str]]:
    return [
        {
            "label": str(item.label),
            "url": reverse(item.url_name),
            "url_name": item.url_name,
            "view_names": (item.url_name, *item.also),
        }
        for item in _ITEMS
        if can(user, item.capability)
    ]
