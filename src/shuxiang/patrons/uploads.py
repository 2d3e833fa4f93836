"""What the roster page keeps between the preview and the confirmation.

Only the columns the import uses (`roster.Roster.kept_csv`), never the upload itself with
its ID numbers, phones and addresses; and not for long: confirming or cancelling deletes
it, and the hourly housekeeping deletes anything older than an hour (core.kept_files)."""

from __future__ import annotations

from pathlib import Path

from shuxiang.core import kept_files
from shuxiang.core.kept_files import KEEP_SECONDS, is_token  # noqa: F401

ROSTERS = kept_files.KeptFiles("uploads", "rosters")
sweep = ROSTERS.sweep
folder = ROSTERS.folder


def _files(token: str) -> tuple[Path, Path] | None:
    data, name = ROSTERS.path("", token, ".csv"), ROSTERS.path("", token, ".name")
    return None if data is None or name is None else (data, name)


def keep(table: bytes, filename: str) -> str:
    """Keep a previewed table; returns the token the confirmation sends back."""
    token = kept_files.new_token()
    data, name = _files(token)  # type: ignore[misc]
    data.write_bytes(table)
    name.write_text(filename[:200], encoding="utf-8")
    return token


def load(token: str) -> tuple[bytes, str] | None:
    """(the kept table, the original file's name), or None when gone."""
    files = _files(token)
    if files is None or not files[0].exists():
        return None
    data, name = files
    filename = name.read_text(encoding="utf-8") if name.exists() else data.name
    return data.read_bytes(), filename


def forget(token: str) -> None:
    for path in _files(token) or ():
        path.unlink(missing_ok=True)
