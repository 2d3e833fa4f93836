"""A reader who leaves owing a fee waits on the clearance list until it is paid; what a
reader owes is circulation's one answer (circulation.obligations)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuxiang.circulation import services as circulation
from shuxiang.circulation.obligations import Obligations, reader_obligations
from shuxiang.core.money import yuan_text
from shuxiang.patrons import services
from shuxiang.patrons.models import Patron
from shuxiang.patrons.selectors import clearance_list


def test_unpaid_compensation_holds_a_leaver_until_paid(actor, make_patron, make_item, school_class):
    patron = make_patron(class_name=school_class.name)
    item = make_item(price=3000)
    circulation.loan_checkout(actor=actor, card=patron.card_number, barcode=item.barcode)
    fee = circulation.item_mark_lost(actor=actor, barcode=item.barcode)
    assert fee.amount > 0

    services.patron_depart(actor=actor, patron_id=patron.pk)
    patron.refresh_from_db()
    assert patron.status == Patron.Status.BLOCKED and patron.departure == "left"
    [group] = clearance_list(actor.library)
    [line] = group["patrons"]
    assert line["patron"] == patron and line["loans"] == [] and line["fees"] == fee.amount
    assert line["fees_yuan"] == yuan_text(fee.amount)

    assert services.graduation_clearance(actor=actor) == 0
    circulation.fee_pay(actor=actor, fee_ids=[fee.pk])
    assert services.graduation_clearance(actor=actor) == 1
    patron.refresh_from_db()
    assert patron.status == Patron.Status.LEFT
    assert clearance_list(actor.library) == []


def test_reader_obligations_counts_open_loans_and_unpaid_fees_per_reader(
    actor, make_patron, make_item
):
    owing, borrowing, clear = (make_patron(name=n) for n in ("甲", "乙", "丙"))
    for _ in range(2):
        item = make_item()
        circulation.loan_checkout(actor=actor, card=borrowing.card_number, barcode=item.barcode)
    lost = make_item(price=2550)
    circulation.loan_checkout(actor=actor, card=owing.card_number, barcode=lost.barcode)
    fee = circulation.item_mark_lost(actor=actor, barcode=lost.barcode)

    ids = [owing.pk, borrowing.pk, clear.pk]
    with CaptureQueriesContext(connection) as queries:
        owed = reader_obligations(actor.library, ids)
    assert len(queries) == 2  # one grouped query for loans, one for fees
    assert owed == {
        owing.pk: Obligations(open_loans=0, unpaid_fen=fee.amount),
        borrowing.pk: Obligations(open_loans=2, unpaid_fen=0),
        clear.pk: Obligations(),
    }
    assert owed[clear.pk].settled and not owed[owing.pk].settled
    assert reader_obligations(actor.library, []) == {}
