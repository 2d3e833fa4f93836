"""Class collective loans (班级集体借阅): lent to a class, partly returned, exchanged."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation import services
from shuxiang.circulation.models import ClassLoanTransfer, Loan
from shuxiang.core import clock
from shuxiang.core.errors import Conflict
from shuxiang.patrons.models import SchoolClass

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


@pytest.fixture
def classes(school_class, calendar_setup, make_patron, library):
    assistant = make_patron(card="R200010", name="周助理", class_name=school_class.name)
    school_class.assistants.add(assistant)
    other = SchoolClass.objects.create(
        library=library,
        school_year=library.current_school_year,
        grade=7,
        number=4,
        name="七年级4班",
    )
    helper = make_patron(card="R200020", name="吴助理", class_name=other.name)
    other.assistants.add(helper)
    return school_class, other


def test_lend_return_part_and_exchange(actor, classes, make_item, client, librarian):
    class3, class4 = classes
    for n in range(4):
        make_item(barcode=f"5000000{n}")
    make_item(barcode="50000009").__class__.objects.filter(barcode="50000009").update(
        status="in_repair"
    )
    barcodes = [f"5000000{n}" for n in range(4)]
    with clock.frozen_at(MONDAY):
        with pytest.raises(Conflict) as exc:
            services.class_loan_checkout(
                actor=actor, class_id=class3.pk, barcodes=[*barcodes, "50000009"]
            )
        assert exc.value.code == "class_loan_refused" and "50000009" in exc.value.message
        assert not Loan.objects.exists()  # all or nothing
        loans = services.class_loan_checkout(actor=actor, class_id=class3.pk, barcodes=barcodes)
    assert len(loans) == 4
    assert {loan.due_date for loan in loans} == {D("2027-01-15")}  # the end of term
    assert all(loan.school_class_id == class3.pk and loan.patron_id is None for loan in loans)
    assert loans[0].custodian.name == "周助理"
    assert Item.objects.filter(status="on_loan").count() == 4
    with clock.frozen_at(D("2026-11-20")):
        results = services.class_loan_checkin(actor=actor, barcodes=barcodes[:1])
    assert results[0].loan.school_class_id == class3.pk
    with clock.frozen_at(D("2026-12-01")):
        transfer = services.class_loan_transfer(
            actor=actor, from_class_id=class3.pk, to_class_id=class4.pk
        )
    assert sorted(transfer.barcodes) == barcodes[1:]
    open_loans = Loan.objects.filter(status="on_loan")
    assert {loan.school_class_id for loan in open_loans} == {class4.pk}
    assert open_loans.first().custodian.name == "吴助理"
    # The giving class keeps its loans in its history, returned on the day of exchange.
    assert Loan.objects.filter(school_class=class3, status="returned").count() == 4
    assert ClassLoanTransfer.objects.count() == 1
    client.force_login(librarian)
    html = client.get(f"/staff/circulation/class/{class4.pk}/").content.decode()
    assert "吴助理" in html and "七年级3班" in html and "50000003" in html
    with clock.frozen_at(D("2026-12-01")):
        with pytest.raises(Conflict) as exc:
            services.class_loan_transfer(
                actor=actor, from_class_id=class3.pk, to_class_id=class4.pk
            )
    assert exc.value.code == "nothing_to_transfer"


def test_class_page_lends_by_form(actor, classes, make_item, client, librarian):
    class3, _class4 = classes
    make_item(barcode="50000100")
    make_item(barcode="50000101")
    client.force_login(librarian)
    with clock.frozen_at(MONDAY):
        r = client.post(
            f"/staff/circulation/class/{class3.pk}/",
            {"action": "lend", "barcodes": "50000100\n50000101", "due": "2026-12-18"},
            follow=True,
        )
    html = r.content.decode()
    assert "已借给本班 2 册" in html
    assert Loan.objects.filter(school_class=class3, due_date=D("2026-12-18")).count() == 2
