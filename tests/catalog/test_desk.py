"""The cataloging form through HTTP: a book with two copies, then its labels and its
line in the accession register."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core import clock
from tests.pdfs import pdf_text, pdf_to_png

DAY = dt.date(2026, 9, 7)


def _post_book(client, **extra):
    data = {
        "isbn": "7-02-000220-X",
        "title": "朝花夕拾",
        "authors": "鲁迅",
        "publisher": "人民文学出版社",
        "place": "北京",
        "year": "2021",
        "price": "26.00",
        "material_type": "book",
        "clc": "I210.4",
        "call_number": "",
        "call_number_auto": "1",
        "copy_barcode": ["", ""],
        "copy_location": ["stacks", "stacks"],
        "copy_circulation_type": ["normal", "reference"],
        "copy_price": ["", "30"],
    }
    data.update(extra)
    return client.post("/staff/cataloging/", data)


def test_form_page_shows_isbn_first_and_suggested_barcodes(staff_client, stacks):
    response = staff_client.get("/staff/cataloging/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        html.index('name="isbn"') < html.index('name="title"') < html.index('name="copy_barcode"')
    )
    assert "10000001" in html  # the first barcode of the default range
    assert "22 个基本大类" in html


@pytest.mark.needs_cjk_font
def test_catalog_a_book_with_two_copies_then_labels_and_register(
    staff_client, library, stacks, tmp_path
):
    with clock.frozen_at(DAY):
        response = _post_book(staff_client)
        assert response.status_code == 302, response.content.decode()[:2000]
        done = staff_client.get(response["Location"])
    html = done.content.decode()
    assert "朝花夕拾" in html and "I210.4/1" in html
    bib = Bib.objects.get(library=library, isbn="9787020002207")
    items = list(Item.objects.filter(bib=bib).order_by("accession_number"))
    assert [i.barcode for i in items] == ["10000001", "10000002"]
    assert [i.accession_number for i in items] == ["000001", "000002"]
    assert [i.price for i in items] == [2600, 3000]
    assert {i.call_number.value for i in items} == {"I210.4/1"}
    assert items[1].circulation_type == "reference"
    assert items[0].location == stacks and items[0].acquired_on == DAY

    labels = staff_client.get(
        "/staff/cataloging/labels/",
        {
            "selection": "accession",
            "from": "000001",
            "to": "000002",
            "kind": "both",
            "pdf": "1",
            "sheet": "a4-3x8",
        },
    )
    assert labels.status_code == 200 and labels["Content-Type"] == "application/pdf"
    text = pdf_text(labels.content, tmp_path, "labels")
    assert (
        "10000001" in text and "10000002" in text and "I210.4" in text and "实验中学图书馆" in text
    )
    pages = pdf_to_png(labels.content, tmp_path, "labels")
    assert len(pages) == 1

    register = staff_client.get(
        "/staff/cataloging/register/", {"from": "2026-09-01", "to": "2026-09-30"}
    )
    page = register.content.decode()
    assert "000001" in page and "000002" in page and "朝花夕拾" in page
    assert "56.00" in page  # 26.00 + 30.00

    xlsx = staff_client.get(
        "/staff/cataloging/register/", {"from": "2026-09-01", "to": "2026-09-30", "format": "xlsx"}
    )
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][0] == "000001" and rows[3][0] == "000002"
    assert rows[-1][0] == "合计" and rows[-1][2] == "2 册" and rows[-1][9] == 56.0

    pdf = staff_client.get(
        "/staff/cataloging/register/", {"from": "2026-09-01", "to": "2026-09-30", "format": "pdf"}
    )
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path, "register")
    assert "个别登记账" in text and "朝花夕拾" in text and "56.00" in text


def test_a_known_isbn_opens_the_existing_title_to_add_copies(staff_client, library, stacks):
    with clock.frozen_at(DAY):
        _post_book(staff_client)
    lookup = staff_client.get("/staff/cataloging/isbn.json", {"isbn": "978-7-02-000220-7"}).json()
    assert lookup["valid"] and lookup["bib"]["title"] == "朝花夕拾" and lookup["bib"]["copies"] == 2
    page = staff_client.get("/staff/cataloging/", {"isbn": "702000220x"})
    assert "为已有书目添加复本" in page.content.decode()
    bib = Bib.objects.get(library=library)
    response = staff_client.post(
        "/staff/cataloging/",
        {
            "bib": bib.pk,
            "copy_barcode": [""],
            "copy_location": ["stacks"],
            "copy_circulation_type": ["normal"],
            "copy_price": [""],
        },
    )
    assert response.status_code == 302
    third = Item.objects.filter(bib=bib).order_by("-id").first()
    assert third.barcode == "10000003" and third.accession_number == "000003"
    assert third.call_number.value == "I210.4/1"
    assert CallNumber.objects.filter(library=library).count() == 1


def test_bad_input_is_shown_and_nothing_is_written(staff_client, library, stacks):
    response = _post_book(staff_client, isbn="978-7-02-000220-8", clc="L12", price="abc")
    assert response.status_code == 422
    html = response.content.decode()
    assert "ISBN 978-7-02-000220-8 无效" in html
    assert "基本大类" in html
    assert "不是金额" in html
    assert 'value="朝花夕拾"' in html  # the form keeps what was typed
    assert not Bib.objects.filter(library=library).exists()


def test_the_next_title_of_a_class_gets_the_next_sequence_number(staff_client, library, stacks):
    _post_book(staff_client)
    _post_book(staff_client, isbn="", title="野草", copy_barcode=["", ""])
    assert set(CallNumber.objects.filter(library=library).values_list("value", flat=True)) == {
        "I210.4/1",
        "I210.4/2",
    }
    assert staff_client.get("/staff/cataloging/call-number.json", {"clc": "i210.4"}).json() == {
        "call_number": "I210.4/3"
    }


def test_clc_json_searches_and_validates(staff_client, library):
    data = staff_client.get("/staff/cataloging/clc.json", {"q": "xiaoshuo"}).json()
    assert data["results"][0]["code"] == "I24"
    data = staff_client.get("/staff/cataloging/clc.json", {"q": "I247.59"}).json()
    assert data["valid"] and not data["listed"] and data["caption"] == "新体长篇、中篇小说"
    data = staff_client.get("/staff/cataloging/clc.json", {"q": "L12"}).json()
    assert data["valid"] is False and data["message"]


def test_cataloging_needs_the_catalog_capability(client, make_user):
    client.force_login(make_user("assistant"))
    assert client.get("/staff/cataloging/").status_code == 403


def test_settings_page_sets_the_barcode_range(staff_client, library, stacks):
    from shuxiang.catalog.models import NumberSeries

    page = staff_client.get("/staff/cataloging/settings/").content.decode()
    assert "10000001、10000002、10000003" in page
    response = staff_client.post(
        "/staff/cataloging/settings/",
        {"kind": "barcode", "prefix": "S", "width": "6", "next_value": "501", "last_value": "600"},
    )
    assert response.status_code == 302
    assert (
        "S000501、S000502、S000503"
        in staff_client.get("/staff/cataloging/settings/").content.decode()
    )
    _post_book(staff_client)
    assert sorted(Item.objects.values_list("barcode", flat=True)) == ["S000501", "S000502"]
    back = staff_client.post(
        "/staff/cataloging/settings/",
        {"kind": "accession", "prefix": "", "width": "6", "next_value": "1"},
    )
    assert back.status_code == 422 and "不能回退" in back.content.decode()
    assert NumberSeries.objects.get(library=library, kind="accession").next_value == 3


def test_desk_templates_have_no_inline_script():
    """The CSP allows scripts from the app's own files only (script-src 'self'): no
    <script> without src and no on...= handler in the cataloging, acquisitions and SRU
    templates; their pages use static files with data-* attributes."""
    import re
    from pathlib import Path

    import shuxiang

    root = Path(shuxiang.__file__).parent
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.I)
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for app in ("catalog", "acquisitions", "sru")
        for path in sorted((root / app / "templates").rglob("*.html"))
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found


def test_a_location_out_of_use_is_not_offered_for_new_copies(staff_client, library, stacks):
    from shuxiang.core.models import Location

    Location.objects.create(library=library, code="old-room", name="旧阅览室", active=False)
    html = staff_client.get("/staff/cataloging/").content.decode()
    assert "旧阅览室" not in html and stacks.name in html
