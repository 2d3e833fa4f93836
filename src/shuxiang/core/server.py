"""The web server behind `shuxiang serve`.

waitress (pure Python, threads, runs on Windows too) answers the requests. Python runs
one thread at a time per process, so on Linux the server forks one process per core,
all accepting on one listening socket, and a two-core school PC uses both cores.

Desks, kiosks and the OPAC hold their connections open (keep-alive), so whichever
process accepts a connection serves that desk for as long as it stays open. Left to
chance, three of four desks can land on one process while the other idles, and that
process's desks wait on each other. So each process accepts only while it holds no more
connections than the least busy of its siblings (`FairShareServer`); the counts live in
a small shared memory block, and the least busy process is always listening.

On SQLite the server also checkpoints the WAL from a thread of its own (core/sqlite), so
that no request waits for those fsyncs; another thread runs the daily jobs
(core/housekeeping), so a school needs no cron.
"""

from __future__ import annotations

import mmap
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

from django.db import connections
from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from shuxiang.core import housekeeping

CHANNEL_TIMEOUT = 60  # seconds an idle keep-alive connection stays open

# Protocol servers that `shuxiang serve` can run beside the web (`--sip2-port`), so a
# school runs one program. A higher app registers a factory from its AppConfig.ready():
# factory(host, port) binds and returns an object with serve_forever() and socket.
_protocol_servers: dict[str, Callable[[str, int], Any]] = {}


def register_protocol_server(name: str, factory: Callable[[str, int], Any]) -> None:
    _protocol_servers[name] = factory


def protocol_server(name: str, host: str, port: int) -> Any:
    """Bind the registered protocol server `name` (raises KeyError if no app gave one,
    OSError if the port is taken)."""
    return _protocol_servers[name](host, port)


def _start_protocol_servers(servers: list[Any]) -> None:
    import threading

    for side in servers:
        threading.Thread(target=side.serve_forever, name="protocol", daemon=True).start()


class FairShareServer(TcpWSGIServer):
    """A waitress server that is one of several processes on one socket: it listens
    for new connections only while it has no more open than any sibling."""

    def __init__(self, *args: Any, counts: memoryview, slot: int, **kwargs: Any) -> None:
        self.counts = counts
        self.slot = slot
        super().__init__(*args, **kwargs)

    def readable(self) -> bool:
        # Asked on every turn of the server's loop, so the published count is fresh.
        mine = len(self.active_channels)
        self.counts[self.slot] = mine
        return bool(super().readable()) and mine <= min(self.counts)


def _make_server(application: Any, listener: socket.socket, threads: int, **fair: Any) -> Any:
    adj = Adjustments(
        sockets=[listener], threads=threads, ident="shuxiang", channel_timeout=CHANNEL_TIMEOUT
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    sockinfo = (listener.family, listener.type, listener.proto, listener.getsockname())
    server_class: Any = FairShareServer if fair else TcpWSGIServer
    return server_class(
        application,
        {},
        True,
        listener,
        dispatcher=dispatcher,
        adj=adj,
        bind_socket=False,
        sockinfo=sockinfo,
        **fair,
    )


class _Checkpointer:
    """WAL checkpoints out of the requests, on SQLite (see core/sqlite)."""

    def __init__(self) -> None:
        db = connections["default"]
        self.path = str(db.settings_dict["NAME"]) if db.vendor == "sqlite" else ""
        if self.path:
            from shuxiang.core.sqlite import base

            # For every connection of the server's (children inherit it): none made
            # before (by start-up checks, say) may stay open.
            base.prepare_background_checkpoints()
        connections.close_all()  # no database connection may cross a fork

    def start(self) -> None:
        if self.path:
            from shuxiang.core.sqlite import base

            base.checkpoint_in_background(self.path)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    return listener


def run(
    application: Callable[..., Any],
    listener: socket.socket,
    *,
    threads: int,
    processes: int,
    protocol_servers: list[Any] | None = None,
) -> None:
    """Serve until SIGTERM or Ctrl+C; with processes > 1 (Linux), from forked workers.
    Protocol servers (SIP2), already bound, answer from threads of the first process."""
    protocol_servers = protocol_servers or []
    checkpoints = _Checkpointer()
    if processes <= 1 or not hasattr(os, "fork"):
        checkpoints.start()
        housekeeping.run_in_background()
        _start_protocol_servers(protocol_servers)
        _make_server(application, listener, threads).run()
        return
    shared = mmap.mmap(-1, 8 * processes)
    counts = memoryview(shared).cast("q")
    children = []
    for slot in range(processes):
        pid = os.fork()
        if pid == 0:
            for side in protocol_servers:
                side.socket.close()  # the parent answers the kiosks
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _make_server(application, listener, threads, counts=counts, slot=slot).run()
            finally:
                os._exit(0)
        children.append(pid)
    # Started after the forks: a thread inside SQLite must not be copied into a child.
    checkpoints.start()
    housekeeping.run_in_background()
    _start_protocol_servers(protocol_servers)

    def stop(_signum: int, _frame: Any) -> None:
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for child in children:
            try:
                os.waitpid(child, 0)
            except ChildProcessError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        if pid in children:
            # A worker died unexpectedly: stop the rest rather than serve half-alive.
            children.remove(pid)
            stop(signal.SIGTERM, None)
