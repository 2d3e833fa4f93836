"""`{% load cataloging %}`: the cataloging desk's tabs (catalog.desk_tabs) in templates."""

from __future__ import annotations

from django import template

from shuxiang.catalog import desk_tabs

register = template.Library()


@register.simple_tag
def desk_tabs_of(row: str = desk_tabs.DESK) -> list[dict[str, str]]:
    """`{% desk_tabs_of "settings" as tabs %}`: a row's tabs (key, label, url)."""
    return desk_tabs.tabs(row)


@register.simple_tag
def desk_tab_url(key: str, row: str = desk_tabs.DESK) -> str:
    """`{% desk_tab_url "copy" as url %}`: a tab's address, "" when not installed."""
    return desk_tabs.url(key, row)
