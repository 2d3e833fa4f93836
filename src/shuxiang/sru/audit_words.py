"""What the audit page calls this app's actions (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "sru_server.create": _("新增套录服务器"),
            "sru_server.update": _("修改套录服务器"),
        }
    )
