"""What core/server.py relies on inside waitress, checked one by one.

`FairShareServer` subclasses waitress's `TcpWSGIServer` and `_make_server` builds it by
hand, so the server depends on parts of waitress that are not its public API (waitress
is pinned in constraints.txt for that reason). If an upgrade changes one of them, these
tests say which, and with which version, instead of the desks going quiet."""

from __future__ import annotations

import inspect
import mmap
import socket
import time
from importlib.metadata import version

import pytest
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from shuxiang.core import server

WAITRESS = version("waitress")


def broken(what: str) -> str:
    return (
        f"waitress {WAITRESS}: {what}. core/server.py relies on it (FairShareServer, "
        "_make_server); adapt the server to this version or keep the pin in constraints.txt."
    )


def test_the_server_constructor_takes_what_make_server_passes():
    # _make_server calls server_class(application, {}, True, listener, dispatcher=...,
    # adj=..., bind_socket=False, sockinfo=...): the first four by position.
    params = list(inspect.signature(BaseWSGIServer.__init__).parameters)
    assert params[:5] == ["self", "application", "map", "_start", "_sock"], broken(
        f"BaseWSGIServer.__init__ takes {params} (expected application, map, _start, _sock first)"
    )
    for name in ("dispatcher", "adj", "sockinfo", "bind_socket"):
        assert name in params, broken(f"BaseWSGIServer.__init__ has no keyword {name!r}")
    assert issubclass(TcpWSGIServer, BaseWSGIServer), broken("TcpWSGIServer is no BaseWSGIServer")


def test_adjustments_and_dispatcher_take_what_make_server_passes():
    listener = server.listen("127.0.0.1", 0)
    try:
        adj = Adjustments(sockets=[listener], threads=2, ident="shuxiang", channel_timeout=60)
    except (TypeError, ValueError) as error:
        pytest.fail(
            broken(f"Adjustments(sockets=, threads=, ident=, channel_timeout=) fails: {error}")
        )
    finally:
        listener.close()
    assert adj.threads == 2 and adj.channel_timeout == 60, broken(
        "Adjustments ignores threads or channel_timeout"
    )
    assert callable(getattr(ThreadedTaskDispatcher, "set_thread_count", None)), broken(
        "ThreadedTaskDispatcher.set_thread_count is gone"
    )
    assert callable(getattr(ThreadedTaskDispatcher, "shutdown", None)), broken(
        "ThreadedTaskDispatcher.shutdown is gone"
    )


def test_readable_is_the_loops_question_and_fair_share_overrides_it():
    # The event loop asks readable() of every dispatcher on every turn; FairShareServer
    # answers no while it holds more connections than a sibling.
    assert "readable" in vars(BaseWSGIServer), broken("BaseWSGIServer defines no readable()")
    assert list(inspect.signature(BaseWSGIServer.readable).parameters) == ["self"], broken(
        "BaseWSGIServer.readable() takes arguments"
    )
    source = inspect.getsource(wasyncore)
    assert ".readable()" in source, broken("wasyncore's loop no longer asks readable()")
    assert callable(getattr(BaseWSGIServer, "run", None)), broken("the server has no run()")


def test_open_connections_are_tracked_in_active_channels():
    """FairShareServer counts a worker's connections as len(self.active_channels): the
    channel adds itself on accept and removes itself on close."""
    assert "add_channel" in vars(HTTPChannel) and "del_channel" in vars(HTTPChannel), broken(
        "HTTPChannel no longer keeps server.active_channels in add_channel/del_channel"
    )
    listener = server.listen("127.0.0.1", 0)
    counts = memoryview(mmap.mmap(-1, 8)).cast("q")
    worker = server._make_server(lambda environ, start: [], listener, 1, counts=counts, slot=0)
    desk = None
    try:
        assert isinstance(getattr(worker, "active_channels", None), dict), broken(
            "the server has no dict active_channels"
        )
        assert worker.readable() is True, broken("an idle server's readable() is not True")
        desk = socket.create_connection(listener.getsockname()[:2], timeout=5)
        deadline = time.monotonic() + 5
        while not worker.active_channels and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=worker._map, count=1)
        assert len(worker.active_channels) == 1, broken(
            "an accepted connection does not appear in server.active_channels"
        )
        wasyncore.loop(timeout=0.05, map=worker._map, count=1)  # the next turn asks again
        assert counts[0] == 1, broken("readable() is not asked on every turn of the loop")
        desk.close()
        desk = None
        deadline = time.monotonic() + 5
        while worker.active_channels and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=worker._map, count=1)
        assert not worker.active_channels, broken(
            "a closed connection stays in server.active_channels"
        )
    finally:
        if desk is not None:
            desk.close()
        for channel in list(worker.active_channels.values()):
            channel.close()
        worker.task_dispatcher.shutdown()
        worker.close()
        listener.close()
