"""Read the open-loan list exported from a school's previous system (xlsx or csv) into
plain rows for `services.legacy_loans_import`. Headers are matched by the usual names."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.circulation.services import LegacyRow
from shuxiang.core.errors import Invalid
from shuxiang.core.spreadsheet import cell_text, read_rows

HEADERS = {
    "card": ("借书证号", "借书证", "证号", "读者证号", "card"),
    "barcode": ("条码号", "条码", "图书条码", "barcode"),
    "checked_out": ("借出日期", "借书日期", "借阅日期", "checked_out"),
    "due": ("应还日期", "到期日期", "应还时间", "due"),
}


def read_legacy_loans(content: bytes, filename: str) -> list[LegacyRow]:
    """Rows with their line numbers in the file (the header is line 1 of its block)."""
    table = read_rows(content, filename)
    header_at = -1
    for position_of_row, row in enumerate(table[:10]):
        names = [cell_text(cell) for cell in row]
        columns = {}
        for key, options in HEADERS.items():
            for position, name in enumerate(names):
                if name in options:
                    columns[key] = position
                    break
        if len(columns) == len(HEADERS):
            header_at = position_of_row
            break
    if header_at < 0:
        raise Invalid(
            _("找不到表头：需要“借书证号、条码号、借出日期、应还日期”四列。"),
            code="missing_headers",
        )
    rows = []
    for line, row in enumerate(table[header_at + 1 :], start=header_at + 2):
        cells = {key: cell_text(row[pos]) if pos < len(row) else "" for key, pos in columns.items()}
        if not any(cells.values()):
            continue
        rows.append(LegacyRow(line=line, **cells))
    return rows
