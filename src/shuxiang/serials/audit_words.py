"""What the audit page calls this app's actions (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "subscription.create": _("新增期刊订阅"),
            "subscription.update": _("修改期刊订阅"),
            "subscription.renew": _("生成下年度订阅清单"),
            "issue.add": _("添加期次"),
            "issue.receive": _("期刊登到"),
            "issue.claim": _("期刊催缺"),
            "issue.bind": _("期刊装入合订本"),
            "volume.bind": _("装订合订本"),
        }
    )
    audit_words.register_keys(
        {
            "frequency": _("刊期"),
            "issn": _("ISSN"),
            "price_per_issue": _("单期价"),
            "price_per_year": _("全年价"),
            "from_year": _("原年度"),
            "to_year": _("新年度"),
            "titles": _("种数"),
            "barcodes": _("条码号"),
            "claim_count": _("催缺次数"),
            "bound_into": _("装入合订本"),
            "issues": _("期号"),
        }
    )
