"""What the audit page calls this app's actions (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "batch.create": _("新建采购批次"),
            "batch.lines_add": _("添加订购书目"),
            "batch.ordered": _("批次已订购"),
            "batch.receive": _("验收到书"),
            "budget.set": _("设置经费"),
            "vendor.create": _("新增书商"),
            "suggestion.create": _("荐购"),
            "suggestion.ask": _("附议荐购"),
            "suggestion.accept": _("采纳荐购"),
            "suggestion.decline": _("婉拒荐购"),
            "suggestion.ordered": _("荐购的书已订购"),
            "suggestion.received": _("荐购的书已到馆"),
        }
    )
