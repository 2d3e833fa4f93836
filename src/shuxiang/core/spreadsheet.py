"""Reading the spreadsheets schools hand over (rosters, book lists, old systems' loan
lists): xlsx through openpyxl, or csv in UTF-8 or GBK/GB18030 with comma, tab or
semicolon. One reader for all of them, so that every import accepts the same files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.core.errors import Invalid


class SpreadsheetError(Invalid):
    """The file cannot be read as a spreadsheet at all."""

    code = "bad_spreadsheet"


def is_xlsx(content: bytes, filename: str = "") -> bool:
    # An xlsx file is a zip archive; trust the bytes over a renamed file's suffix.
    return content[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm"))


def cell_text(value: Any) -> str:
    """A cell as text: None → "", 20260301.0 → "20260301" (Excel keeps typed numbers as
    floats), a date → "2026-03-01"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decode_text(content: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else GB18030 (which covers GBK and
    GB2312, what Excel saves on a Chinese Windows PC)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(
        _("无法识别 CSV 文件的字符编码（应为 UTF-8 或 GBK），请另存为 UTF-8 的 CSV 或 xlsx。"),
        code="bad_encoding",
    )


def csv_rows(content: bytes) -> list[list[str]]:
    text = decode_text(content)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def first_sheet_rows(content: bytes) -> list[list[Any]]:
    """The cell values (not formulas) of the workbook's first sheet."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(
            _("无法读取 Excel 文件：%(reason)s") % {"reason": exc}, code="bad_spreadsheet"
        ) from exc
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def read_rows(content: bytes, filename: str = "") -> list[list[Any]]:
    """The rows of an xlsx (first sheet) or csv file."""
    return first_sheet_rows(content) if is_xlsx(content, filename) else csv_rows(content)


# -- headers ----------------------------------------------------------------------------

_HEADER_NOISE = re.compile(r"[\s()\[\]*:：_\-./（）【】]")


def header_key(cell: Any) -> str:
    """A header as compared: full-width folded (NFKC), lower case, without spaces,
    brackets, "*", ":" or separators, so "借书证号*", "借书证号（必填）" and "Card No."
    meet their aliases."""
    text = unicodedata.normalize("NFKC", cell_text(cell)).lower()
    return _HEADER_NOISE.sub("", text)


@dataclass
class HeaderRow:
    """The header row found in a table: its position and which column holds each field."""

    index: int  # 0-based position of the header row in the table
    columns: dict[str, int]  # field → 0-based column
    others: list[str] = field(default_factory=list)  # headers that name no field, as written

    @property
    def line(self) -> int:
        """The header's row number as the spreadsheet shows it (1-based)."""
        return self.index + 1


def match_header(cells: Sequence[Any], aliases: Mapping[str, Sequence[str]]) -> HeaderRow:
    """Which column holds which field in one candidate header row (the first column wins
    when two name the same field)."""
    lookup = {header_key(alias): name for name, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    others: list[str] = []
    for index, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        name = lookup.get(key)
        if name and name not in columns:
            columns[name] = index
        else:
            others.append(unicodedata.normalize("NFKC", cell_text(cell)))
    return HeaderRow(index=-1, columns=columns, others=others)


def find_header(
    table: Sequence[Sequence[Any]],
    aliases: Mapping[str, Sequence[str]],
    *,
    accept: Callable[[dict[str, int]], bool],
    scan: int = 10,
) -> HeaderRow | None:
    """The first of the table's first `scan` rows whose matched fields `accept` takes
    (schools put a title or a note above the header), or None."""
    for index, cells in enumerate(table[:scan]):
        found = match_header(cells, aliases)
        if accept(found.columns):
            found.index = index
            return found
    return None


# -- dates ------------------------------------------------------------------------------

_TIME_OF_DAY = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE_TEXT = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def parse_date(value: Any) -> dt.date | None:
    """A date as Excel or a person writes it: a date cell, an Excel serial number (46082,
    as a number or as text), 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, 20260301.
    None or "" → None; anything else raises ValueError."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
        if not number.is_integer():
            raise ValueError(value)
        if 19000101 <= number <= 21001231:
            return dt.datetime.strptime(str(int(number)), "%Y%m%d").date()
        if 1 <= number < 100000:
            # openpyxl knows Excel's calendar, including its phantom 1900-02-29.
            from openpyxl.utils.datetime import from_excel

            return from_excel(int(number)).date()
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = _TIME_OF_DAY.sub("", text).replace(" ", "")  # "2026/3/1 0:00" from a CSV
    if not text:
        return None
    match = _DATE_TEXT.fullmatch(text)
    if match:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    if re.fullmatch(r"\d{8}", text):
        return dt.datetime.strptime(text, "%Y%m%d").date()
    if re.fullmatch(r"\d{1,5}(\.0)?", text):
        return parse_date(int(float(text)))
    raise ValueError(value)
