"""Spreadsheets built to exhaust a server, and a way to measure reading one in a process
of its own (as a server worker would read it): time, peak memory, the refusal."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook from openpyxl whose first sheet's XML is replaced."""
    book = Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            archive.writestr(info, data)
    return out.getvalue()


def far_cell() -> bytes:
    book = Workbook()
    book.active["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    # 40 MB of XML that deflates to about 40 KB.
    return xlsx_with_sheet(SHEET_HEAD + b" " * (40 * 1024 * 1024) + SHEET_TAIL)


def wide_row() -> bytes:
    cells = b'<c r="A1" t="n"><v>1</v></c>' * 400_000
    return xlsx_with_sheet(SHEET_HEAD + b'<row r="1">' + cells + b"</row>" + SHEET_TAIL)


def many_rows() -> bytes:
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 200_001)
    )
    return xlsx_with_sheet(SHEET_HEAD + rows + SHEET_TAIL)


def cut_in_half() -> bytes:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 2001))
    sheet = SHEET_HEAD + rows + SHEET_TAIL
    return xlsx_with_sheet(sheet[: len(sheet) // 2])


_MEASURE = """
import json, re, sys, time
import django
django.setup()
namespace = {}
exec(sys.argv[2], namespace)
content = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    rows = namespace["run"](content)
    outcome = {"rows": len(rows.rows) if hasattr(rows, "rows") else len(rows)}
except Exception as exc:  # the refusal, whatever reader raised it
    outcome = {
        "code": getattr(exc, "code", type(exc).__name__),
        "message": str(getattr(exc, "message", exc)),
    }
outcome["seconds"] = time.perf_counter() - start
# VmHWM, the peak of this process's own memory (on Linux ru_maxrss would carry the
# parent's peak from before exec).
try:
    status = open("/proc/self/status").read()
    outcome["max_rss_mb"] = int(re.search(r"VmHWM:\\s+(\\d+) kB", status)[1]) / 1024
except OSError:
    import resource
    outcome["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
print(json.dumps(outcome))
"""


HOSTILE_XLSX = [
    (far_cell, "too_many_rows"),
    (zip_bomb, "file_too_large"),
    (wide_row, "too_many_columns"),
    (many_rows, "too_many_rows"),
    (cut_in_half, "bad_spreadsheet"),
    (lambda: b"PK\x03\x04 not really a zip", "bad_spreadsheet"),
]
HOSTILE_IDS = [
    "cell-at-XFD1048576",
    "zip-bomb",
    "row-of-400000-cells",
    "200000-rows",
    "cut",
    "junk",
]


def measure_read(reader: str, content: bytes, tmp_path: Path) -> dict[str, Any]:
    """Run `reader` (Python source defining run(content)) on `content` in a new process;
    its outcome: the rows read or the refusal's code and message, seconds, peak MB."""
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), reader],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shuxiang.settings"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
