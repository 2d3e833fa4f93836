"""A rule is written once, in the service: the same bad value sent through the cataloging
form, the API and the book-list CLI is refused with the same code and message, and a copy
made through any of them is in the accession register."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from shuxiang.catalog import register, rules
from shuxiang.catalog.booklist import booklist_import
from shuxiang.catalog.models import Bib, Item
from shuxiang.catalog.services import bib_create, item_create
from shuxiang.core import clock
from shuxiang.core.errors import Invalid
from shuxiang.core.models import AuditEvent

BAD_CLC = "L99"


def _booklist(clc: str) -> bytes:
    wb = Workbook()
    wb.active.append(["书名", "出版社", "分类号"])
    wb.active.append(["某书", "某出版社", clc])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_bad_class_number_is_refused_the_same_way_by_every_adapter(
    actor, api, librarian, staff_client, stacks, tmp_path
):
    message = rules.bib_check(title="x", clc_number=BAD_CLC).problems[0].message
    # The service itself.
    with pytest.raises(Invalid) as exc:
        bib_create(actor=actor, title="x", clc=BAD_CLC)
    assert (exc.value.code, exc.value.message) == ("invalid_clc", message)
    # The API.
    r = api(librarian).post("/api/v1/bibs", {"title": "x", "clc": BAD_CLC})
    assert (r.status_code, r.json()["code"], r.json()["message"]) == (422, "invalid_clc", message)
    # The cataloging form.
    page = staff_client.post(
        "/staff/cataloging/",
        {
            "title": "x",
            "clc": BAD_CLC,
            "copy_barcode": [""],
            "copy_location": ["stacks"],
            "copy_circulation_type": ["normal"],
            "copy_price": [""],
        },
    )
    assert page.status_code == 422 and message in page.content.decode()
    # A spreadsheet book list, as the CLI and the upload page import it.
    report = booklist_import(actor=actor, source=io.BytesIO(_booklist(BAD_CLC)), filename="l.xlsx")
    assert [(p.row, p.code) for p in report.bad] == [(2, "invalid_clc")]
    path = tmp_path / "list.xlsx"
    path.write_bytes(_booklist(BAD_CLC))
    out = io.StringIO()
    with pytest.raises(Exception):  # noqa: B017 - "no row can be imported" ends the command
        call_command("import-booklist", str(path), stdout=out)
    assert f"第 2 行：分类号“{BAD_CLC}”不是有效的中图法分类号" in out.getvalue()
    assert not Bib.objects.exists()


def test_a_bad_call_number_is_refused_by_the_api_as_by_the_form(api, librarian, make_bib):
    bib = make_bib("朝花夕拾")
    r = api(librarian).post(
        "/api/v1/items", {"bib": bib.pk, "barcode": "00012345", "call_number": "xyz"}
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_call_number")
    r = api(librarian).post("/api/v1/items", {"bib": bib.pk, "barcode": "00012345", "price": -5})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_price")
    assert not Item.objects.exists()


def test_a_copy_made_through_the_api_is_registered(api, librarian, library, make_bib):
    bib = make_bib("朝花夕拾", price=2600)
    day = dt.date(2026, 9, 7)
    with clock.frozen_at(day):
        r = api(librarian).post(
            "/api/v1/items", {"bib": bib.pk, "barcode": "00012345", "call_number": "I210.4/1"}
        )
        assert r.status_code == 201, r.content
        assert r.json()["accession_number"] == "000001"
        r = api(librarian).post("/api/v1/items", {"bib": bib.pk, "barcode": "00012346"})
        assert r.json()["accession_number"] == "000002"
    lines = register.register_rows(library, day, day).rows
    assert [(line.accession_number, line.barcode) for line in lines] == [
        ("000001", "00012345"),
        ("000002", "00012346"),
    ]
    event = AuditEvent.objects.filter(action="item.create").order_by("id").last()
    assert event.after["accession_number"] == "000002"


def test_a_copy_keeps_an_accession_number_given_by_hand(actor, make_bib):
    item = item_create(
        actor=actor, bib_id=make_bib().pk, barcode="90000001", accession_number="A-17"
    )
    assert item.accession_number == "A-17"
