"""The one spreadsheet date parser and header matcher that every import uses (rosters,
book lists, the previous system's loan list)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from shuxiang.core import spreadsheet
from tests.hostile_files import HOSTILE_IDS, HOSTILE_XLSX, measure_read

MARCH_1 = dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    "value",
    [
        MARCH_1,
        dt.datetime(2026, 3, 1, 0, 0),
        46082,  # the Excel serial of 2026-03-01
        46082.0,
        "46082",
        "2026-03-01",
        "2026-3-1",
        "2026/3/1",
        "2026.3.1",
        "2026年3月1日",
        "２０２６年３月１日",  # typed with a full-width input method
        "2026 年 3 月 1 日",
        "20260301",
        20260301,
        "2026/3/1 0:00",  # Excel's CSV export of a date cell
        "2026-03-01T00:00:00",
    ],
)
def test_every_way_a_school_writes_a_date(value):
    assert spreadsheet.parse_date(value) == MARCH_1


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_empty_cell_is_no_date(value):
    assert spreadsheet.parse_date(value) is None


@pytest.mark.parametrize(
    "value", ["abc", "2026-13-01", "2026年2月30日", 0, -3, 1.5, True, "3月1日", 123456789]
)
def test_what_is_not_a_date_is_refused(value):
    with pytest.raises(ValueError):
        spreadsheet.parse_date(value)


def test_excel_serials_follow_excels_own_calendar():
    # Excel counts a 29 February 1900 that never was: serial 61 is 1 March 1900.
    assert spreadsheet.parse_date(1) == dt.date(1900, 1, 1)
    assert spreadsheet.parse_date(61) == dt.date(1900, 3, 1)


def test_a_date_cell_read_from_a_real_workbook():
    book = Workbook()
    sheet = book.active
    sheet.append(["日期"])
    sheet.append([MARCH_1])
    sheet.append([46082])
    sheet.append(["2026年3月1日"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = spreadsheet.read_rows(buffer.getvalue(), "loans.xlsx")
    assert [spreadsheet.parse_date(row[0]) for row in rows[1:]] == [MARCH_1] * 3


ALIASES = {"card": ("借书证号", "card"), "barcode": ("条码号", "barcode")}


@pytest.mark.parametrize(
    "cell, key",
    [
        ("借书证号", "借书证号"),
        ("借书证号*", "借书证号"),
        ("借书证号（必填）", "借书证号必填"),
        (" Card ", "card"),
        ("ＣＡＲＤ", "card"),
        ("条码 号", "条码号"),
        (None, ""),
    ],
)
def test_header_key_folds_what_schools_add_to_a_header(cell, key):
    assert spreadsheet.header_key(cell) == key


def test_find_header_skips_a_title_row_and_keeps_unknown_columns():
    table = [
        ["七年级借阅清单"],
        ["借书证号*", "备注", "条码号"],
        ["R000001", "", "00012345"],
    ]
    found = spreadsheet.find_header(table, ALIASES, accept=lambda c: len(c) == len(ALIASES))
    assert found is not None
    assert (found.index, found.line) == (1, 2)
    assert found.columns == {"card": 0, "barcode": 2}
    assert found.others == ["备注"]


def test_find_header_gives_up_after_the_rows_it_may_scan():
    table = [[""]] * 10 + [["借书证号", "条码号"]]
    assert spreadsheet.find_header(table, ALIASES, accept=lambda c: len(c) == 2) is None
    found = spreadsheet.find_header(table, ALIASES, accept=lambda c: len(c) == 2, scan=11)
    assert found is not None and found.index == 10


def test_the_first_column_wins_when_two_name_the_same_field():
    found = spreadsheet.match_header(["条码号", "barcode"], ALIASES)
    assert found.columns == {"barcode": 0}
    assert found.others == ["barcode"]


# -- files that must not exhaust the server --------------------------------------------


@pytest.mark.parametrize("build, code", HOSTILE_XLSX, ids=HOSTILE_IDS)
def test_a_hostile_spreadsheet_is_refused_quickly_in_little_memory(build, code, tmp_path):
    """Each file is read in a process of its own, as the server's worker would: refused
    with a message in Chinese in under 2 s and under 200 MB (the process included)."""
    outcome = measure_read(
        "from shuxiang.core.spreadsheet import read_rows as read\n"
        "def run(content): return read(content, 'upload.xlsx')",
        build(),
        tmp_path,
    )
    assert outcome.get("code") == code, outcome
    assert re.search(r"[\u4e00-\u9fff]", outcome["message"]), outcome
    assert outcome["seconds"] < 2, outcome
    assert outcome["max_rss_mb"] < 200, outcome


def test_a_csv_of_more_rows_than_the_cap_is_refused():
    content = "\n".join(f"R{i:06d},{i}" for i in range(spreadsheet.MAX_ROWS + 1)).encode()
    with pytest.raises(spreadsheet.SpreadsheetError) as refused:
        spreadsheet.read_rows(content, "list.csv")
    assert refused.value.code == "too_many_rows"
    assert "20,000" in str(refused.value.message)


def test_trailing_empty_rows_and_columns_do_not_count():
    book = Workbook()
    sheet = book.active
    sheet.append(["借书证号", "条码号"])
    sheet.append(["R000001", "00012345"])
    sheet["A30000"] = ""  # formatted but empty, far below
    buffer = io.BytesIO()
    book.save(buffer)
    assert spreadsheet.read_rows(buffer.getvalue(), "x.xlsx") == [
        ["借书证号", "条码号"],
        ["R000001", "00012345"],
    ]


# -- exports write text as text ---------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://x","点我")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


def test_text_that_looks_like_a_formula_is_written_as_text_in_xlsx():
    book = Workbook()
    sheet = book.active
    spreadsheet.append_text_row(sheet, [*HOSTILE, 12, 47.2, MARCH_1])
    buffer = io.BytesIO()
    book.save(buffer)
    from openpyxl import load_workbook

    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())[0]
    assert [c.data_type for c in cells[:5]] == ["s"] * 5
    assert [c.value for c in cells[:5]] == HOSTILE
    assert cells[5].value == 12 and cells[6].value == 47.2
    assert cells[7].value.date() == MARCH_1
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize(
    "value, text",
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@x", "'@x"),
        ("西游记", "西游记"),
        ("I247.5/1", "I247.5/1"),
        (47, "47"),
        (-5, "-5"),
        (None, ""),
    ],
)
def test_csv_cells_that_would_be_formulas_are_neutralized(value, text):
    assert spreadsheet.csv_text(value) == text
