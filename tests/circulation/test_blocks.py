"""Blocks (停借): automatic ones appear and lift with their cause; manual ones need a
reason and a librarian to lift them."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.circulation import services
from shuxiang.circulation.models import Fee, LoanPolicy
from shuxiang.core import clock
from shuxiang.core.errors import Conflict, Invalid

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


def _refused(actor, barcode):
    with pytest.raises(Conflict) as exc:
        services.loan_checkout(actor=actor, card="R200001", barcode=barcode)
    return exc.value


def test_overdue_block_lifts_when_book_returns(actor, student, make_item):
    services.policies_seed_defaults(library=actor.library)
    LoanPolicy.objects.filter(library=actor.library).update(block_overdue_days=5, max_loans=5)
    make_item(barcode="40000001")
    make_item(barcode="40000002")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="40000001")
    with clock.frozen_at(D("2026-11-27")):  # due 16 Nov, 9 open days late
        exc = _refused(actor, "40000002")
        assert exc.code == "patron_blocked" and "逾期 9 天" in exc.message
        services.loan_checkin(actor=actor, barcode="40000001")
        services.loan_checkout(actor=actor, card="R200001", barcode="40000002")


def test_fee_block_lifts_when_paid(actor, student, make_item):
    services.policies_seed_defaults(library=actor.library)
    LoanPolicy.objects.filter(library=actor.library).update(block_fees=1000)
    make_item(barcode="40000003")
    with clock.frozen_at(MONDAY):
        fee = Fee.objects.create(
            library=actor.library, patron=student, kind="fine", amount=1200, created_at=clock.now()
        )
        exc = _refused(actor, "40000003")
        assert exc.code == "patron_blocked" and "12.00" in exc.message
        services.fee_pay(actor=actor, fee_ids=[fee.pk])
        services.loan_checkout(actor=actor, card="R200001", barcode="40000003")


def test_expired_card_blocks(actor, student, make_item):
    student.valid_until = D("2026-10-31")
    student.save()
    make_item(barcode="40000004")
    with clock.frozen_at(MONDAY):
        assert _refused(actor, "40000004").code == "card_expired"


def test_manual_block_and_unblock(actor, client, librarian, student, make_item):
    make_item(barcode="40000005")
    with clock.frozen_at(MONDAY):
        with pytest.raises(Invalid):
            services.patron_block(actor=actor, card="R200001", reason="")
        services.patron_block(actor=actor, card="R200001", reason="损坏图书未处理")
        exc = _refused(actor, "40000005")
        assert exc.code == "patron_blocked" and "损坏图书未处理" in exc.message
        client.force_login(librarian)
        html = client.post("/staff/circulation/scan", {"code": "R200001"}).content.decode()
        assert "损坏图书未处理" in html
        services.patron_unblock(actor=actor, card="R200001", reason="已处理")
        with pytest.raises(Conflict):
            services.patron_unblock(actor=actor, card="R200001")
        services.loan_checkout(actor=actor, card="R200001", barcode="40000005")


def test_reader_page_offers_blocking_until_blocked_then_unblocking(
    actor, client, librarian, student
):
    client.force_login(librarian)
    html = client.get("/staff/circulation/reader/R200001/").content.decode()
    assert 'value="block"' in html and "起手动停借" not in html and 'value="unblock"' not in html
    r = client.post("/staff/circulation/reader/R200001/", {"action": "block", "reason": "丢失图书"})
    assert r.status_code in (200, 302)
    html = client.get("/staff/circulation/reader/R200001/").content.decode()
    assert "起手动停借：丢失图书" in html and 'value="unblock"' in html
    assert 'value="block"' not in html
    # The desk hears it at once: the card sounds the error tone.
    scan = client.post("/staff/circulation/scan", {"code": "R200001"}).content.decode()
    assert 'data-level="error"' in scan and "丢失图书" in scan
