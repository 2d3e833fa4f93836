"""Fees (罚款、赔偿): fines at check-in, lost and damaged copies, refunds, payments."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules, services
from shuxiang.circulation.models import Fee, Loan, LoanPolicy, Payment
from shuxiang.core import clock
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.core.models import AuditEvent

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")
SETTINGS = rules.FeeSettings(
    lost_factor_percent=200, lost_processing_fee=500, lost_default_price=3000
)


@pytest.mark.parametrize(
    ("price", "expected"),
    [(2550, (5100, 500)), (None, (6000, 500)), (0, (6000, 500)), (1999, (3998, 500))],
)
def test_lost_fee(price, expected):
    assert rules.lost_fee(price, SETTINGS) == expected


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("minor", 255), ("major", 1275), ("destroyed", 5100)],
)
def test_damaged_fee(severity, expected):
    assert rules.damaged_fee(2550, severity, SETTINGS) == expected


@pytest.mark.parametrize(("refund_processing", "expected"), [(False, 5100), (True, 5600)])
def test_lost_refund(refund_processing, expected):
    settings = rules.FeeSettings(refund_processing_fee=refund_processing)
    assert rules.lost_refund(5600, 500, settings) == expected


@pytest.mark.parametrize(
    ("days", "per_day", "grace", "cap", "expected"),
    [(0, 10, 0, 0, 0), (5, 10, 2, 0, 30), (40, 10, 0, 200, 200), (3, 0, 0, 0, 0)],
)
def test_fine(days, per_day, grace, cap, expected):
    policy = rules.Policy(fine_per_day=per_day, grace_days=grace, fine_cap=cap)
    assert rules.fine(days, policy) == expected


def test_overdue_fine_on_checkin_then_paid(actor, student, make_item):
    services.policies_seed_defaults(library=actor.library)
    LoanPolicy.objects.filter(library=actor.library).update(
        fine_per_day=10, grace_days=1, fine_cap=50
    )
    make_item(barcode="30000001")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="30000001")
    with clock.frozen_at(D("2026-11-20")):  # due 16 Nov; 4 open days late
        result = services.loan_checkin(actor=actor, barcode="30000001")
    assert result.overdue_days == 4 and result.fee == 30
    fee = Fee.objects.get(patron=student)
    assert (fee.kind, fee.status, fee.amount) == ("fine", "open", 30)
    with clock.frozen_at(D("2026-11-20")):
        (payment,) = services.fee_pay(actor=actor, fee_ids=[fee.pk])
        with pytest.raises(Conflict) as exc:
            services.fee_pay(actor=actor, fee_ids=[fee.pk])
    assert exc.value.code == "fee_closed"
    assert payment.receipt_number == "SX20261120-0001"
    fee.refresh_from_db()
    assert fee.status == "paid"
    assert AuditEvent.objects.filter(action="fee.payment", object_id=str(fee.pk)).exists()


def test_no_fine_where_the_library_does_not_fine(actor, student, make_item):
    make_item(barcode="30000002")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="30000002")
    with clock.frozen_at(D("2026-11-20")):
        result = services.loan_checkin(actor=actor, barcode="30000002")
    assert result.fee == 0 and not Fee.objects.exists()


def test_lost_paid_then_found_is_refunded(actor, student, make_item):
    item = make_item(barcode="30000003", price=2550)
    with clock.frozen_at(MONDAY):
        loan = services.loan_checkout(actor=actor, card="R200001", barcode="30000003")
        fee = services.item_mark_lost(actor=actor, barcode="30000003")
    assert (fee.kind, fee.amount, fee.processing_fee) == ("lost", 3050, 500)
    loan.refresh_from_db()
    item.refresh_from_db()
    assert loan.status == Loan.Status.LOST and item.status == Item.Status.LOST
    with clock.frozen_at(D("2026-11-03")):
        services.fee_pay(actor=actor, fee_ids=[fee.pk])
    with clock.frozen_at(D("2026-11-10")):
        result = services.loan_checkin(actor=actor, barcode="30000003")
    assert result.found
    assert any("25.50" in m for m in result.messages)
    fee.refresh_from_db()
    loan.refresh_from_db()
    item.refresh_from_db()
    assert fee.status == "refunded"
    refund = Payment.objects.get(fee=fee, kind="refund")
    assert refund.amount == 2550 and refund.receipt_number == "SX20261110-0001"
    assert loan.status == Loan.Status.RETURNED and item.status == Item.Status.AVAILABLE


def test_lost_unpaid_then_found_is_cancelled(actor, student, make_item):
    make_item(barcode="30000004", price=2000)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="30000004")
        fee = services.item_mark_lost(actor=actor, barcode="30000004")
        services.loan_checkin(actor=actor, barcode="30000004")
    fee.refresh_from_db()
    assert fee.status == "waived"


def test_lost_with_replacement_copy_pays_processing_only(actor, student, make_item):
    make_item(barcode="30000005", price=2000)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="30000005")
        fee = services.item_mark_lost(actor=actor, barcode="30000005", replacement=True)
    assert fee.amount == 500 and "以书赔书" in fee.note


def test_damaged_goes_to_repair_and_waiver_needs_reason(actor, student, make_item):
    item = make_item(barcode="30000006", price=2000)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="30000006")
        services.loan_checkin(actor=actor, barcode="30000006")
        fee = services.item_mark_damaged(actor=actor, barcode="30000006", severity="major")
        with pytest.raises(Invalid):
            services.fee_waive(actor=actor, fee_id=fee.pk, reason=" ")
        waiver = services.fee_waive(actor=actor, fee_id=fee.pk, reason="家庭困难")
    assert fee.patron_id == student.pk and fee.amount == 1000
    item.refresh_from_db()
    assert item.status == Item.Status.IN_REPAIR
    fee.refresh_from_db()
    assert fee.status == "waived" and waiver.reason == "家庭困难"


def test_fee_api_and_history_page(api, client, librarian, actor, student, make_item):
    make_item(barcode="30000007", price=1500)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="30000007")
        fee = services.item_mark_lost(actor=actor, barcode="30000007")
    r = api(librarian).get("/api/v1/patrons/R200001/fees")
    assert r.status_code == 200 and r.json()[0]["amount"] == 2000
    with clock.frozen_at(MONDAY):
        r = api(librarian).post("/api/v1/fees/pay", {"fees": [fee.pk]})
    assert r.status_code == 200 and r.json()[0]["receipt_number"].startswith("SX20261102")
    client.force_login(librarian)
    r = client.get("/staff/circulation/reader/R200001/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "遗失赔偿" in html and "20.00" in html and "SX20261102-0001" in html


def test_reader_page_takes_payment_and_prints_receipt(client, librarian, actor, student):
    with clock.frozen_at(MONDAY):
        fee = Fee.objects.create(
            library=actor.library, patron=student, kind="fine", amount=120, created_at=clock.now()
        )
        client.force_login(librarian)
        r = client.post(
            "/staff/circulation/reader/R200001/", {"action": "pay", "fee": [fee.pk]}, follow=True
        )
    assert "SX20261102-0001" in r.content.decode()
    r = client.get("/staff/circulation/fee-receipt/SX20261102-0001/")
    html = r.content.decode()
    assert "李小华" in html and "1.20" in html and "逾期罚款" in html


def test_settings_page_changes_lost_factor(client, librarian, actor, student, make_item):
    client.force_login(librarian)
    r = client.post(
        "/staff/circulation/settings/",
        {
            "hold_pickup_days": 3,
            "max_holds": 3,
            "lost_factor_percent": 300,
            "lost_processing_fee": 0,
            "lost_default_price": "30.00",
            "damage_minor_percent": 10,
            "damage_major_percent": 50,
        },
        follow=True,
    )
    assert "设置已保存" in r.content.decode()
    make_item(barcode="30000099", price=1000)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="30000099")
        fee = services.item_mark_lost(actor=actor, barcode="30000099")
    assert fee.amount == 3000
    assert AuditEvent.objects.filter(action="circulation_settings.update").exists()


def test_an_assistant_opens_only_their_own_classs_receipts(
    client, librarian, actor, student, make_patron, make_user, library
):
    """A receipt names a reader and what they owed: an assistant (班级图书管理员) sees
    those of their own class only."""
    from shuxiang.patrons.models import Patron, SchoolClass

    other_class = SchoolClass.objects.create(
        library=library,
        school_year=library.current_school_year,
        grade=8,
        number=2,
        name="八年级2班",
    )
    outsider = make_patron(card="R200777", name="外班同学", class_name=other_class.name)
    with clock.frozen_at(MONDAY):
        for patron in (student, outsider):
            fee = Fee.objects.create(
                library=library, patron=patron, kind="fine", amount=100, created_at=clock.now()
            )
            services.fee_pay(actor=actor, fee_ids=[fee.pk])
    own, other = (
        Payment.objects.get(fee__patron=student).receipt_number,
        Payment.objects.get(fee__patron=outsider).receipt_number,
    )
    user = make_user("assistant", username="helper")
    helper = Patron.objects.create(
        library=library,
        card_number="R200099",
        name="管理员",
        user=user,
        school_class_id=student.school_class_id,
    )
    SchoolClass.objects.get(pk=student.school_class_id).assistants.add(helper)
    client.force_login(user)
    assert client.get(f"/staff/circulation/fee-receipt/{own}/").status_code == 200
    response = client.get(f"/staff/circulation/fee-receipt/{other}/")
    assert response.status_code == 404 and "外班同学" not in response.content.decode()


def test_amounts_are_typed_and_shown_in_yuan(client, librarian, actor):
    from shuxiang.circulation.models import CirculationSettings

    client.force_login(librarian)
    page = client.get("/staff/circulation/settings/").content.decode()
    assert "遗失加工费（元）" in page and 'value="5.00"' in page  # 500 fen by default
    r = client.post(
        "/staff/circulation/settings/",
        {
            "hold_pickup_days": 3,
            "max_holds": 3,
            "lost_factor_percent": 200,
            "lost_processing_fee": "12.50",
            "lost_default_price": "35",
            "damage_minor_percent": 10,
            "damage_major_percent": 50,
        },
        follow=True,
    )
    assert "设置已保存" in r.content.decode()
    row = CirculationSettings.objects.get(library=actor.library)
    assert (row.lost_processing_fee, row.lost_default_price) == (1250, 3500)
    bad = client.post(
        "/staff/circulation/settings/",
        {
            "hold_pickup_days": 3,
            "max_holds": 3,
            "lost_factor_percent": 200,
            "lost_processing_fee": "12.505",
            "lost_default_price": "abc",
            "damage_minor_percent": 10,
            "damage_major_percent": 50,
        },
    )
    assert bad.status_code == 200 and "请输入以元为单位的金额" in bad.content.decode()
    assert CirculationSettings.objects.get(library=actor.library).lost_processing_fee == 1250
    policies = client.get("/staff/circulation/policies/").content.decode()
    assert "每日罚款（元）" in policies and "（分）" not in policies
