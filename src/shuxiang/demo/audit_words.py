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
