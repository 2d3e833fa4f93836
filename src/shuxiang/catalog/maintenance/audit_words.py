"""What the audit page calls the catalog maintenance actions and their fields
(core.audit_words). Called from the catalog's own audit_words.register(), since the
audit page gathers `<app>.audit_words` of apps, and this is a part of the catalog."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _marc_words(value: Any) -> str:
    # The whole record would fill the page; it is kept in the event, the page says so.
    return _("MARC 记录（%(n)s 字节）") % {"n": len(str(value).encode("utf-8"))}


def _copies_words(value: Any) -> str:
    return _("%(n)s 册") % {"n": len(value) if isinstance(value, list | tuple) else value}


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "bib.merge": gettext_lazy("合并重复书目"),
            "bib.reclassify": gettext_lazy("再分类"),
            "bibs.reclassify": gettext_lazy("批量再分类"),
        }
    )
    audit_words.register_keys(
        {
            "clc": gettext_lazy("分类号"),
            "merged_into": gettext_lazy("并入书目"),
            "kept_title": gettext_lazy("保留的书目"),
            "call_numbers": gettext_lazy("索书号"),
            "call_numbers_deleted": gettext_lazy("删除的索书号"),
            "holds": gettext_lazy("预约"),
            "holds_cancelled": gettext_lazy("取消的重复预约"),
            "order_lines": gettext_lazy("订购明细"),
            "titles": gettext_lazy("种数"),
            "new_class": gettext_lazy("新分类号"),
            "item_ids": gettext_lazy("需换书标的单册"),
            "marc": gettext_lazy("MARC 记录"),
            "marc_base64": gettext_lazy("MARC 记录"),
        }
    )
    audit_words.register_values("marc", _marc_words, "catalog.bib")
    audit_words.register_values("marc_base64", _marc_words, "catalog.bib")
    audit_words.register_values("item_ids", _copies_words, "core.library")
