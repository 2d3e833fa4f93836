"""Label sheets: the pages are the sheet's size, hold as many labels as the sheet, honour
the start position, and render (pdftoppm) with the barcode, the number, the library's
name and the call number on two or three lines."""

from __future__ import annotations

import pytest
from PIL import Image

from shuxiang.catalog import labels
from tests.pdfs import pdf_text, pdf_to_png

pytestmark = pytest.mark.needs_cjk_font

DPI = 50
MM = DPI / 25.4


def _data(n):
    calls = ["I247.5/12", "I287.45/103:2", "TP311.1/7", "O1-49/3"]
    return [
        labels.LabelData(barcode=f"{10000001 + i}", call_number=calls[i % len(calls)])
        for i in range(n)
    ]


def _inked(image, sheet, index):
    """Is anything printed inside label `index` (0-based)?"""
    row, col = divmod(index, sheet.cols)
    left = (sheet.margin_left + col * (sheet.label_w + sheet.gap_x)) * MM
    top = (sheet.margin_top + row * (sheet.label_h + sheet.gap_y)) * MM
    box = (
        int(left + 3),
        int(top + 3),
        int(left + sheet.label_w * MM - 3),
        int(top + sheet.label_h * MM - 3),
    )
    crop = image.crop(box).convert("L")
    return crop.getextrema()[0] < 128


@pytest.mark.parametrize("name", ["a4-3x8", "a4-4x10", "a4-5x13"])
def test_sheets_fill_from_the_start_position(name, tmp_path):
    sheet = labels.SHEETS[name]
    start = 3
    count = sheet.per_page - start + 1 + 2  # fills the first sheet and two on the next
    pdf = labels.render(
        _data(count), kind="barcode", sheet=sheet, start=start, library_name="实验中学图书馆"
    )
    pages = pdf_to_png(pdf, tmp_path, name, dpi=DPI)
    assert len(pages) == 2
    first, second = (Image.open(p) for p in pages)
    assert abs(first.width - 210 * MM) <= 2 and abs(first.height - 297 * MM) <= 2
    assert not _inked(first, sheet, 0) and not _inked(first, sheet, 1)
    assert all(_inked(first, sheet, i) for i in range(2, sheet.per_page))
    assert _inked(second, sheet, 0) and _inked(second, sheet, 1) and not _inked(second, sheet, 2)


def test_barcode_and_spine_labels_carry_number_name_and_call_number(tmp_path):
    pdf = labels.render(
        _data(4), kind="both", sheet=labels.SHEETS["a4-5x13"], library_name="实验中学图书馆"
    )
    text = pdf_text(pdf, tmp_path, "both")
    assert text.count("实验中学图书馆") == 8
    for expected in ("10000001", "I247.5", "12", "I287.45", "103", "TP311.1", "O1-49"):
        assert expected in text
    assert pdf_to_png(pdf, tmp_path, "both", dpi=DPI)


@pytest.mark.parametrize(
    ("call_number", "lines"),
    [
        ("I247.5/12", ["I247.5", "12"]),
        ("I287.45/103:2", ["I287.45", "103", "2"]),
        ("K825.6/LX", ["K825.6", "LX"]),
        ("G633.3", ["G633.3"]),
        ("", []),
    ],
)
def test_spine_lines(call_number, lines):
    assert labels.spine_lines(call_number) == lines


def test_custom_sheet_and_bad_sizes():
    sheet = labels.custom_sheet(
        cols=2, rows=5, label_w=90, label_h=50, margin_left=10, margin_top=20, gap_x=10
    )
    assert sheet.per_page == 10
    assert labels.render(_data(3), kind="spine", sheet=sheet, start=10).startswith(b"%PDF")
    with pytest.raises(ValueError):
        labels.custom_sheet(cols=3, rows=8, label_w=80, label_h=37)  # 240 mm on a 210 mm page
    with pytest.raises(ValueError):
        labels.render(_data(1), sheet=sheet, start=11)


def test_labels_page_errors_and_preview(client, librarian, library):
    client.force_login(librarian)
    empty = client.get("/staff/cataloging/labels/", {"selection": "today", "pdf": "1"})
    assert empty.status_code == 422 and "没有符合条件的单册" in empty.content.decode()
    bad = client.get(
        "/staff/cataloging/labels/",
        {
            "selection": "today",
            "pdf": "1",
            "sheet": "custom",
            "cols": "5",
            "label_w": "60",
            "rows": "8",
        },
    )
    assert "排不进纸张" in bad.content.decode()


def test_print_labels_cli(actor, library, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from shuxiang.catalog import cataloging

    cataloging.bib_catalog(
        actor=actor,
        values={"title": "草房子", "clc": "I287.45"},
        copies=[cataloging.CopySpec(), cataloging.CopySpec()],
    )
    out = StringIO()
    call_command(
        "print-labels", str(tmp_path / "l.pdf"), "--kind", "spine", "--sheet", "a4-5x13", stdout=out
    )
    assert "2 册" in out.getvalue()
    assert "I287.45" in pdf_text((tmp_path / "l.pdf").read_bytes(), tmp_path, "cli")
