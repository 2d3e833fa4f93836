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
from shuxiang.circulation.selectors import patron_loans
from shuxiang.core.errors import Forbidden
from shuxiang.core.permissions import can, can_circulate_for
from shuxiang.patrons.selectors import patron_by_card

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


@api.get("/patrons/{card}/loans", response={200: list[LoanOut], **ERRORS}, tags=["circulation"])
def loans(request: HttpRequest, card: str, history: bool = False) -> list[dict]:
    """A reader's open loans; with ?history=1 also the returned ones (with returned_at)."""
    actor = require(request, "circulate")
    patron = patron_by_card(actor.library.pk, card)
    if not can_circulate_for(request.user, class_id=patron.school_class_id):
        raise Forbidden(_("您只能查看本班读者。"), code="not_your_class")
    if history and not can(request.user, "view_patron_history"):
        raise Forbidden(_("您没有查看借阅历史的权限。"), code="forbidden")
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
