"""Stocktake services on a real database: scope, scans counted once (two people, a
re-sent queue, a re-uploaded file), closing marks the missing copies missing through
catalog and brings found ones back through circulation's check-in."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from shuxiang.catalog.models import Item
from shuxiang.circulation import services as circulation
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent
from shuxiang.inventory import selectors, services
from shuxiang.inventory.models import StocktakeFinding, StocktakeScan

pytestmark = pytest.mark.django_db


def scan(actor, st, barcodes, location="stacks", run=""):
    return services.stocktake_scan(
        actor=actor, stocktake_id=st.pk, barcodes=barcodes, location_code=location, run=run
    )


def test_scope_by_location_and_clc(actor, shelf):
    whole = services.stocktake_create(actor=actor, name="2026 春季清点")
    stacks = services.stocktake_create(actor=actor, name="书库", location_codes=["stacks"])
    fiction = services.stocktake_create(actor=actor, name="文学", clc="i2")
    assert selectors.stocktake_counts(whole)["expected"] == 8
    assert selectors.stocktake_counts(stacks)["expected"] == 6
    assert selectors.stocktake_counts(fiction)["expected"] == 4
    assert fiction.clc == "I2"
    assert AuditEvent.objects.filter(action="stocktake.create").count() == 3


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"name": " "}, "name_required"),
        ({"name": "x", "clc": "12"}, "invalid_clc"),
        ({"name": "x", "location_codes": ["attic"]}, "location_not_found"),
    ],
)
def test_bad_sessions_are_refused(actor, kw, code):
    with pytest.raises((Invalid, NotFound)) as exc:
        services.stocktake_create(actor=actor, **kw)
    assert exc.value.code == code
    assert not AuditEvent.objects.filter(action="stocktake.create").exists()


def test_scans_count_each_barcode_once(actor, shelf):
    st = services.stocktake_create(actor=actor, name="清点")
    got = scan(actor, st, ["30000", "30001", "30001", "NOPE-1"])
    assert (got.accepted, got.unknown, got.duplicates) == (2, ["NOPE-1"], 1)
    again = scan(actor, st, ["30000", "30002"])  # a re-sent offline queue
    assert (again.accepted, again.unknown, again.duplicates) == (1, [], 1)
    assert StocktakeScan.objects.filter(stocktake=st).count() == 4


def test_a_bad_barcode_refuses_the_batch(actor, shelf):
    st = services.stocktake_create(actor=actor, name="清点")
    with pytest.raises(Invalid) as exc:
        scan(actor, st, ["30000", "条码二"])
    assert exc.value.code == "invalid_barcode"
    assert "条码二" in exc.value.message
    assert not StocktakeScan.objects.exists()


def test_the_database_keeps_one_scan_per_barcode(actor, shelf):
    st = services.stocktake_create(actor=actor, name="清点")
    scan(actor, st, ["30000"])
    with pytest.raises(IntegrityError), transaction.atomic():
        StocktakeScan.objects.create(
            library=actor.library,
            stocktake=st,
            barcode="30000",
            scanned_at=st.started_at,
        )


def test_closing_reconciles_every_outcome(actor, shelf, make_patron, make_item, make_bib):
    patron = make_patron()
    circulation.loan_checkout(actor=actor, card=patron.card_number, barcode="30003")
    withdrawn = make_item(barcode="39999")
    Item.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    Item.objects.filter(barcode="30005").update(status="missing")  # missing since last time
    st = services.stocktake_create(actor=actor, name="清点", location_codes=["stacks"])
    scan(actor, st, ["30000", "30001", "30005", "30006", "39999", "UNK-9"], run="a")
    scan(actor, st, ["30002"], location="reading", run="b")
    counts = services.stocktake_close(actor=actor, stocktake_id=st.pk)
    assert counts["status"] == "closed"
    assert {k: counts[k] for k in ("expected", "found", "misplaced", "on_loan", "missing")} == {
        "expected": 6,
        "found": 3,  # 30000, 30001, 30005 (found again)
        "misplaced": 2,  # 30002 in the reading room, 30006 (a reading-room copy) in the stacks
        "on_loan": 1,
        "missing": 1,  # 30004
    }
    assert counts["unknown"] == 1 and counts["withdrawn"] == 1 and counts["recovered"] == 1
    status = dict(Item.objects.values_list("barcode", "status"))
    assert status["30004"] == "missing"
    assert status["30005"] == "available"  # came back through check-in
    assert status["30003"] == "on_loan"
    assert status["39999"] == "withdrawn"
    missing_event = AuditEvent.objects.get(action="item.missing")
    assert missing_event.before == {"item_status": "available"}
    assert AuditEvent.objects.filter(action="item.found").count() == 1
    outcomes = set(StocktakeFinding.objects.values_list("outcome", "barcode"))
    assert ("missing", "30004") in outcomes and ("unknown", "UNK-9") in outcomes
    assert ("misplaced", "30002") in outcomes and ("withdrawn", "39999") in outcomes
    # closed: no more scans, no second closing
    with pytest.raises(Conflict):
        scan(actor, st, ["30004"])
    with pytest.raises(Conflict):
        services.stocktake_close(actor=actor, stocktake_id=st.pk)
    assert selectors.stocktake_counts(st)["missing"] == 1


def test_a_missing_copy_found_later_returns_to_the_shelf(actor, shelf):
    st = services.stocktake_create(actor=actor, name="清点", location_codes=["reading"])
    services.stocktake_close(actor=actor, stocktake_id=st.pk)
    assert Item.objects.get(barcode="30006").status == "missing"
    result = circulation.loan_checkin(actor=actor, barcode="30006")
    assert result.found
    assert Item.objects.get(barcode="30006").status == "available"


def test_out_of_order_copies_are_listed(actor, shelf):
    st = services.stocktake_create(actor=actor, name="清点", location_codes=["stacks"])
    # I247.5/1, I247.5/3, I247.5/2, I247.5/4: the /3 stands one place too early (or /2
    # one too late); the fewest to move is one book
    scan(actor, st, ["30000", "30002", "30001", "30003"], run="shelf-1")
    result = selectors.stocktake_reconcile(st)
    assert len(result.out_of_order) == 1


def test_progress_per_location(actor, shelf):
    st = services.stocktake_create(actor=actor, name="清点")
    scan(actor, st, ["30000", "30001", "30006"])
    rows = {r.location.code: (r.scanned, r.expected) for r in selectors.stocktake_progress(st)}
    assert rows == {"reading": (1, 2), "stacks": (2, 6)}


def test_another_librarys_stocktake_is_not_found(actor, shelf):
    from shuxiang.core.services import library_setup

    other = library_setup(code="other", name="二中图书馆", school_name="二中")
    st = services.stocktake_create(actor=actor, name="清点")
    with pytest.raises(NotFound):
        services.stocktake_scan(
            actor=Actor(library=other, user=None), stocktake_id=st.pk, barcodes=["30000"]
        )


@pytest.mark.django_db(transaction=True)
def test_two_people_scanning_the_same_book_at_once_count_it_once(actor, shelf, librarian):
    st = services.stocktake_create(actor=actor, name="清点")
    barrier = threading.Barrier(4)
    outcomes = []

    def person(n):
        try:
            barrier.wait()
            got = services.stocktake_scan(
                actor=Actor(library=actor.library, user=librarian),
                stocktake_id=st.pk,
                barcodes=["30000", f"3000{n + 1}"],
                run=f"p{n}",
            )
            outcomes.append(got)
        finally:
            connection.close()

    threads = [threading.Thread(target=person, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == 4
    assert sum(o.accepted for o in outcomes) == 5  # 30000 once, and each one's own
    assert sum(o.duplicates for o in outcomes) == 3
    assert StocktakeScan.objects.filter(stocktake=st, barcode="30000").count() == 1
