"""Reading the spreadsheets schools hand over (rosters, book lists, old systems' loan
lists): xlsx through openpyxl, or csv in UTF-8 or GBK/GB18030 with comma, tab or
semicolon. One reader for all of them, so that every import accepts the same files."""

from __future__ import annotations

import csv
import datetime as dt
import io
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
