"""What the audit page calls the catalog's actions and fields (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.catalog.models import Bib, Item
    from shuxiang.core import audit_words
    from shuxiang.core.money import format_fen

    audit_words.register_actions(
        {
            "bib.create": _("新建书目"),
            "bib.catalog": _("编目"),
            "bib.update": _("修改书目"),
            "bib.marc_update": _("修改 MARC 记录"),
            "item.create": _("新增复本"),
            "item.update": _("修改复本"),
            "item.move": _("复本改挂书目"),
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
            "isbns": _("全部 ISBN"),
            "invalid_isbns": _("无效 ISBN"),
            "copies": _("册数"),
            "items": _("册数"),
            "new_title": _("新书目"),
            "on_duplicate": _("重复时"),
            "parallel_title": _("并列题名"),
            "responsibility": _("责任说明"),
            "authors": _("著者"),
            "edition": _("版本"),
            "publisher": _("出版社"),
            "place": _("出版地"),
            "year": _("出版年"),
            "pages": _("页数"),
            "size": _("尺寸"),
            "price": _("价格"),
            "clc": _("分类号"),
            "subjects": _("主题词"),
            "series": _("丛书"),
            "summary": _("提要"),
            "language": _("语种"),
            "material_type": _("资料类型"),
            "marc_fields": _("MARC 字段"),
            "bib": _("书目编号"),
            "location": _("馆藏地点"),
            "circulation_type": _("流通类型"),
        }
    )
    audit_words.register_values("status", dict(Item.Status.choices), "catalog.item")
    audit_words.register_values("material_type", dict(Bib.MaterialType.choices), "catalog.bib")
    audit_words.register_values(
        "circulation_type", dict(Item.CirculationType.choices), "catalog.item"
    )
    audit_words.register_values("price", format_fen, "catalog.bib")
    audit_words.register_values("price", format_fen, "catalog.item")
    # Catalog maintenance (merging, reclassifying) is a part of the catalog, not an app.
    from shuxiang.catalog.maintenance import audit_words as maintenance_words

    maintenance_words.register()
