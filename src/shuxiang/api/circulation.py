"""Circulation endpoints (checkout, checkin, renew, a reader's loans): thin adapters over
`shuxiang.circulation.services`. Refusals answer 409 with the decision's code."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import Field

from shuxiang.api.api import api
from shuxiang.api.auth import require
from shuxiang.api.schemas import ErrorOut
from shuxiang.circulation import services
from shuxiang.circulation.models import Hold, Payment
from shuxiang.circulation.selectors import patron_fees, patron_holds, patron_loans
from shuxiang.core.errors import Forbidden, NotFound
from shuxiang.core.permissions import can, can_circulate_for
from shuxiang.patrons.selectors import patron_by_card
from shuxiang.patrons.services import history_view_record, loans_view_record

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CheckoutIn(Schema):
    patron: str = Field(min_length=1, max_length=40, description="借书证号")
    item: str = Field(min_length=1, max_length=40, description="条码号")
    override_reason: str = Field(
        default="", max_length=200, description="越权借出的原因（图书管理员）"
    )


class CheckoutOut(Schema):
    loan_id: int
    item: str
    patron: str
    due: dt.date


class ItemIn(Schema):
    item: str = Field(min_length=1, max_length=40, description="条码号")


class CheckinOut(Schema):
    item: str
    patron: str | None
    overdue_days: int
    fee: int = Field(description="逾期罚款，单位：分")
    hold: dict | None
    found: bool
    messages: list[str] = []


class RenewIn(Schema):
    item: str = Field(min_length=1, max_length=40, description="条码号")
    override_reason: str = Field(default="", max_length=200)


class RenewOut(Schema):
    item: str
    due: dt.date
    renewals: int


class LoanOut(Schema):
    loan_id: int
    item: str
    title: str
    call_number: str
    status: str
    checked_out_at: dt.datetime
    due: dt.date
    renewals: int
    returned_at: dt.datetime | None = None


@api.post("/circulation/checkout", response={201: CheckoutOut, **ERRORS}, tags=["circulation"])
def checkout(request: HttpRequest, payload: CheckoutIn) -> Status:
    """Lend a copy to a reader (借出)."""
    actor = require(request, "circulate")
    loan = services.loan_checkout(
        actor=actor,
        card=payload.patron,
        barcode=payload.item,
        override_reason=payload.override_reason,
    )
    return Status(
        201,
        {
            "loan_id": loan.pk,
            "item": payload.item.strip(),
            "patron": payload.patron.strip(),
            "due": loan.due_date,
        },
    )


@api.post("/circulation/checkin", response={200: CheckinOut, **ERRORS}, tags=["circulation"])
def checkin(request: HttpRequest, payload: ItemIn) -> dict:
    """Take a copy back (归还); a missing or lost copy comes back as found."""
    actor = require(request, "circulate")
    result = services.loan_checkin(actor=actor, barcode=payload.item)
    return {
        "item": result.item.barcode,
        "patron": result.patron.card_number if result.patron else None,
        "overdue_days": result.overdue_days,
        "fee": result.fee,
        "hold": result.hold,
        "found": result.found,
        "messages": result.messages,
    }


@api.post("/circulation/renew", response={200: RenewOut, **ERRORS}, tags=["circulation"])
def renew(request: HttpRequest, payload: RenewIn) -> dict:
    """Renew a loan (续借)."""
    actor = require(request, "circulate")
    loan = services.loan_renew(
        actor=actor, barcode=payload.item, override_reason=payload.override_reason
    )
    return {"item": payload.item.strip(), "due": loan.due_date, "renewals": loan.renewals}


class ClaimIn(Schema):
    item: str = Field(min_length=1, max_length=40, description="条码号")
    note: str = Field(default="", max_length=200, description="读者的说法，如：上周五还到还书箱")


class ClaimOut(Schema):
    loan_id: int
    item: str
    status: str = Field(description="claimed_returned 声称已还")
    item_status: str = Field(description="missing 丢失待查：清点时查找")


@api.post("/circulation/claim-returned", response={200: ClaimOut, **ERRORS}, tags=["circulation"])
def claim_returned(request: HttpRequest, payload: ClaimIn) -> dict:
    """The reader says the copy was returned (声称已还): the loan leaves the open and
    overdue loans and accrues no fine; the copy is sought (丢失待查) until it is found
    (check-in or a stocktake) or written off. Librarians. 409 `not_on_loan`,
    `already_claimed`; 404 `item_not_found`."""
    actor = require(request, "circulate_any_class")
    loan = services.loan_claim_returned(actor=actor, barcode=payload.item, note=payload.note)
    return {
        "loan_id": loan.pk,
        "item": payload.item.strip(),
        "status": loan.status,
        "item_status": "missing",
    }


@api.get("/patrons/{card}/loans", response={200: list[LoanOut], **ERRORS}, tags=["circulation"])
def loans(request: HttpRequest, card: str, history: bool = False) -> list[dict]:
    """A reader's open loans; with ?history=1 also the returned ones (with returned_at)."""
    actor = require(request, "circulate")
    patron = patron_by_card(actor.library.pk, card)
    if not can_circulate_for(request.user, class_id=patron.school_class_id):
        # As GET /patrons/{card} answers: another class's card is not confirmed to exist.
        raise NotFound(
            _("没有借书证号为 %(card)s 的读者。") % {"card": card}, code="patron_not_found"
        )
    if history and not can(request.user, "view_patron_history"):
        raise Forbidden(_("您没有查看借阅历史的权限。"), code="forbidden")
    if history:
        history_view_record(actor=actor, patron=patron, where="api")
    else:
        loans_view_record(actor=actor, patron=patron, where="api")
    return [
        {
            "loan_id": loan.pk,
            "item": loan.item.barcode,
            "title": loan.item.bib.title,
            "call_number": loan.item.call_number.value if loan.item.call_number_id else "",
            "status": loan.status,
            "checked_out_at": loan.checked_out_at,
            "due": loan.due_date,
            "renewals": loan.renewals,
            "returned_at": loan.returned_at,
        }
        for loan in patron_loans(actor.library, patron, history=history)
    ]


# --- holds and fees -----------------------------------------------------------------------


class HoldIn(Schema):
    patron: str = Field(min_length=1, max_length=40, description="借书证号")
    bib: int = Field(description="书目记录 id")


class HoldOut(Schema):
    hold_id: int
    patron: str
    bib: int
    title: str
    status: str
    position: int = Field(description="排队位置（1 = 下一位）；已到书为 0")
    expires_on: dt.date | None = None


def _hold_out(hold: Hold) -> dict:
    position = 0
    if hold.status == Hold.Status.WAITING:
        position = (
            Hold.objects.filter(
                bib_id=hold.bib_id, status=Hold.Status.WAITING, placed_at__lt=hold.placed_at
            ).count()
            + 1
        )
    return {
        "hold_id": hold.pk,
        "patron": hold.patron.card_number,
        "bib": hold.bib_id,
        "title": hold.bib.title,
        "status": hold.status,
        "position": position,
        "expires_on": hold.expires_on,
    }


@api.post("/holds", response={201: HoldOut, **ERRORS}, tags=["circulation"])
def hold_place(request: HttpRequest, payload: HoldIn) -> Status:
    """Reserve a title for a reader (预约); the reader joins the title's queue."""
    actor = require(request, "circulate")
    hold = services.hold_place(actor=actor, card=payload.patron, bib_id=payload.bib)
    return Status(201, _hold_out(hold))


@api.delete("/holds/{hold_id}", response={204: None, **ERRORS}, tags=["circulation"])
def hold_cancel(request: HttpRequest, hold_id: int) -> Status:
    """Cancel a hold; a copy kept on the hold shelf goes to the next in line."""
    actor = require(request, "circulate")
    services.hold_cancel(actor=actor, hold_id=hold_id)
    return Status(204, None)


@api.get("/patrons/{card}/holds", response={200: list[HoldOut], **ERRORS}, tags=["circulation"])
def holds(request: HttpRequest, card: str) -> list[dict]:
    """A reader's active holds, ready ones first."""
    actor = require(request, "circulate")
    patron = patron_by_card(actor.library.pk, card)
    if not can_circulate_for(request.user, class_id=patron.school_class_id):
        # As GET /patrons/{card} answers: another class's card is not confirmed to exist.
        raise NotFound(
            _("没有借书证号为 %(card)s 的读者。") % {"card": card}, code="patron_not_found"
        )
    return [_hold_out(hold) for hold in patron_holds(patron)]


class FeeOut(Schema):
    fee_id: int
    kind: str
    status: str
    amount: int = Field(description="金额，单位：分")
    item: str | None = None
    note: str = ""
    created_at: dt.datetime


class PayIn(Schema):
    fees: list[int] = Field(min_length=1, description="要缴的费用 id")


class WaiveIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class PaymentOut(Schema):
    fee_id: int
    kind: str
    amount: int
    receipt_number: str


@api.get("/patrons/{card}/fees", response={200: list[FeeOut], **ERRORS}, tags=["circulation"])
def fees(request: HttpRequest, card: str) -> list[dict]:
    """A reader's fee history (罚款、赔偿), newest first."""
    actor = require(request, "circulate_any_class")
    patron = patron_by_card(actor.library.pk, card)
    return [
        {
            "fee_id": fee.pk,
            "kind": fee.kind,
            "status": fee.status,
            "amount": fee.amount,
            "item": fee.item.barcode if fee.item_id else None,
            "note": fee.note,
            "created_at": fee.created_at,
        }
        for fee in patron_fees(patron)
    ]


def _payment_out(payment: Payment) -> dict:
    return {
        "fee_id": payment.fee_id,
        "kind": payment.kind,
        "amount": payment.amount,
        "receipt_number": payment.receipt_number,
    }


@api.post("/fees/pay", response={200: list[PaymentOut], **ERRORS}, tags=["circulation"])
def fee_pay(request: HttpRequest, payload: PayIn) -> list[dict]:
    """Take payment for fees in full (缴费); each gets a receipt number."""
    actor = require(request, "circulate_any_class")
    return [_payment_out(p) for p in services.fee_pay(actor=actor, fee_ids=payload.fees)]


@api.post("/fees/{fee_id}/waive", response={200: PaymentOut, **ERRORS}, tags=["circulation"])
def fee_waive(request: HttpRequest, fee_id: int, payload: WaiveIn) -> dict:
    """Let a reader off a fee (减免), with a reason."""
    actor = require(request, "override_refusal")
    return _payment_out(services.fee_waive(actor=actor, fee_id=fee_id, reason=payload.reason))
