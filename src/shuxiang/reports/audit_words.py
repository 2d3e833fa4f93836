"""What the audit page calls the reports app's actions (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "report_settings_update": _("修改统计设置"),
            "rule_set.upload": _("上传对照标准"),
            "rule_set.delete": _("删除对照标准"),
            "reading_list.import": _("导入推荐书目"),
            "reading_list.match": _("重新匹配推荐书目"),
            "reading_list.delete": _("删除推荐书目"),
        }
    )
    audit_words.register_keys(
        {
            "school_level": _("学校类别"),
            "standard": _("对照标准"),
            "borrowing_rate_basis": _("借书率口径"),
            "published": _("在校园网公布统计"),
            "entries": _("条目数"),
            "matched": _("已匹配"),
        }
    )
