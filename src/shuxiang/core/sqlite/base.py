"""Django's SQLite backend, with writers queued on a lock file instead of in SQLite.

Every transaction takes SQLite's write lock at BEGIN IMMEDIATE (see settings). When
another process holds it, SQLite's busy handler sleeps 1, 2, 5, 10, 15 ms ... and tries
again, so with a few desks and a kiosk lending at once a waiting desk mostly sleeps
after the lock has come free, and the server lends far fewer books per second than it
could. Here a transaction first takes an exclusive `flock` on a file beside the
database (one per connection, so threads and processes queue alike), and only then
says BEGIN: the writers line up on the file, and the next one goes the moment the
last one commits. Programs that don't know the file (the sqlite3 shell, a backup)
still meet SQLite's own lock and busy timeout, as before.

A server also moves WAL checkpoints out of the requests (`checkpoint_in_background`):
SQLite otherwise checkpoints in whichever commit fills the log past 1,000 pages, and
that commit waits for two fsyncs, which on a small PC's disk cost 20 to 100 ms (the
desk's slowest scans) and about 2 ms per check-out on average.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

try:
    import fcntl
except ImportError:  # Windows: the writers queue in SQLite's busy handler, as before
    fcntl = None  # type: ignore[assignment]

# How long a transaction waits for the writers ahead of it, like busy_timeout.
WAIT_SECONDS = 30.0
# Between two tries: short, so the lock changes hands within a fraction of a check-out.
POLL_SECONDS = 0.0002
# With checkpoints in the background, a commit still checkpoints once the log passes
# this many pages (about 40 MB): a safety net should the checkpointer ever stop.
FALLBACK_AUTOCHECKPOINT = 10_000
# Set by `prepare_background_checkpoints` before the server's connections are made.
_background_checkpoints = False


def prepare_background_checkpoints() -> None:
    """Connections made from now on, in this process and the children it forks, leave
    checkpoints to `checkpoint_in_background`."""
    global _background_checkpoints
    _background_checkpoints = True


def checkpoint_in_background(
    path: str, interval: float = 1.0, stop: threading.Event | None = None
) -> threading.Thread:
    """Checkpoint the database at `path` every `interval` seconds from a daemon thread
    (until `stop` is set). A PASSIVE checkpoint never waits for readers or writers. The
    server calls `prepare_background_checkpoints` first, before its connections exist."""
    stop = stop or threading.Event()

    def run() -> None:
        conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        try:
            while not stop.wait(interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:
                    continue  # busy or briefly unreadable: the next round will do
        finally:
            conn.close()

    thread = threading.Thread(target=run, name="sqlite-checkpoint", daemon=True)
    thread.start()
    return thread


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_held = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        if _background_checkpoints:
            conn.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_AUTOCHECKPOINT}")
        return conn

    def _lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if fcntl is None or self.is_in_memory_db() or name.startswith("file:"):
            return None
        return name + "-writer.lock"

    def _writer_acquire(self) -> None:
        if self._writer_held:
            return
        if self._writer_fd is None:
            path = self._lock_path()
            if path is None:
                return
            self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + WAIT_SECONDS
        pause = POLL_SECONDS
        while True:
            try:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.0005)
                continue
            self._writer_held = True
            return

    def _writer_release(self) -> None:
        if self._writer_held and self._writer_fd is not None:
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
        self._writer_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._writer_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writer_release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._writer_release()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._writer_release()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._writer_release()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None
