"""A reader who leaves owing a fee waits on the clearance list until it is paid."""

from shuxiang.circulation import services as circulation
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

    assert services.graduation_clearance(actor=actor) == 0
    circulation.fee_pay(actor=actor, fee_ids=[fee.pk])
    assert services.graduation_clearance(actor=actor) == 1
    patron.refresh_from_db()
    assert patron.status == Patron.Status.LEFT
    assert clearance_list(actor.library) == []
