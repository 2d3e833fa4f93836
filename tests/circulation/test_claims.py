"""Claims returned (声称已还): the loan leaves every open and overdue list and accrues no
fine; the copy is sought, and found copies of lost and claimed loans come back through
one check-in path."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation import services
from shuxiang.circulation.models import Fee, Loan, LoanPolicy
from shuxiang.circulation.selectors import (
    desk_reader,
    overdue_loans,
    patron_facts,
    patron_summary,
    rules_cache_clear,
)
from shuxiang.core import clock
from shuxiang.core.audit import Actor, pseudonyms_of
from shuxiang.core.errors import Conflict, Forbidden, Invalid, NotFound
from shuxiang.core.models import AuditEvent

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")
LATER = D("2026-11-20")  # loans made on MONDAY fell due on 16 November


@pytest.fixture
def late_loans(actor, student, make_bib, make_item):
    """李小华 has two books out since MONDAY, both overdue by LATER; fines 0.10 a day."""
    LoanPolicy.objects.filter(library=actor.library).update(fine_per_day=10, max_loans=2)
    make_item(barcode="71000001", bib=make_bib("西游记"), price=2500)
    make_item(barcode="71000002", bib=make_bib("城南旧事"), price=1800)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="71000001")
        services.loan_checkout(actor=actor, card="R200001", barcode="71000002")
    return student


def _claim(actor, barcode="71000001", note="上周五还到还书箱"):
    with clock.frozen_at(LATER):
        return services.loan_claim_returned(actor=actor, barcode=barcode, note=note)


def test_claim_takes_the_loan_out_of_every_open_list(actor, late_loans, library):
    with clock.frozen_at(LATER):
        before = patron_facts(late_loans)
    assert before.open_loans == 2
    loan = _claim(actor)
    loan.refresh_from_db()
    assert loan.status == "claimed_returned" and loan.returned_at is None
    assert loan.claim_note == "上周五还到还书箱" and loan.claimed_at is not None
    assert Item.objects.get(barcode="71000001").status == "missing"
    with clock.frozen_at(LATER):
        lines = overdue_loans(library, today=LATER)
        facts = patron_facts(late_loans)
        summary = patron_summary(library, late_loans, today=LATER)
        panel = desk_reader(library, late_loans, today=LATER)
    assert [line.loan.item.barcode for line in lines] == ["71000002"]
    assert facts.open_loans == 1
    assert summary["count"] == 1 and summary["overdue"] == 1 and not summary["at_limit"]
    assert panel["count"] == 1 and [r["loan"].barcode for r in panel["loans"]] == ["71000002"]
    event = AuditEvent.objects.get(action="loan.claim_returned")
    assert event.object_id == str(loan.pk) and event.reason == "上周五还到还书箱"
    assert event.before == {"status": "on_loan", "item_status": "on_loan"}
    assert event.after["status"] == "claimed_returned" and event.after["item_status"] == "missing"
    # The reader by pseudonym, never by name or card.
    assert event.reader in pseudonyms_of(library, late_loans.pk)
    assert "R200001" not in str(event.after) and "李小华" not in str(event.after)


def test_claimed_loan_no_longer_blocks_for_lateness(actor, late_loans, library, make_item):
    LoanPolicy.objects.filter(library=library).update(block_overdue_days=2, max_loans=5)
    rules_cache_clear()
    make_item(barcode="71000003")
    with clock.frozen_at(LATER), pytest.raises(Conflict) as refused:
        services.loan_checkout(actor=actor, card="R200001", barcode="71000003")
    assert refused.value.code == "patron_blocked"
    _claim(actor, "71000001")
    _claim(actor, "71000002", note="")
    with clock.frozen_at(LATER):
        loan = services.loan_checkout(actor=actor, card="R200001", barcode="71000003")
    assert loan.status == "on_loan"


def test_found_at_checkin_ends_the_claim_without_a_fine(actor, late_loans):
    loan = _claim(actor)
    with clock.frozen_at(D("2026-12-01")):
        result = services.loan_checkin(actor=actor, barcode="71000001")
    loan.refresh_from_db()
    assert loan.status == "returned" and loan.returned_at is not None
    assert result.found and result.fee == 0 and result.overdue_days == 0
    assert "读者声称已还的图书已找到，借阅已按归还处理，不收逾期罚款。" in result.messages
    assert Item.objects.get(barcode="71000001").status == "available"
    assert not Fee.objects.filter(loan=loan).exists()
    found = AuditEvent.objects.get(action="loan.claim_found")
    assert found.object_id == str(loan.pk) and found.reader
    assert found.before == {"status": "claimed_returned"}
    # The other loan, still out, is fined as usual.
    with clock.frozen_at(D("2026-12-01")):
        other = services.loan_checkin(actor=actor, barcode="71000002")
    assert other.fee > 0


def test_found_claimed_copy_goes_to_the_hold_shelf(actor, late_loans, make_patron):
    make_patron(card="R200009", name="赵小明")
    bib_id = Item.objects.get(barcode="71000001").bib_id
    with clock.frozen_at(MONDAY):
        services.hold_place(actor=actor, card="R200009", bib_id=bib_id)
    _claim(actor)
    with clock.frozen_at(D("2026-12-01")):
        result = services.loan_checkin(actor=actor, barcode="71000001")
    assert result.hold is not None and result.hold["patron"] == "R200009"
    assert Item.objects.get(barcode="71000001").status == "on_hold_shelf"


def test_lent_straight_from_the_hand_settles_the_claim(actor, late_loans, make_patron):
    make_patron(card="R200008", name="孙小兰")
    loan = _claim(actor)
    with clock.frozen_at(D("2026-12-01")):
        new = services.loan_checkout(actor=actor, card="R200008", barcode="71000001")
    loan.refresh_from_db()
    assert loan.status == "returned" and new.status == "on_loan"
    assert Loan.objects.filter(item__barcode="71000001", status="claimed_returned").count() == 0


def test_billed_as_lost_after_the_claim_then_found(actor, late_loans):
    loan = _claim(actor)
    with clock.frozen_at(D("2026-12-10")):
        fee = services.item_mark_lost(actor=actor, barcode="71000001")
    loan.refresh_from_db()
    assert loan.status == "lost" and fee.amount > 0
    lost = AuditEvent.objects.get(action="loan.lost")
    assert lost.before["status"] == "claimed_returned"
    with clock.frozen_at(D("2026-12-11")):
        result = services.loan_checkin(actor=actor, barcode="71000001")
    fee.refresh_from_db()
    loan.refresh_from_db()
    assert fee.status == "waived" and loan.status == "returned"
    assert "遗失赔偿已取消（图书已找回）。" in result.messages


def test_refusals_change_nothing(actor, late_loans, make_item, make_user, library):
    make_item(barcode="71000009")
    with clock.frozen_at(LATER):
        with pytest.raises(Conflict) as not_out:
            services.loan_claim_returned(actor=actor, barcode="71000009")
        with pytest.raises(NotFound):
            services.loan_claim_returned(actor=actor, barcode="no-such")
        with pytest.raises(NotFound):
            services.loan_claim_returned(actor=actor, loan_id=999_999)
        with pytest.raises(Invalid):
            services.loan_claim_returned(actor=actor, barcode="71000001", note="长" * 201)
        with pytest.raises(Invalid):
            services.loan_claim_returned(actor=actor)
        assistant = Actor(library=library, user=make_user("assistant", username="zhuli"))
        with pytest.raises(Forbidden):
            services.loan_claim_returned(actor=assistant, barcode="71000001")
    assert not_out.value.code == "not_on_loan"
    assert not AuditEvent.objects.filter(action="loan.claim_returned").exists()
    assert Item.objects.get(barcode="71000001").status == "on_loan"
    _claim(actor)
    with clock.frozen_at(LATER), pytest.raises(Conflict) as again:
        services.loan_claim_returned(actor=actor, barcode="71000001")
    assert again.value.code == "already_claimed"


def test_claim_by_loan_id(actor, late_loans):
    loan = Loan.objects.get(item__barcode="71000002")
    with clock.frozen_at(LATER):
        services.loan_claim_returned(actor=actor, loan_id=loan.pk)
    loan.refresh_from_db()
    assert loan.status == "claimed_returned"


# --- pages and the API ---------------------------------------------------------------


def test_reader_page_claims_and_lists_claimed_loans(staff_client, late_loans):
    loan = Loan.objects.get(item__barcode="71000001")
    with clock.frozen_at(LATER):
        page = staff_client.get("/staff/circulation/reader/R200001/").content.decode()
        assert 'value="claim_returned"' in page and "声称已还（查找中）" not in page
        r = staff_client.post(
            "/staff/circulation/reader/R200001/",
            {"action": "claim_returned", "loan": loan.pk, "note": "放在还书箱了"},
            follow=True,
        )
    html = r.content.decode()
    assert "《西游记》已登记为读者声称已还" in html
    assert "声称已还（查找中）" in html and "放在还书箱了" in html
    claimed = html.split('data-test="claimed"')[1].split("</table>")[0]
    assert "西游记" in claimed and "城南旧事" not in claimed
    with clock.frozen_at(LATER):
        overdue = staff_client.get("/staff/circulation/overdue/").content.decode()
    assert "城南旧事" in overdue and "西游记" not in overdue


def test_reader_page_refuses_with_a_message(staff_client, late_loans):
    with clock.frozen_at(LATER):
        r = staff_client.post(
            "/staff/circulation/reader/R200001/",
            {"action": "claim_returned", "barcode": "no-such"},
            follow=True,
        )
    assert "没有条码号为 no-such 的图书。" in r.content.decode()
    assert not Loan.objects.filter(status="claimed_returned").exists()


def test_class_overdue_list_and_slip_leave_claimed_loans_out(
    actor, late_loans, school_class, client, librarian
):
    _claim(actor, "71000001")
    client.force_login(librarian)
    with clock.frozen_at(LATER):
        html = client.get(f"/staff/circulation/overdue/class/{school_class.pk}/").content.decode()
    assert "城南旧事" in html and "西游记" not in html


def test_api_claim_returned(api, librarian, late_loans, make_user):
    desk = api(librarian)
    with clock.frozen_at(LATER):
        r = desk.post("/api/v1/circulation/claim-returned", {"item": "71000001", "note": "还了"})
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["item"] == "71000001" and body["status"] == "claimed_returned"
        assert body["item_status"] == "missing"
        again = desk.post("/api/v1/circulation/claim-returned", {"item": "71000001"})
        assert again.status_code == 409 and again.json()["code"] == "already_claimed"
        loans = desk.get("/api/v1/patrons/R200001/loans").json()
        assert [x["item"] for x in loans] == ["71000002"]
        teacher = api(make_user("teacher", username="t1"))
        refused = teacher.post("/api/v1/circulation/claim-returned", {"item": "71000002"})
    assert refused.status_code == 403
    assert Loan.objects.get(item__barcode="71000002").status == "on_loan"


def test_a_stale_page_cannot_claim_the_next_loan(actor, late_loans, make_patron):
    make_patron(card="R200007", name="周小芳")
    old = Loan.objects.get(item__barcode="71000001")
    with clock.frozen_at(LATER):
        services.loan_checkin(actor=actor, barcode="71000001")
        services.loan_checkout(actor=actor, card="R200007", barcode="71000001")
        with pytest.raises(Conflict) as stale:
            services.loan_claim_returned(actor=actor, loan_id=old.pk, barcode="71000001")
    assert stale.value.code == "loan_not_open"
    assert Loan.objects.get(item__barcode="71000001", status="on_loan").patron.card_number == (
        "R200007"
    )
