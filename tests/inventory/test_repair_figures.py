"""Repair figures (修补): copies repaired and their cost this term and in a chosen
period, on the repairs page and in the stocktake report; `repairs_summary` is the read
reports can use."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shuxiang.core import clock
from shuxiang.core.models import Term
from shuxiang.inventory import selectors, services

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


@pytest.fixture
def terms(library):
    Term.objects.create(
        library=library, name="2026秋季学期", start=D("2026-09-01"), end=D("2027-01-15")
    )
    Term.objects.create(
        library=library, name="2026春季学期", start=D("2026-02-20"), end=D("2026-07-05")
    )


def _repair(actor, barcode, sent, done=None, cost=0):
    with clock.frozen_at(dt.datetime.combine(D(sent), dt.time(10))):
        services.repair_send(actor=actor, barcode=barcode, note="书脊开裂")
    if done:
        with clock.frozen_at(dt.datetime.combine(D(done), dt.time(10))):
            services.repair_done(actor=actor, barcode=barcode, cost=cost)


@pytest.fixture
def repairs(actor, shelf, terms):
    _repair(actor, "30000", "2026-05-10", "2026-05-20", 200)  # spring term
    _repair(actor, "30001", "2026-09-10", "2026-09-12", 350)
    _repair(actor, "30002", "2026-10-01", "2026-10-08", 150)
    _repair(actor, "30001", "2026-11-01", "2026-11-03", 100)  # the same copy again
    _repair(actor, "30003", "2026-11-20")  # still out


def test_repairs_summary(actor, repairs):
    autumn = selectors.repairs_summary(actor.library, D("2026-09-01"), D("2027-01-15"))
    assert (autumn.copies, autumn.repairs, autumn.cost, autumn.sent) == (2, 3, 600, 4)
    assert autumn.cost_yuan == "6.00"
    assert [r.item.barcode for r in autumn.done] == ["30001", "30002", "30001"]
    october = selectors.repairs_summary(actor.library, D("2026-10-01"), D("2026-10-31"))
    assert (october.copies, october.cost, october.sent) == (1, 150, 1)
    assert selectors.repairs_summary(actor.library, D("2025-01-01"), D("2025-12-31")).copies == 0


def test_term_period(library, terms):
    assert selectors.term_period(library, D("2026-10-01")).name == "2026秋季学期"
    summer = selectors.term_period(library, D("2026-08-01"))  # between terms: the last one
    assert (summer.name, summer.start, summer.end) == (
        "2026春季学期",
        D("2026-02-20"),
        D("2026-07-05"),
    )


def test_term_period_without_terms(library):
    year = selectors.term_period(library, D("2026-10-01"))
    assert (year.start, year.end) == (D("2026-01-01"), D("2026-12-31"))


def test_repairs_page_shows_the_term_and_a_chosen_period(staff_client, repairs):
    with clock.frozen_at(dt.datetime(2026, 12, 1, 10)):
        html = staff_client.get("/staff/inventory/repairs/").content.decode()
        assert "本学期（2026秋季学期，2026-09-01 至 2027-01-15）已修复 2 册" in html
        assert "¥6.00" in html
        chosen = staff_client.get(
            "/staff/inventory/repairs/", {"start": "2026-05-01", "end": "2026-10-31"}
        ).content.decode()
        assert "2026-05-01 至 2026-10-31：送修 3 册，已修复 3 册" in chosen and "¥7.00" in chosen
        bad = staff_client.get(
            "/staff/inventory/repairs/", {"start": "2026-10-31", "end": "2026-05-01"}
        ).content.decode()
    assert "结束日期不能早于开始日期。" in bad and 'data-test="chosen"' not in bad


def test_the_stocktake_report_carries_the_terms_repairs(staff_client, actor, repairs):
    with clock.frozen_at(dt.datetime(2026, 12, 20, 10)):
        st = services.stocktake_create(actor=actor, name="秋季期末清点", location_codes=["stacks"])
        services.stocktake_close(actor=actor, stocktake_id=st.pk)
    xlsx = staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/report.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    first = [row[0].value for row in book.worksheets[0].iter_rows()]
    assert any(
        text
        and text.startswith("本学期（2026秋季学期 2026-09-01—2027-01-15）修补：已修复 2 册")
        and text.endswith("修补费用 6.00 元")
        for text in first
    )
    rows = [[c.value for c in row] for row in book["本学期修补图书"].iter_rows()]
    assert rows[0][0] == "条码号" and [r[0] for r in rows[1:4]] == ["30001", "30002", "30001"]
    assert rows[-1][0] == "合计" and rows[-1][1] == "2 册" and rows[-1][-1] == "6.00"
