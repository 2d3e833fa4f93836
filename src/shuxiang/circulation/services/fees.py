"""Fees (罚款、赔偿): lost and damaged copies, payments, waivers and refunds."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation import rules
from shuxiang.circulation.models import Fee, Loan, Payment, ReceiptSequence
from shuxiang.circulation.selectors import fee_settings, open_loan_of, patron_by_id
from shuxiang.circulation.services._common import _loan_move, _locked_item, _patron, _require, _user
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Library
from shuxiang.core.money import yuan_text

# --- fees (罚款、赔偿) --------------------------------------------------------------------


RECEIPT_PREFIX = "SX"


def _next_receipt(library: Library) -> str:
    """The next receipt number of the day (SX20261102-0001, ...).

    Counting the day's payments and adding one gave two desks taking money at the same
    moment the same number on PostgreSQL (and the second a 500 from the unique index).
    Instead the day's counter row is locked (select_for_update) and moved on: the second
    desk waits the few milliseconds until the first commits and gets the next number.
    A counter rather than a retry on IntegrityError keeps the numbers without gaps, as a
    cash book wants them: a payment that rolls back rolls its number back too. On
    SQLite the write lock taken at BEGIN IMMEDIATE already serializes the desks."""
    today = clock.today()
    stem = rules.receipt_number(RECEIPT_PREFIX, today, 0)[:-4]
    counter, _created = ReceiptSequence.objects.select_for_update().get_or_create(
        library=library,
        day=today,
        # Numbers given out today before the counter existed are not given again.
        defaults={
            "last": lambda: Payment.objects.filter(
                library=library, receipt_number__startswith=stem
            ).count()
        },
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return rules.receipt_number(RECEIPT_PREFIX, today, counter.last)


def _last_loan(item: Item) -> Loan | None:
    return (
        Loan.objects.select_related("patron")
        .filter(item=item)
        .order_by("-checked_out_at", "-id")
        .first()
    )


def _claimed_loan(item: Item) -> Loan | None:
    """The loan of this copy its reader says was returned (声称已还), if any."""
    return (
        Loan.objects.filter(item=item, status=Loan.Status.CLAIMED_RETURNED).order_by("-id").first()
    )


@transaction.atomic
def item_mark_lost(*, actor: Actor, barcode: str, replacement: bool = False, note: str = "") -> Fee:
    """A reader lost a copy they borrowed (赔偿): the loan ends as lost, the copy is lost,
    and the reader is billed price × factor + processing fee — or, when they bring a
    replacement copy, the processing fee only. A loan the reader says was returned
    (声称已还) and whose copy was not found may be billed so too: nothing else bills it."""
    _require(actor, "circulate_any_class")
    library = actor.library
    item = _locked_item(library, barcode)
    loan = open_loan_of(item.pk) or _claimed_loan(item)
    if loan is None or loan.patron_id is None:
        raise Conflict(_("此书没有借给读者，不能按遗失赔偿。"), code="not_on_loan")
    patron = patron_by_id(loan.patron_id)
    _row, settings = fee_settings(library)
    compensation, processing = rules.lost_fee(item.price, settings)
    amount = processing if replacement else compensation + processing
    now = clock.now()
    loan_before = loan.status
    _loan_move(actor, loan, Loan.Status.LOST, at=now)
    item_status_set(item_id=item.pk, status=Item.Status.LOST, at=now)
    fee = Fee.objects.create(
        library=library,
        patron=patron,
        kind=Fee.Kind.LOST,
        amount=amount,
        processing_fee=processing,
        item=item,
        loan=loan,
        note=(note or (_("以书赔书，收加工费") if replacement else ""))[:200],
        created_at=now,
    )
    audit.record(
        actor,
        "loan.lost",
        loan,
        before={"status": loan_before, "item_status": item.status},
        after={"status": "lost", "item_status": "lost", "fee": amount, "replacement": replacement},
    )
    audit.record(actor, "fee.create", fee, after={"kind": "lost", "amount": amount})
    return fee


@transaction.atomic
def item_mark_damaged(
    *, actor: Actor, barcode: str, severity: str, card: str = "", note: str = ""
) -> Fee:
    """A copy came back damaged (损坏赔偿): the reader who had it (the open loan, else
    the last one, else the card given) pays by severity; the copy goes to repair."""
    _require(actor, "circulate_any_class")
    if severity not in rules.SEVERITIES:
        raise Invalid(_("请选择损坏程度。"), code="invalid_severity")
    library = actor.library
    item = _locked_item(library, barcode)
    patron = _patron(library, card) if card else None
    loan = open_loan_of(item.pk) or _last_loan(item)
    if patron is None and loan is not None and loan.patron_id:
        patron = patron_by_id(loan.patron_id)
    if patron is None:
        raise Invalid(_("请扫描损坏图书的读者借书证。"), code="patron_required")
    _row, settings = fee_settings(library)
    amount = rules.damaged_fee(item.price, severity, settings)
    now = clock.now()
    if loan is not None and loan.status == Loan.Status.ON_LOAN:
        _loan_move(actor, loan, Loan.Status.RETURNED, at=now)
        audit.record(
            actor, "loan.checkin", loan, before={"status": "on_loan"}, after={"damaged": severity}
        )
    before = item.status
    item_status_set(item_id=item.pk, status=Item.Status.IN_REPAIR, at=now)
    fee = Fee.objects.create(
        library=library,
        patron=patron,
        kind=Fee.Kind.DAMAGED,
        amount=amount,
        item=item,
        loan=loan,
        note=(note or str(DAMAGE_LABELS[severity]))[:200],
        created_at=now,
    )
    audit.record(
        actor,
        "item.damaged",
        item,
        before={"item_status": before},
        after={"item_status": "in_repair", "severity": severity},
    )
    audit.record(actor, "fee.create", fee, after={"kind": "damaged", "amount": amount})
    return fee


DAMAGE_LABELS = {
    rules.MINOR: _lazy("轻度损坏"),
    rules.MAJOR: _lazy("严重损坏"),
    rules.DESTROYED: _lazy("无法修复"),
}


def _lost_copy_found(actor: Actor, item: Item) -> list[str]:
    """A copy billed as lost came back: its loan ends as returned; an unpaid bill is
    cancelled, a paid one refunded by rule."""
    messages = []
    now = clock.now()
    loan = Loan.objects.filter(item=item, status=Loan.Status.LOST).order_by("-id").first()
    if loan is not None:
        _loan_move(actor, loan, Loan.Status.RETURNED, at=now)
        audit.record(
            actor, "loan.found", loan, before={"status": "lost"}, after={"status": "returned"}
        )
    _row, settings = fee_settings(actor.library)
    for fee in (
        Fee.objects.select_for_update(of=("self",))
        .filter(item=item, kind=Fee.Kind.LOST)
        .exclude(status__in=[Fee.Status.REFUNDED, Fee.Status.WAIVED])
    ):
        if fee.status == Fee.Status.OPEN:
            _close_fee(
                actor, fee, Payment.Kind.WAIVER, fee.amount, str(_("图书已找回")), Fee.Status.WAIVED
            )
            messages.append(_("遗失赔偿已取消（图书已找回）。"))
            continue
        paid = sum(p.amount for p in fee.payments.all() if p.kind == Payment.Kind.PAYMENT)
        refund = rules.lost_refund(paid, fee.processing_fee, settings)
        if refund:
            payment = _close_fee(
                actor, fee, Payment.Kind.REFUND, refund, str(_("图书已找回")), Fee.Status.REFUNDED
            )
            messages.append(
                _("请退还赔偿款 %(yuan)s 元（收据 %(receipt)s）。")
                % {"yuan": yuan_text(refund), "receipt": payment.receipt_number}
            )
    return messages


def _close_fee(actor: Actor, fee: Fee, kind: str, amount: int, reason: str, status: str) -> Payment:
    payment = Payment.objects.create(
        library=actor.library,
        fee=fee,
        kind=kind,
        amount=amount,
        receipt_number=_next_receipt(actor.library),
        reason=reason[:200],
        at=clock.now(),
        by=_user(actor),
    )
    before = fee.status
    fee.status = status
    fee.closed_at = payment.at
    fee.save(update_fields=["status", "closed_at"])
    audit.record(
        actor,
        f"fee.{kind}",
        fee,
        before={"status": before},
        after={"status": status, "amount": amount, "receipt": payment.receipt_number},
        reason=reason,
    )
    return payment


def _open_fees(actor: Actor, fee_ids: list[int]) -> list[Fee]:
    fees = list(
        Fee.objects.select_for_update(of=("self",))
        .filter(library=actor.library, pk__in=fee_ids)
        .order_by("id")
    )
    if len(fees) != len(set(fee_ids)) or not fees:
        raise NotFound(_("没有这笔费用。"), code="fee_not_found")
    if any(f.status != Fee.Status.OPEN for f in fees):
        raise Conflict(_("这笔费用已经结清。"), code="fee_closed")
    return fees


@transaction.atomic
def fee_pay(*, actor: Actor, fee_ids: list[int]) -> list[Payment]:
    """The reader pays these fees in full (缴费); each gets a receipt number."""
    _require(actor, "circulate_any_class")
    return [
        _close_fee(actor, fee, Payment.Kind.PAYMENT, fee.amount, "", Fee.Status.PAID)
        for fee in _open_fees(actor, fee_ids)
    ]


@transaction.atomic
def fee_waive(*, actor: Actor, fee_id: int, reason: str) -> Payment:
    """Let a reader off a fee (减免), with a reason."""
    _require(actor, "override_refusal")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("减免须填写原因。"), code="reason_required")
    (fee,) = _open_fees(actor, [fee_id])
    return _close_fee(actor, fee, Payment.Kind.WAIVER, fee.amount, reason, Fee.Status.WAIVED)
