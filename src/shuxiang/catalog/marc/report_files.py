"""The import page's full report (every rejected record and every warning, as CSV), kept
for the librarian who ran the import to download, and not for long: each file is named
by its login and a random token, and files older than KEEP_SECONDS go whenever the page
keeps a new one."""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path
from typing import TextIO

from django.conf import settings

from shuxiang.catalog.marc.importer import ImportReport

KEEP_SECONDS = 3600


def folder() -> Path:
    path = Path(settings.VAR_DIR) / "reports" / "marc-import"
    path.mkdir(parents=True, exist_ok=True)
    return path


def detail_file() -> TextIO:
    """A temporary file for the importer to write every warning to while it runs."""
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="")


def _path(user_id: int, token: str) -> Path | None:
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        return None
    return folder() / f"{int(user_id)}-{token}.csv"


def keep(report: ImportReport, user_id: int) -> str:
    """Write the report's full detail (CSV, UTF-8 with a BOM so that Excel and WPS read
    the Chinese); returns the token that downloads it."""
    sweep()
    token = secrets.token_hex(16)
    path = _path(user_id, token)
    assert path is not None
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        report.write_csv(out)
    return token


def find(user_id: int, token: str) -> Path | None:
    """The kept file of this login with this token, or None."""
    path = _path(user_id, token)
    return path if path is not None and path.is_file() else None


def sweep() -> int:
    """Delete the files kept longer than KEEP_SECONDS; how many went."""
    cutoff = time.time() - KEEP_SECONDS
    gone = 0
    for path in folder().glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone
