"""Read the open-loan list exported from a school's previous system (旧系统的在借清单,
xlsx or csv) into plain rows for `services.legacy_loans_import`. The header is found
like the roster's (`core.spreadsheet.find_header`: a title above it, "借书证号*" or
"Card No." are fine); the date cells are passed on as read, for `parse_date`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.circulation.services import LegacyRow
from shuxiang.core.errors import Invalid
from shuxiang.core.spreadsheet import cell_text, find_header, read_rows

HEADERS = {
    "card": ("借书证号", "借书证", "证号", "读者证号", "card"),
    "barcode": ("条码号", "条码", "图书条码", "barcode"),
    "checked_out": ("借出日期", "借书日期", "借阅日期", "checked_out"),
    "due": ("应还日期", "到期日期", "应还时间", "due"),
}
DATES = ("checked_out", "due")


def read_previous_loans(content: bytes, filename: str) -> list[LegacyRow]:
    """Rows with their line numbers in the file (the header's own line comes first)."""
    table = read_rows(content, filename)
    header = find_header(table, HEADERS, accept=lambda columns: len(columns) == len(HEADERS))
    if header is None:
        raise Invalid(
            _("找不到表头：需要“借书证号、条码号、借出日期、应还日期”四列。"),
            code="missing_headers",
        )
    rows = []
    for line, row in enumerate(table[header.index + 1 :], start=header.line + 1):
        cells = {key: row[pos] if pos < len(row) else None for key, pos in header.columns.items()}
        if not any(cell_text(value) for value in cells.values()):
            continue
        values = {
            key: value if key in DATES and value is not None else cell_text(value)
            for key, value in cells.items()
        }
        rows.append(LegacyRow(line=line, **values))
    return rows
