"""What the roster page keeps between the preview and the confirmation.

Only the columns the import uses (`roster.Roster.kept_csv`), never the upload itself with
its ID numbers, phones and addresses; and not for long: confirming or cancelling deletes
it, and the hourly housekeeping deletes anything older than KEEP_SECONDS."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings

KEEP_SECONDS = 3600


def folder() -> Path:
    path = Path(settings.VAR_DIR) / "uploads" / "rosters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_token(token: str) -> bool:
    return len(token) == 32 and all(c in "0123456789abcdef" for c in token)


def _files(token: str) -> tuple[Path, Path]:
    return folder() / f"{token}.csv", folder() / f"{token}.name"


def keep(table: bytes, filename: str) -> str:
    """Keep a previewed table; returns the token the confirmation sends back."""
    token = secrets.token_hex(16)
    data, name = _files(token)
    data.write_bytes(table)
    name.write_text(filename[:200], encoding="utf-8")
    return token


def load(token: str) -> tuple[bytes, str] | None:
    """(the kept table, the original file's name), or None when gone."""
    if not is_token(token):
        return None
    data, name = _files(token)
    if not data.exists():
        return None
    filename = name.read_text(encoding="utf-8") if name.exists() else data.name
    return data.read_bytes(), filename


def forget(token: str) -> None:
    if is_token(token):
        for path in _files(token):
            path.unlink(missing_ok=True)


def sweep() -> int:
    """Delete whatever was kept longer than KEEP_SECONDS; returns how many files went."""
    cutoff = time.time() - KEEP_SECONDS
    gone = 0
    for path in folder().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone
