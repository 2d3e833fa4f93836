"""Merging duplicate titles: the copies (with their loans), the holds and the order
lines move to the kept title, the copies take its call number, the merged-away title
leaves its values and MARC record in the audit log; a dry run shows all of it and
changes nothing."""

from __future__ import annotations

import pytest

from shuxiang.acquisitions.models import OrderLine, PurchaseBatch
from shuxiang.catalog.maintenance import services
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.circulation import services as circulation
from shuxiang.circulation.models import Hold, Loan
from shuxiang.core import clock
from shuxiang.core.errors import Invalid, NotFound
from shuxiang.core.models import AuditEvent
from tests.circulation.conftest import MONDAY, calendar_setup  # noqa: F401

MARC = "00100nam  2200037   45000010005000002000120000500\x1e3821\x1e  \x1faTEST\x1e\x1d"


@pytest.fixture
def duplicates(actor, library, make_bib, make_item, make_patron, school_class, calendar_setup):  # noqa: F811
    keep = make_bib("草房子", authors=["曹文轩"], isbn="9787530211809", clc="I287.45")
    dup = make_bib("《草房子》", authors=["曹文轩 著"], clc="I287.45")
    Bib.objects.filter(pk=dup.pk).update(marc_format="cnmarc", marc_record=MARC.encode())
    make_item(barcode="20000001", bib=keep, call_number="I287.45/1")
    make_item(barcode="20000002", bib=dup, call_number="I287.45/2")
    make_item(barcode="20000003", bib=dup)
    readers = [
        make_patron(card=f"R20000{n}", name=name, class_name=school_class.name)
        for n, name in ((1, "李小华"), (2, "王小红"), (3, "赵小刚"))
    ]
    with clock.frozen_at(MONDAY):
        loan = circulation.loan_checkout(actor=actor, card="R200001", barcode="20000002")
        circulation.loan_checkout(actor=actor, card="R200002", barcode="20000001")
        circulation.loan_checkout(actor=actor, card="R200003", barcode="20000003")
    # The queues: 王小红 waits for the duplicate; 李小华 waits for both (placed first
    # for the kept title); a fourth reader waits for the kept title.
    fourth = make_patron(card="R200004", name="孙小明", class_name=school_class.name)
    with clock.frozen_at(MONDAY.replace(day=3)):
        circulation.hold_place(actor=actor, card="R200004", bib_id=keep.pk)
    with clock.frozen_at(MONDAY.replace(day=4)):
        circulation.hold_place(actor=actor, card="R200002", bib_id=dup.pk)
    batch = PurchaseBatch.objects.create(library=library, name="2026 秋季", year=2026)
    line = OrderLine.objects.create(batch=batch, title="草房子", bib=dup)
    return keep, dup, loan, readers + [fourth], line


def _state():
    return (
        list(Bib.objects.order_by("pk").values_list("pk", "title")),
        list(Item.objects.order_by("pk").values_list("barcode", "bib_id", "call_number__value")),
        list(Hold.objects.order_by("pk").values_list("bib_id", "status")),
        list(CallNumber.objects.order_by("pk").values_list("value", "bib_id")),
        list(OrderLine.objects.values_list("bib_id", flat=True)),
        AuditEvent.objects.count(),
    )


def test_dry_run_shows_the_merge_and_changes_nothing(actor, duplicates):
    keep, dup, _loan, _readers, _line = duplicates
    before = _state()
    result = services.bibs_merge(actor=actor, keep_id=keep.pk, merge_ids=[dup.pk], dry_run=True)
    assert result.dry_run and result.keep_title == "草房子"
    assert result.merged == [(dup.pk, "《草房子》")]
    assert [(c.barcode, c.old_call_number, c.new_call_number) for c in result.copies] == [
        ("20000002", "I287.45/2", "I287.45/1"),
        ("20000003", "I287.45/2", "I287.45/1"),
    ]
    assert result.relabel_barcodes == ["20000002", "20000003"]
    assert result.moved == {"holds": 1, "holds_cancelled": 0, "order_lines": 1}
    assert result.call_numbers_deleted == ["I287.45/2"]
    assert _state() == before


def test_merge_moves_copies_loans_holds_and_order_lines(actor, duplicates):
    keep, dup, loan, readers, line = duplicates
    # 李小华 holds both titles; after the merge she holds the kept one once.
    with clock.frozen_at(MONDAY.replace(day=5)):
        first = circulation.hold_place(actor=actor, card="R200001", bib_id=keep.pk)
    circulation.loan_checkin(actor=actor, barcode="20000002")
    with clock.frozen_at(MONDAY.replace(day=6)):
        second = circulation.hold_place(actor=actor, card="R200001", bib_id=dup.pk)

    result = services.bibs_merge(actor=actor, keep_id=keep.pk, merge_ids=[dup.pk])

    assert not Bib.objects.filter(pk=dup.pk).exists()
    assert set(Item.objects.filter(bib=keep).values_list("barcode", "call_number__value")) == {
        ("20000001", "I287.45/1"),
        ("20000002", "I287.45/1"),
        ("20000003", "I287.45/1"),
    }
    assert not CallNumber.objects.filter(value="I287.45/2").exists()
    # Loans follow their copies: the history and the open loan are the kept title's.
    loan.refresh_from_db()
    assert loan.item.bib_id == keep.pk
    assert Loan.objects.filter(item__bib=keep, status=Loan.Status.ON_LOAN).count() == 2
    # The queue is one queue, first placed first; the reader's second hold is cancelled.
    queue = Hold.objects.filter(bib=keep, status__in=["waiting", "ready"]).order_by("placed_at")
    assert [h.patron.card_number for h in queue] == ["R200004", "R200002", "R200001"]
    assert Hold.objects.get(pk=first.pk).status == Hold.Status.WAITING
    assert Hold.objects.get(pk=second.pk).status == Hold.Status.CANCELLED
    assert result.moved == {"holds": 2, "holds_cancelled": 1, "order_lines": 1}
    line.refresh_from_db()
    assert line.bib_id == keep.pk
    # A copy coming back goes to the first reader of the merged queue.
    circulation.loan_checkin(actor=actor, barcode="20000003")
    assert Hold.objects.get(patron__card_number="R200004", bib=keep).status == "ready"

    (event,) = AuditEvent.objects.filter(action="bib.merge")
    assert event.object_id == str(dup.pk) and event.object_repr == "《草房子》"
    assert event.before["title"] == "《草房子》" and event.before["marc"] == MARC
    assert event.before["call_numbers"] == ["I287.45/2"]
    assert event.after["merged_into"] == keep.pk
    assert event.after["call_numbers_deleted"] == ["I287.45/2"]
    assert event.after["items"] == ["20000002", "20000003"]
    assert AuditEvent.objects.filter(action="hold.cancel", object_id=str(second.pk)).exists()


def test_kept_title_without_call_number_takes_the_duplicates(actor, make_bib, make_item):
    keep = make_bib("城南旧事", clc="I246.5")
    dup = make_bib("城南旧事", clc="I246.5")
    make_item(barcode="30000001", bib=keep)
    make_item(barcode="30000002", bib=dup, call_number="I246.5/3")
    result = services.bibs_merge(actor=actor, keep_id=keep.pk, merge_ids=[dup.pk])
    assert CallNumber.objects.get(value="I246.5/3").bib_id == keep.pk
    assert result.call_numbers_deleted == []
    assert result.relabel_barcodes == []


def test_a_volume_keeps_its_suffix(actor, make_bib, make_item):
    keep = make_bib("西游记", clc="I242.4")
    dup = make_bib("西游记", clc="I242.4")
    make_item(barcode="40000001", bib=keep, call_number="I242.4/1")
    make_item(barcode="40000002", bib=dup, call_number="I242.4/7")
    CallNumber.objects.create(library=keep.library, bib=dup, volume="2", value="I242.4/7:2")
    Item.objects.filter(barcode="40000002").update(
        call_number=CallNumber.objects.get(value="I242.4/7:2")
    )
    result = services.bibs_merge(actor=actor, keep_id=keep.pk, merge_ids=[dup.pk])
    assert [(c.old_call_number, c.new_call_number) for c in result.copies] == [
        ("I242.4/7:2", "I242.4/1:2")
    ]
    assert Item.objects.get(barcode="40000002").call_number.value == "I242.4/1:2"


def test_refusals(actor, make_bib):
    from shuxiang.catalog.services import bib_create
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup

    keep = make_bib("骆驼祥子")
    other_library = library_setup(code="other", name="二中图书馆")
    theirs = bib_create(actor=Actor.system(other_library), title="骆驼祥子")
    with pytest.raises(NotFound):
        services.bibs_merge(actor=actor, keep_id=keep.pk, merge_ids=[theirs.pk])
    with pytest.raises(Invalid) as exc:
        services.bibs_merge(actor=actor, keep_id=keep.pk, merge_ids=[keep.pk])
    assert exc.value.code == "keep_in_merge"
    with pytest.raises(Invalid) as exc:
        services.bibs_merge(actor=actor, keep_id=keep.pk, merge_ids=[])
    assert exc.value.code == "nothing_to_merge"
    assert Bib.objects.filter(pk=theirs.pk).exists()
