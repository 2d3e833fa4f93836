"""Accession numbers in order without gaps (also with desks cataloging at the same time),
the register with its totals as xlsx and PDF, rendered to PNG."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile

import pytest
from django.db import connections
from openpyxl import load_workbook

from shuxiang.catalog import cataloging, register
from shuxiang.catalog.models import Item
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict
from tests.pdfs import pdf_text, pdf_to_png


def _catalog(actor, title, copies=1, **values):
    return cataloging.bib_catalog(
        actor=actor,
        values={"title": title, "clc": values.pop("clc", "I247.5"), **values},
        copies=[cataloging.CopySpec(location_code="stacks") for _ in range(copies)],
    )


def test_accession_numbers_are_consecutive_and_a_failure_gives_its_numbers_back(actor, library):
    first = _catalog(actor, "草房子", copies=2, price=2500)
    assert [i.accession_number for i in first.items] == ["000001", "000002"]
    with pytest.raises(Conflict):
        # The second barcode is already used: nothing of this title is written.
        cataloging.bib_catalog(
            actor=actor,
            values={"title": "青铜葵花", "clc": "I287.45"},
            copies=[
                cataloging.CopySpec(barcode="A1"),
                cataloging.CopySpec(barcode=first.items[0].barcode),
            ],
        )
    third = _catalog(actor, "青铜葵花", copies=1)
    assert third.items[0].accession_number == "000003"


def test_numbers_typed_by_hand_are_skipped(actor, library, make_bib):
    from shuxiang.catalog.services import item_create

    item_create(
        actor=actor, bib_id=make_bib("旧书").pk, barcode="90000001", accession_number="000002"
    )
    # The counter starts after the highest number in use.
    assert register.accession_numbers_take(library, 2) == ["000003", "000004"]


def test_barcode_range_and_its_end(actor, library):
    from shuxiang.catalog.models import NumberSeries

    series = register.series_settings(library, register.BARCODE)
    series.prefix, series.width, series.next_value, series.last_value = "B", 5, 1, 3
    series.save()
    assert register.barcodes_peek(library, 5) == ["B00001", "B00002", "B00003"]
    result = _catalog(actor, "草房子", copies=3)
    assert [i.barcode for i in result.items] == ["B00001", "B00002", "B00003"]
    from shuxiang.core.errors import Invalid

    with pytest.raises(Invalid) as exc:
        _catalog(actor, "青铜葵花", copies=1)
    assert exc.value.code == "barcode_range_exhausted"
    assert NumberSeries.objects.get(library=library, kind="barcode").next_value == 4


@pytest.mark.django_db(transaction=True)
def test_desks_cataloging_at_once_get_consecutive_numbers(library, librarian):
    desks, per_desk = 4, 3
    barrier = threading.Barrier(desks)
    errors = []

    def desk(n):
        actor = Actor(library=library, user=librarian)
        try:
            barrier.wait()
            for k in range(per_desk):
                _catalog(actor, f"书{n}-{k}", copies=2, clc=f"I24{n}")
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(desks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(
        Item.objects.filter(library=library).values_list("accession_number", flat=True)
    )
    assert numbers == [f"{n:06d}" for n in range(1, desks * per_desk * 2 + 1)]
    barcodes = set(Item.objects.filter(library=library).values_list("barcode", flat=True))
    assert len(barcodes) == desks * per_desk * 2


@pytest.mark.needs_cjk_font
def test_register_for_a_date_range_with_totals(actor, library, tmp_path):
    with clock.frozen_at(dt.date(2026, 3, 2)):
        _catalog(actor, "三月的书", copies=1, price=1000)
    with clock.frozen_at(dt.date(2026, 9, 7)):
        _catalog(
            actor,
            "城南旧事",
            copies=2,
            price=2850,
            authors=["林海音"],
            publisher="中国青年出版社",
            year=2019,
        )
        for n in range(40):
            _catalog(actor, f"九月新书第{n + 1}种", copies=1, price=1990 + n, clc="G633.3")
    reg = register.register_rows(library, dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert reg.volumes == 42 and reg.titles == 41
    assert reg.total_price.fen == 2 * 2850 + sum(1990 + n for n in range(40))
    assert reg.rows[0].accession_number == "000002"
    assert [r.accession_number for r in reg.rows] == sorted(r.accession_number for r in reg.rows)

    ws = load_workbook(io.BytesIO(register.register_xlsx(reg))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("实验中学图书馆 个别登记账")
    assert rows[1][:4] == ("登录号", "入藏日期", "条码号", "题名")
    assert rows[2][3] == "城南旧事" and rows[2][9] == 28.5
    assert rows[-1][0] == "合计" and rows[-1][2] == "42 册" and rows[-1][3] == "41 种"
    assert rows[-1][9] == pytest.approx(reg.total_price.fen / 100)

    pdf = register.register_pdf(reg)
    pages = pdf_to_png(pdf, tmp_path, "register", dpi=60)
    assert len(pages) == 2  # 42 lines do not fit on one landscape page
    text = pdf_text(pdf, tmp_path, "register")
    assert "城南旧事" in text and "林海音" in text
    assert "第 1 页，共 2 页" in text and "本页小计" in text
    assert f"{reg.total_price.plain()}" in text and "42 册" in text


@pytest.mark.needs_cjk_font
def test_register_cli_writes_xlsx_and_pdf(actor, library, tmp_path):
    from django.core.management import call_command

    with clock.frozen_at(dt.date(2026, 9, 7)):
        _catalog(actor, "城南旧事", copies=2, price=2850)
    out = io.StringIO()
    call_command(
        "accession-register",
        str(tmp_path / "r.xlsx"),
        "--from",
        "2026-09-01",
        "--to",
        "2026-09-30",
        stdout=out,
    )
    assert "2 册，合计 57.00 元" in out.getvalue()
    call_command(
        "accession-register",
        str(tmp_path / "r.pdf"),
        "--from",
        "2026-09-01",
        "--to",
        "2026-09-30",
        stdout=out,
    )
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_a_title_that_looks_like_a_formula_stays_text_in_the_register(actor, library):
    hostile = '=HYPERLINK("http://x.example","点我")'
    with clock.frozen_at(dt.date(2026, 9, 7)):
        _catalog(actor, hostile, copies=1, price=1000, authors=["=cmd|' /C calc'!A0"])
    reg = register.register_rows(library, dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    data = register.register_xlsx(reg)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    row = list(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=3, max_row=3))[0]
    assert row[3].value == hostile and row[3].data_type == "s"
    assert row[4].value == "=cmd|' /C calc'!A0" and row[4].data_type == "s"
