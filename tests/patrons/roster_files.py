"""Builders for real roster files (xlsx with openpyxl, csv) used by the import tests."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADERS = ["学号", "姓名", "性别", "年级", "班级", "类型", "借书证号", "有效期"]


def xlsx(
    rows,
    headers=HEADERS,
    *,
    title="花名册",
    before=None,
    extra_sheets=(),
    merges=(),
    first_sheet=None,
) -> bytes:
    """A workbook whose roster sheet has `headers` then `rows`; `before` rows (titles)
    come above the header; `first_sheet` (title, rows) is put in front of it."""
    book = Workbook()
    sheet = book.active
    if first_sheet is not None:
        sheet.title = first_sheet[0]
        for row in first_sheet[1]:
            sheet.append(row)
        sheet = book.create_sheet(title)
    else:
        sheet.title = title
    for row in before or []:
        sheet.append(row)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for rng in merges:
        sheet.merge_cells(rng)
    for name, content in extra_sheets:
        other = book.create_sheet(name)
        for row in content:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers=HEADERS, *, encoding="utf-8", delimiter=",") -> bytes:
    lines = [delimiter.join(headers)] + [
        delimiter.join("" if v is None else str(v) for v in r) for r in rows
    ]
    return ("\n".join(lines) + "\n").encode(encoding)
