"""The import page's full report (every rejected record and every warning, as CSV), kept
for the librarian who ran the import to download, and not for long: each file is named
by its login and a random token, and files older than KEEP_SECONDS go whenever the page
keeps a new one and every hour (core.kept_files)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO

from shuxiang.catalog.marc.importer import ImportReport
from shuxiang.core import kept_files

REPORTS = kept_files.KeptFiles("reports", "marc-import")
folder = REPORTS.folder
sweep = REPORTS.sweep


def detail_file() -> TextIO:
    """A temporary file for the importer to write every warning to while it runs."""
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="")


def keep(report: ImportReport, user_id: int) -> str:
    """Write the report's full detail (CSV, UTF-8 with a BOM so that Excel and WPS read
    the Chinese); returns the token that downloads it."""
    sweep()
    token = kept_files.new_token()
    path = REPORTS.path(f"{int(user_id)}-", token, ".csv")
    assert path is not None
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        report.write_csv(out)
    return token


def find(user_id: int, token: str) -> Path | None:
    """The kept file of this login with this token, or None."""
    path = REPORTS.path(f"{int(user_id)}-", token, ".csv")
    return path if path is not None and path.is_file() else None
