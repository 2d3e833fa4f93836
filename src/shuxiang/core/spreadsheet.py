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


# What one import may hold. A school's roster or book list is a few thousand rows; an
# xlsx is a zip that can expand a thousandfold and can declare a million-row sheet with
# one cell, so sizes are checked before anything is read and reading stops at the caps.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100


def _too_many_rows() -> SpreadsheetError:
    return SpreadsheetError(
        _("表格超过 %(n)s 行，超出一次导入的上限。请分成几个文件导入。") % {"n": f"{MAX_ROWS:,}"},
        code="too_many_rows",
    )


def _too_many_columns() -> SpreadsheetError:
    return SpreadsheetError(
        _("表格超过 %(n)s 列，超出导入的上限。请删除多余的列后再导入。") % {"n": MAX_COLUMNS},
        code="too_many_columns",
    )


def check_size(content: bytes) -> None:
    """Refuse a file larger than any school's list before reading it."""
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetError(
            _("文件有 %(size)s MB，超过导入上限 %(cap)s MB。")
            % {"size": len(content) // (1024 * 1024), "cap": MAX_FILE_BYTES // (1024 * 1024)},
            code="file_too_large",
        )


def check_xlsx(content: bytes, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse an xlsx whose zip would unpack to more than MAX_UNPACKED_BYTES, or whose
    sheets hold a row wider than MAX_COLUMNS, before openpyxl opens it. The sizes come
    from the zip's directory; a member that holds more than its declared size fails its
    CRC check when read, so the declaration bounds it."""
    import zipfile

    check_size(content)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > max_unpacked:
                raise SpreadsheetError(
                    _("Excel 文件解压后有 %(size)s MB，超过上限 %(cap)s MB，不予读取。")
                    % {
                        "size": max(1, unpacked // (1024 * 1024)),
                        "cap": max_unpacked // (1024 * 1024),
                    },
                    code="file_too_large",
                )
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as stream:
                        _check_row_widths(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetError(
            _("无法读取 Excel 文件：文件已损坏或不是 xlsx 格式。"), code="bad_spreadsheet"
        ) from exc


_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)[\s>/]")


def _check_row_widths(stream: Any) -> None:
    """Refuse a sheet with far more than MAX_ROWS rows or a row of more than
    MAX_COLUMNS cells by scanning its XML: openpyxl builds a whole row in memory before
    it can cut it to width (one row of 400,000 cells took 330 MB), and parses rows a
    hundred times slower than this scan counts them."""
    cells = 0
    filled_rows = 0
    rest = b""
    while True:
        chunk = stream.read(1 << 20)
        data = rest + chunk
        # Scan up to the last "<": a tag cut by the chunk's end waits for the next one.
        end = data.rfind(b"<") if chunk else len(data)
        for match in _ROW_OR_CELL.finditer(data, 0, max(end, 0)):
            if match[1] == b"row":
                cells = 0
            else:
                cells += 1
                if cells == 1:
                    filled_rows += 1
                    # Styled empty cells count here too; the reader holds the exact cap.
                    if filled_rows > 5 * MAX_ROWS:
                        raise _too_many_rows()
                if cells > MAX_COLUMNS:
                    raise _too_many_columns()
        if not chunk:
            return
        rest = data[end:] if end >= 0 else b""


def _trimmed(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and (row[end - 1] is None or row[end - 1] == ""):
        end -= 1
    return row[:end]


def _capped(rows: Any, fill: Any = None) -> list[list[Any]]:
    """At most MAX_ROWS rows of at most MAX_COLUMNS cells, trailing empty rows dropped
    and every row as wide as the widest filled one; a value beyond either cap refuses
    the whole file (half an import is worse than none)."""
    kept: list[list[Any]] = []
    last_filled = 0
    for number, row in enumerate(rows, start=1):
        cells = _trimmed(list(row))
        if len(cells) > MAX_COLUMNS:
            raise _too_many_columns()
        if cells:
            if number > MAX_ROWS:
                raise _too_many_rows()
            last_filled = number
        if number <= MAX_ROWS:
            kept.append(cells)
    kept = kept[:last_filled]
    width = max((len(row) for row in kept), default=0)
    return [row + [fill] * (width - len(row)) for row in kept]


def csv_rows(content: bytes) -> list[list[str]]:
    check_size(content)
    text = decode_text(content)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return _capped(csv.reader(io.StringIO(text), dialect), fill="")
    except csv.Error as exc:
        raise SpreadsheetError(
            _("无法读取 CSV 文件：%(reason)s") % {"reason": exc}, code="bad_spreadsheet"
        ) from exc


def first_sheet_rows(content: bytes) -> list[list[Any]]:
    """The cell values (not formulas) of the workbook's first sheet, read streaming and
    never past the caps, whatever size the sheet declares."""
    from openpyxl import load_workbook

    check_xlsx(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(
            _("无法读取 Excel 文件：%(reason)s") % {"reason": exc}, code="bad_spreadsheet"
        ) from exc
    try:
        sheet = book.worksheets[0]
        # The size a sheet declares (its <dimension>) may include formatted empty cells
        # below the data, which the capped read passes over; a sheet that declares a
        # million rows or thousands of columns is refused before reading.
        if (sheet.max_row or 0) > 5 * MAX_ROWS:
            raise _too_many_rows()
        if (sheet.max_column or 0) > 10 * MAX_COLUMNS:
            raise _too_many_columns()
        rows = sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
        return _capped(rows)
    except SpreadsheetError:
        raise
    except Exception as exc:  # a sheet cut in half fails only once it is read
        raise SpreadsheetError(
            _("无法读取 Excel 文件：%(reason)s") % {"reason": exc}, code="bad_spreadsheet"
        ) from exc
    finally:
        book.close()


def read_rows(content: bytes, filename: str = "") -> list[list[Any]]:
    """The rows of an xlsx (first sheet) or csv file, all as wide as the widest filled
    row, without the empty rows after the last filled one."""
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


# -- writing ----------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def append_text_row(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl sheet with every text written as text: a title such as
    "=HYPERLINK(...)" stays a title in Excel instead of becoming a live formula. Numbers
    and dates keep their types; a formula the export means must be set on its own cell."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def csv_text(value: Any) -> str:
    """A value for a CSV export: text that a spreadsheet would take for a formula gets a
    leading apostrophe, which Excel and WPS show as text (numbers stay numbers)."""
    text = cell_text(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text
