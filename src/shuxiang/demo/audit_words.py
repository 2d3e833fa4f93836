"""What the audit page calls this app's actions (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "demo.generate": _("生成演示数据"),
        }
    )
    audit_words.register_keys(
        {
            "seed": _("随机种子"),
            "today": _("演示日期"),
            "classes": _("班级数"),
            "students": _("学生数"),
            "teachers": _("教师数"),
            "bibs": _("书目数"),
            "reference_items": _("工具书册数"),
            "overdue_loans": _("逾期册数"),
        }
    )
