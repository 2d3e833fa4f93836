"""The desk stays fast: scanning a card with loans, holds and fees costs a fixed, small
number of queries, however many holds and fees the reader has."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuxiang.circulation import services
from shuxiang.circulation.models import Fee
from shuxiang.core import clock

MONDAY = dt.date.fromisoformat("2026-11-02")


def test_card_scan_query_count(client, librarian, actor, student, make_item, make_bib):
    make_item(barcode="80000001")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="80000001")
        for n in range(3):
            bib = make_bib(f"预约书{n}")
            make_item(barcode=f"8000010{n}", bib=bib)
            services.hold_place(actor=actor, card="R200001", bib_id=bib.pk)
            Fee.objects.create(
                library=actor.library,
                patron=student,
                kind="fine",
                amount=100,
                created_at=clock.now(),
            )
    client.force_login(librarian)
    with clock.frozen_at(MONDAY):
        client.post("/staff/circulation/scan", {"code": "R200001"})  # warm the rules cache
        with CaptureQueriesContext(connection) as queries:
            r = client.post("/staff/circulation/scan", {"code": "R200001"})
    html = r.content.decode()
    assert "3.00" in html
    sql = [q["sql"] for q in queries.captured_queries]
    hold_queries = [s for s in sql if "circulation_hold" in s]
    fee_queries = [s for s in sql if "circulation_fee" in s]
    # One query for the holds, one for fees and a manual block together.
    assert len(hold_queries) == 1 and len(fee_queries) == 1, sql
