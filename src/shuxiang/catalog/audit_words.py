"""What the audit page calls the catalog's actions and fields (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.catalog.models import Item
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "bib.create": _("新建书目"),
            "bib.catalog": _("编目"),
            "item.create": _("新增复本"),
            "items.register": _("登记入藏"),
            "marc.import": _("导入 MARC"),
            "number_series.update": _("修改号码规则"),
        }
    )
    audit_words.register_keys(
        {
            "barcode": _("条码号"),
            "accession_number": _("登录号"),
            "accession_numbers": _("登录号"),
            "call_number": _("索书号"),
            "title": _("题名"),
            "isbn": _("ISBN"),
            "copies": _("册数"),
            "items": _("册数"),
            "new_title": _("新书目"),
            "on_duplicate": _("重复时"),
        }
    )
    audit_words.register_values("status", dict(Item.Status.choices), "catalog.item")
