"""How the server shares one SQLite file between desks: writers queue on a lock file,
WAL checkpoints run outside the requests, and connections are spread over the worker
processes (core/sqlite, core/server)."""

from __future__ import annotations

import mmap
import socket
import sqlite3
import threading
import time

import pytest
from django.db import connections
from django.db.utils import OperationalError

from shuxiang.core import server
from shuxiang.core.sqlite import base

pytestmark = pytest.mark.skipif(
    connections["default"].vendor != "sqlite", reason="SQLite's own machinery"
)


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker):
    """These tests open SQLite files of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path, alias="other"):
    settings = {**connections["default"].settings_dict, "NAME": str(path)}
    wrapper = base.DatabaseWrapper(settings, alias=alias)
    wrapper.ensure_connection()
    return wrapper


def test_a_second_writer_waits_for_the_first_and_then_goes_at_once(tmp_path):
    path = tmp_path / "desk.sqlite3"
    first, second = _wrapper(path, "first"), _wrapper(path, "second")
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE loans (item TEXT UNIQUE)")
    first._start_transaction_under_autocommit()
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO loans VALUES ('B001')")
    waited: list[float] = []

    def other_desk() -> None:
        second.inc_thread_sharing()
        start = time.monotonic()
        second._start_transaction_under_autocommit()
        waited.append(time.monotonic() - start)
        with second.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM loans")
            waited.append(cursor.fetchone()[0])
        second.commit()

    desk = threading.Thread(target=other_desk)
    desk.start()
    time.sleep(0.3)
    assert desk.is_alive(), "the second desk must wait while the first holds the lock"
    first.commit()
    desk.join(5)
    seconds, rows_seen = waited
    assert 0.25 <= seconds < 1.0
    assert rows_seen == 1  # it began after the first commit, so it sees that loan
    first.close()
    second.dec_thread_sharing()
    second.close()


def test_a_writer_gives_up_like_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "WAIT_SECONDS", 0.2)
    path = tmp_path / "desk.sqlite3"
    first, second = _wrapper(path, "first"), _wrapper(path, "second")
    first._start_transaction_under_autocommit()
    with pytest.raises(OperationalError, match="database is locked"):
        second._start_transaction_under_autocommit()
    first.commit()
    second._start_transaction_under_autocommit()  # free again
    second.commit()
    first.close()
    second.close()


def test_a_rolled_back_or_closed_transaction_frees_the_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "WAIT_SECONDS", 0.2)
    path = tmp_path / "desk.sqlite3"
    first, second = _wrapper(path, "first"), _wrapper(path, "second")
    first._start_transaction_under_autocommit()
    first.rollback()
    second._start_transaction_under_autocommit()
    second.commit()
    first._start_transaction_under_autocommit()
    first.close()  # a worker that dies mid-transaction
    second._start_transaction_under_autocommit()
    second.commit()
    second.close()


def test_the_server_checkpoints_while_requests_do_not(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "_background_checkpoints", False)
    path = tmp_path / "school.sqlite3"
    stop = threading.Event()
    base.prepare_background_checkpoints()
    desk = _wrapper(path)
    with desk.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == base.FALLBACK_AUTOCHECKPOINT
        cursor.execute("CREATE TABLE t (x TEXT)")
        for n in range(3000):
            cursor.execute("INSERT INTO t VALUES (%s)", ["书" * 40 + str(n)])
    # Nothing of it is in the database file yet: it is all in the write-ahead log.
    assert path.stat().st_size < 100_000
    base.checkpoint_in_background(str(path), interval=0.05, stop=stop)
    deadline = time.monotonic() + 10
    while path.stat().st_size < 300_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    assert path.stat().st_size >= 300_000
    check = sqlite3.connect(path)
    assert check.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 3000
    check.close()
    desk.close()


def test_each_worker_listens_only_while_it_is_among_the_least_busy():
    listener = server.listen("127.0.0.1", 0)
    counts = memoryview(mmap.mmap(-1, 16)).cast("q")
    worker = server._make_server(lambda environ, start: [], listener, 1, counts=counts, slot=0)
    try:
        assert worker.readable()  # both idle
        worker.active_channels[1] = object()
        counts[1] = 0
        assert not worker.readable()  # one desk here, none there: the sibling takes the next
        assert counts[0] == 1  # what the sibling sees of this worker
        counts[1] = 1
        assert worker.readable()
        worker.active_channels[2] = object()
        assert not worker.readable()
        counts[1] = 3
        assert worker.readable()
    finally:
        worker.active_channels.clear()
        worker.task_dispatcher.shutdown()
        worker.close()
        listener.close()


def test_serve_spreads_desks_over_its_processes(tmp_path):
    """Four desks connecting to `shuxiang serve --processes 2` are served two by two,
    whichever process happens to wake up first for each."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    if not hasattr(os, "fork"):
        pytest.skip("one process on Windows")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SHUXIANG_VAR_DIR": str(tmp_path)}
    env.pop("SHUXIANG_DB_URL", None)
    exe = Path(sys.executable).parent / "shuxiang"
    subprocess.run([str(exe), "setup"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--processes", "2", "--threads", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        time.sleep(0.5)  # the probe connection above is closed and forgotten
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 2
        desks = []
        for _ in range(4):  # one desk after another opens its connection and scans
            desk = socket.create_connection(("127.0.0.1", port))
            desk.sendall(b"GET /staff/login/ HTTP/1.1\r\nHost: x\r\n\r\n")
            assert desk.recv(100).startswith(b"HTTP/1.1")
            desks.append(desk)
            time.sleep(0.2)

        def open_sockets(pid: str) -> int:
            fds = Path(f"/proc/{pid}/fd")
            inodes = {os.readlink(fds / fd) for fd in os.listdir(fds)}
            return sum(1 for target in inodes if target.startswith("socket:"))

        served = sorted(open_sockets(pid) for pid in children)
        # Each process has its listener, its trigger pair and its desks' sockets: the
        # same number in both when the four desks are split two and two.
        assert served[0] == served[1]
        for desk in desks:
            desk.close()
    finally:
        proc.terminate()
        proc.wait(20)
