"""The stocktake report (藏书清点报告) and the write-off register (注销清单) as real PDF
and xlsx files: the figures, the missing list with prices and total, the comparison
with the last stocktake; the register in two copies. The PDFs are rendered to PNG."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shuxiang.inventory import services
from tests.pdfs import pdf_text, pdf_to_png

pytestmark = [pytest.mark.django_db, pytest.mark.needs_cjk_font]


def closed_stocktake(actor, scanned, name):
    st = services.stocktake_create(actor=actor, name=name, location_codes=["stacks"])
    services.stocktake_scan(
        actor=actor, stocktake_id=st.pk, barcodes=scanned, location_code="stacks"
    )
    services.stocktake_close(actor=actor, stocktake_id=st.pk)
    return st


def test_the_stocktake_report(staff_client, actor, shelf, tmp_path):
    import datetime as dt

    from shuxiang.core import clock

    with clock.frozen_at(dt.datetime(2026, 1, 10, 10, 0)):
        closed_stocktake(
            actor, ["30000", "30001", "30002", "30003", "30004", "30005"], "2025 秋季清点"
        )
    with clock.frozen_at(dt.datetime(2026, 6, 20, 10, 0)):
        st = closed_stocktake(actor, ["30000", "30001", "30002", "30006"], "2026 春季清点")
    got = staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/report.pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    text = pdf_text(got.content, tmp_path, "report")
    assert "藏书清点报告" in text and "2026 春季清点" in text
    assert "缺失图书清单" in text and "错架图书清单" in text
    # 30003, 30004 missing (¥23.00 + ¥24.00); 30005 was already missing: 3 copies
    assert "30003" in text and "30004" in text and "30005" in text
    assert "72.00" in text  # 23.00 + 24.00 + 25.00
    assert "上次清点：2025 秋季清点" in text
    assert "学校领导（签字）" in text
    pngs = pdf_to_png(got.content, tmp_path, "report")
    assert pngs and all(p.stat().st_size > 5000 for p in pngs)
    xlsx = staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/report.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["清点结果", "缺失图书清单", "错架图书清单"]
    missing = [[c.value for c in row] for row in wb["缺失图书清单"].iter_rows()]
    assert missing[0][0] == "条码号"
    assert missing[-1][0] == "合计" and missing[-1][-1] == "72.00"
    misplaced = [[c.value for c in row] for row in wb["错架图书清单"].iter_rows()]
    assert misplaced[1][0] == "30006" and misplaced[1][-2:] == ["阅览室", "书库"]


def test_an_open_stocktake_has_no_report(staff_client, actor, shelf):
    st = services.stocktake_create(actor=actor, name="进行中")
    assert staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/report.pdf").status_code == 404


def test_the_write_off_register_in_two_copies(staff_client, actor, shelf, tmp_path):
    batch = services.withdrawal_propose(
        actor=actor, barcodes=["30000", "30001", "=HYPERLINK(1)"][:2], reason="damaged"
    )
    got = staff_client.get(f"/staff/inventory/withdrawals/{batch.pk}/register.pdf")
    assert got.status_code == 200
    text = pdf_text(got.content, tmp_path, "register")
    assert text.count("图书注销清单") == 2
    assert "第一联：图书馆留存" in text and "第二联：总务处留存" in text
    assert "41.00" in text and "损坏" in text and "总务处（签字）" in text
    pngs = pdf_to_png(got.content, tmp_path, "register")
    assert len(pngs) == 2
    xlsx = staff_client.get(f"/staff/inventory/withdrawals/{batch.pk}/register.xlsx")
    rows = [
        [c.value for c in r] for r in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
    ]
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[header + 1][2] == "30000"
    assert rows[-1][0] == "合计" and rows[-1][5] == "41.00"
