"""The tabs of the cataloging desk (编目台) and of its settings page. The catalog's own
pages are listed here; a higher app adds its pages in its AppConfig.ready() (the sru app
adds copy cataloging and its servers), so catalog links to them without importing them
and a page whose app is not installed is simply not shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The desk's row of tabs, and the row on the settings page.
DESK = "desk"
SETTINGS = "settings"


@dataclass(frozen=True, slots=True)
class DeskTab:
    key: str  # what a page passes as `tab` (or `section`) to be shown active
    label: Any  # a lazy translation
    url_name: str
    order: int = 100
    row: str = DESK


_TABS: dict[tuple[str, str], DeskTab] = {}


def register(tab: DeskTab) -> None:
    _TABS[(tab.row, tab.key)] = tab


def tabs(row: str = DESK) -> list[dict[str, str]]:
    """The tabs of a row in order, with their label and address."""
    found = sorted((t for t in _TABS.values() if t.row == row), key=lambda t: (t.order, t.key))
    return [{"key": t.key, "label": str(t.label), "url": reverse(t.url_name)} for t in found]


def url(key: str, row: str = DESK) -> str:
    """The address of a tab, or "" when no app registered it."""
    tab = _TABS.get((row, key))
    return reverse(tab.url_name) if tab else ""


for _tab in (
    DeskTab("form", _("编目"), "cataloging:form", 10),
    DeskTab("booklist", _("书单导入"), "cataloging:booklist", 30),
    DeskTab("labels", _("打印标签"), "cataloging:labels", 40),
    DeskTab("register", _("个别登记账"), "cataloging:register", 50),
    DeskTab("marc_import", _("MARC 导入"), "catalog:marc_import", 60),
    DeskTab("marc_export", _("MARC 导出"), "catalog:marc_export", 70),
    DeskTab("merge", _("合并重复书目"), "maintenance:merge", 80),
    DeskTab("reclassify", _("再分类"), "maintenance:reclassify", 85),
    DeskTab("settings", _("号码设置"), "cataloging:settings", 90),
    DeskTab("numbers", _("条码号段与登录号"), "cataloging:settings", 10, row=SETTINGS),
):
    register(_tab)
