"""What the audit page calls circulation's actions and recorded fields (core.audit_words)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from shuxiang.catalog.models import Item
    from shuxiang.circulation.models import Fee, Hold, Loan, Payment
    from shuxiang.core import audit_words
    from shuxiang.core.money import yuan_text

    audit_words.register_actions(
        {
            "loan.checkout": _("借出"),
            "loan.checkin": _("归还"),
            "loan.renew": _("续借"),
            "loan.lost": _("登记遗失"),
            "loan.found": _("遗失图书找回"),
            "loan.claim_returned": _("登记读者声称已还"),
            "loan.claim_found": _("声称已还的图书找到"),
            "loan.import": _("导入原系统借阅"),
            "loan.transfer": _("班级间交换"),
            "hold.place": _("预约"),
            "hold.cancel": _("取消预约"),
            "hold.trap": _("预约到书"),
            "hold.untrap": _("撤下预约架"),
            "hold.expire": _("预约过期"),
            "fee.create": _("产生费用"),
            "fee.payment": _("缴费"),
            "fee.waiver": _("减免"),
            "fee.refund": _("退款"),
            "item.damaged": _("登记损坏"),
            "item.found": _("找到图书"),
            "patron.block": _("停借"),
            "patron.unblock": _("解除停借"),
            "policy.update": _("修改借阅规则"),
            "policy.delete": _("删除借阅规则"),
            "circulation_settings.update": _("修改流通设置"),
        }
    )
    audit_words.register_keys(
        {
            "item": _("条码号"),
            "item_status": _("图书状态"),
            "due": _("应还日期"),
            "renewals": _("续借次数"),
            "override": _("越权办理"),
            "class": _("班级"),
            "custodian": _("保管人"),
            "damaged": _("损坏程度"),
            "severity": _("损坏程度"),
            "fee": _("费用"),
            "amount": _("金额（元）"),
            "replacement": _("赔新书"),
            "receipt": _("收据号"),
            "bib": _("书目"),
            "hold": _("预约"),
            "expires_on": _("保留至"),
            "blocked": _("停借"),
            "overdue_days": _("逾期天数"),
            "loan": _("借阅记录"),
        }
    )
    money = lambda fen: yuan_text(fen) if isinstance(fen, int) else str(fen)  # noqa: E731
    for key in ("amount", "fee"):
        audit_words.register_values(key, money)
    audit_words.register_values("item_status", dict(Item.Status.choices))
    audit_words.register_values("status", dict(Loan.Status.choices), "circulation.loan")
    audit_words.register_values("status", dict(Hold.Status.choices), "circulation.hold")
    audit_words.register_values("status", dict(Fee.Status.choices), "circulation.fee")
    audit_words.register_values("kind", dict(Fee.Kind.choices), "circulation.fee")
    audit_words.register_values("kind", dict(Payment.Kind.choices), "circulation.payment")
