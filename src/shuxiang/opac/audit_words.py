"""What the audit page calls this app's actions (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "notice.create": _("发布公告"),
            "notice.update": _("修改公告"),
            "notice.retire": _("撤下公告"),
            "notice.publish": _("重新发布公告"),
            "rules.update": _("修改借阅制度"),
        }
    )
    audit_words.register_keys(
        {
            "body_chars": _("正文字数"),
            "published": _("已发布"),
            "pinned": _("置顶"),
            "show_until": _("显示至"),
        }
    )
