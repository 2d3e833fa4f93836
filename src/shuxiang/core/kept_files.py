"""Files the server keeps for a short while for one person: a previewed roster until it is
confirmed, an import report until it is downloaded. Each is named by a random token
(and, where it belongs to a login, that login), lives in one folder under the var
directory, and goes after KEEP_SECONDS: `sweep` runs from the hourly housekeeping."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings

KEEP_SECONDS = 3600


def is_token(token: str) -> bool:
    return len(token) == 32 and all(c in "0123456789abcdef" for c in token)


def new_token() -> str:
    return secrets.token_hex(16)


class KeptFiles:
    def __init__(self, *parts: str) -> None:
        self.parts = parts  # the folder below the var directory

    def folder(self) -> Path:
        path = Path(settings.VAR_DIR).joinpath(*self.parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, name: str, token: str, suffix: str) -> Path | None:
        """Where `name`-`token` is kept; None for a token no one was given."""
        if not is_token(token):
            return None
        return self.folder() / f"{name}{token}{suffix}"

    def sweep(self) -> int:
        """Delete what was kept longer than KEEP_SECONDS; how many files went."""
        cutoff = time.time() - KEEP_SECONDS
        gone = 0
        for path in self.folder().iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                gone += 1
        return gone
