"""What the audit page calls this app's actions (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.core import audit_words

    audit_words.register_actions(
        {
            "stocktake.create": _("开始清点"),
            "stocktake.close": _("结束清点"),
            "item.missing": _("清点未见，标记丢失待查"),
            "item.repair": _("送修"),
            "item.repaired": _("修补完成上架"),
            "item.withdraw": _("注销图书"),
            "withdrawal.propose": _("提出注销批次"),
            "withdrawal.approve": _("批准注销批次"),
            "withdrawal.reject": _("驳回注销批次"),
            "withdrawal.dispose": _("记录注销图书处置"),
            "recall_list.import": _("导入下架清单"),
        }
    )
    audit_words.register_keys(
        {
            "stocktake": _("清点"),
            "locations": _("馆藏地点"),
            "marked_missing": _("标记丢失待查"),
            "recovered": _("找回"),
            "scanned": _("已扫描"),
            "expected": _("应有"),
            "found": _("在架"),
            "misplaced": _("错架"),
            "on_loan": _("借出"),
            "missing": _("缺失"),
            "unknown": _("未知条码"),
            "elsewhere": _("修补中、预约架或在途"),
            "withdrawn": _("已注销图书"),
            "out_of_order": _("排架顺序错误"),
            "cost": _("修补费用"),
            "batch": _("注销批次"),
            "disposal": _("处置方式"),
            "claimed_missing": _("声称已还未找到"),
            "entries": _("清单条目"),
            "rejected": _("未导入的行"),
            "titles": _("本馆匹配种数"),
        }
    )
