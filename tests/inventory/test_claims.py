"""A claimed-returned copy (声称已还) in a stocktake: found on the shelf, the claim ends
at the close through circulation's check-in; not found, it is listed in the report and
becomes a weeding candidate, written off through a withdrawal batch with the reader
owing nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shuxiang.catalog.models import Item
from shuxiang.circulation import services as circulation
from shuxiang.circulation.models import Fee, Loan
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from shuxiang.inventory import candidates, documents, services
from shuxiang.inventory.models import StocktakeFinding

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)
LATER = dt.date(2026, 11, 20)
TERM_END = dt.date(2026, 12, 10)


@pytest.fixture
def claimed(actor, shelf, make_patron):
    """30001 lent to 李小华 and claimed returned; 30002 lent and still out."""
    make_patron(card="R500001", name="李小华")
    with clock.frozen_at(MONDAY):
        circulation.loan_checkout(actor=actor, card="R500001", barcode="30001")
        circulation.loan_checkout(actor=actor, card="R500001", barcode="30002")
    with clock.frozen_at(LATER):
        circulation.loan_claim_returned(actor=actor, barcode="30001", note="还书箱")
    return Loan.objects.get(item__barcode="30001")


def _stocktake(actor, barcodes):
    st = services.stocktake_create(actor=actor, name="期末清点", location_codes=["stacks"])
    services.stocktake_scan(
        actor=actor, stocktake_id=st.pk, barcodes=barcodes, location_code="stacks"
    )
    return st


def test_claimed_copy_on_the_shelf_ends_the_claim_at_the_close(actor, claimed):
    with clock.frozen_at(TERM_END):
        st = _stocktake(actor, ["30000", "30001", "30003", "30004", "30005"])
        claimed.refresh_from_db()
        # Scanning records a barcode; the claim is settled when the stocktake closes.
        assert claimed.status == "claimed_returned"
        counts = services.stocktake_close(actor=actor, stocktake_id=st.pk)
    claimed.refresh_from_db()
    assert claimed.status == "returned" and claimed.returned_at is not None
    assert Item.objects.get(barcode="30001").status == "available"
    assert counts["recovered"] == 1 and counts["claimed_missing"] == 0
    assert counts["on_loan"] == 1  # 30002, still out
    assert not Fee.objects.filter(loan=claimed).exists()
    assert AuditEvent.objects.filter(action="loan.claim_found", object_id=str(claimed.pk)).exists()
    assert StocktakeFinding.objects.get(stocktake=st, barcode="30001").outcome == "recovered"


def test_claimed_copy_not_found_is_listed_and_written_off(actor, claimed, staff_client, make_user):
    with clock.frozen_at(TERM_END):
        st = _stocktake(actor, ["30000", "30003", "30004", "30005"])
        counts = services.stocktake_close(actor=actor, stocktake_id=st.pk)
    assert counts["claimed_missing"] == 1 and counts["missing"] == 1  # 30001
    claimed.refresh_from_db()
    assert claimed.status == "claimed_returned"
    assert Item.objects.get(barcode="30001").status == "missing"
    outcomes = set(
        StocktakeFinding.objects.filter(stocktake=st, barcode="30001").values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == {"missing", "claimed_missing"}
    # The report lists it apart, with its price.
    report = documents.stocktake_report(st)
    claimed_table = report.tables[-1]
    assert claimed_table.heading == "读者声称已还、清点未找到的图书"
    assert claimed_table.rows[0][0] == "30001" and claimed_table.total[-1] == "21.00"
    xlsx = staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/report.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "读者声称已还、清点未找到的图书" in book.sheetnames
    # A weeding candidate (声称已还未找到), proposed and approved as any other.
    assert [i.barcode for i in candidates.claimed_missing(actor.library)] == ["30001"]
    page = staff_client.get("/staff/inventory/withdrawals/candidates/?kind=claimed_missing")
    html = page.content.decode()
    assert "声称已还未找到" in html and "30001" in html and "30002" not in html
    batch = services.withdrawal_propose(actor=actor, barcodes=["30001"], reason="lost")
    leader = make_user("leader", username="xiaozhang")
    from shuxiang.core.audit import Actor

    services.withdrawal_approve(
        actor=Actor(library=actor.library, user=leader), withdrawal_id=batch.pk
    )
    assert Item.objects.get(barcode="30001").status == "withdrawn"
    assert not Fee.objects.filter(loan=claimed).exists()  # the reader owes nothing
    assert candidates.claimed_missing(actor.library) == []


def test_a_claim_made_after_the_stocktake_is_not_a_candidate(actor, shelf, make_patron):
    make_patron(card="R500002", name="王小红")
    with clock.frozen_at(MONDAY):
        circulation.loan_checkout(actor=actor, card="R500002", barcode="30003")
        st = _stocktake(actor, ["30000"])
        services.stocktake_close(actor=actor, stocktake_id=st.pk)
    with clock.frozen_at(LATER):
        circulation.loan_claim_returned(actor=actor, barcode="30003")
    assert candidates.claimed_missing(actor.library) == []


def test_close_marks_missing_in_bulk_each_audited(actor, shelf):
    Item.objects.filter(barcode="30005").update(status="missing")
    with clock.frozen_at(TERM_END):
        st = _stocktake(actor, ["30000", "30001"])
        counts = services.stocktake_close(actor=actor, stocktake_id=st.pk)
    assert counts["missing"] == 4  # 30002–30005
    assert set(Item.objects.filter(status="missing").values_list("barcode", flat=True)) == {
        "30002",
        "30003",
        "30004",
        "30005",
    }
    events = AuditEvent.objects.filter(action="item.missing")
    assert events.count() == 3  # 30005 was missing already
    assert {e.object_repr for e in events} == {"30002", "30003", "30004"}
    event = events.get(object_repr="30002")
    assert event.before == {"item_status": "available"}
    assert event.after == {"item_status": "missing", "stocktake": st.pk}
    assert event.actor_id == actor.user.pk and event.channel == "web"
    close = AuditEvent.objects.get(action="stocktake.close")
    assert close.after["marked_missing"] == 3


def test_api_close_counts_the_claimed_copies_not_found(api, librarian, claimed):
    client = api(librarian)
    with clock.frozen_at(TERM_END):
        created = client.post("/api/v1/stocktakes", {"name": "期末清点", "locations": ["stacks"]})
        sid = created.json()["id"]
        client.post(
            f"/api/v1/stocktakes/{sid}/scans", {"barcodes": ["30000"], "location": "stacks"}
        )
        closed = client.post(f"/api/v1/stocktakes/{sid}/close").json()
        again = client.get(f"/api/v1/stocktakes/{sid}").json()
    assert closed["claimed_missing"] == 1 and again["claimed_missing"] == 1
