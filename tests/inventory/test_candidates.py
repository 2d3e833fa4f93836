"""Weeding candidates: missing in two stocktakes, not lent in N years, outdated by CLC
class and age, excess copies; the page hands the barcodes to a withdrawal batch."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.core import clock
from shuxiang.inventory import candidates, services

pytestmark = pytest.mark.django_db


def close(actor, scanned):
    st = services.stocktake_create(actor=actor, name="清点", location_codes=["stacks"])
    services.stocktake_scan(actor=actor, stocktake_id=st.pk, barcodes=scanned)
    services.stocktake_close(actor=actor, stocktake_id=st.pk)


def test_missing_in_two_stocktakes(actor, shelf):
    with clock.frozen_at(dt.datetime(2025, 7, 1, 9, 0)):
        close(actor, ["30000", "30001", "30002"])  # 30003, 30004, 30005 missing
    assert candidates.missing_twice(actor.library) == []
    with clock.frozen_at(dt.datetime(2026, 1, 10, 9, 0)):
        close(actor, ["30000", "30001", "30002", "30003"])  # 30003 found again
    assert [i.barcode for i in candidates.missing_twice(actor.library)] == ["30004", "30005"]


def test_outdated_and_excess_and_not_lent(actor, make_bib, make_item):
    old = make_bib("Visual Basic 6.0 入门", clc="TP312", year=1999)
    new = make_bib("Python 编程", clc="TP312", year=2024)
    make_item(barcode="40001", bib=old)
    make_item(barcode="40002", bib=new)
    assert [i.barcode for i in candidates.outdated(actor.library, "tp", 10)] == ["40001"]
    story = make_bib("西游记", clc="I242.4")
    for n in range(5):
        make_item(barcode=f"4100{n}", bib=story)
    assert [i.barcode for i in candidates.excess(actor.library, 3)] == ["41003", "41004"]
    Item.objects.filter(barcode="40002").update(acquired_on=dt.date(2015, 1, 1))
    assert "40002" in [i.barcode for i in candidates.not_lent(actor.library, 5)]
    assert "40001" not in [i.barcode for i in candidates.not_lent(actor.library, 5)]


def test_the_candidates_page(staff_client, actor, make_bib, make_item):
    make_item(barcode="40001", bib=make_bib("DOS 手册", clc="TP316", year=1995))
    page = staff_client.get(
        "/staff/inventory/withdrawals/candidates/?kind=outdated&clc=TP&years=10"
    )
    html = page.content.decode()
    assert "DOS 手册" in html and "共 1 册" in html
    assert "/staff/inventory/withdrawals/?barcodes=40001" in html
    form = staff_client.get("/staff/inventory/withdrawals/?barcodes=40001").content.decode()
    assert ">40001</textarea>" in form
    odd = staff_client.get("/staff/inventory/withdrawals/candidates/?kind=zzz&years=abc")
    assert odd.status_code in (200, 404)
