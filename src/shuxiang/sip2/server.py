"""The SIP2 server: a thread per kiosk connection, each with its own `Session`.

Threads rather than asyncio because every request calls the circulation services, which
are synchronous Django code with one database connection per thread; a school has a
handful of kiosks and gates, a district a few hundred. Writers still queue on the
database exactly as the desks do.

A connection is never dropped for what a kiosk sends: an unreadable frame gets a 96, a
refusal a "not OK" response. It ends when the kiosk closes it, after IDLE_TIMEOUT
seconds without a byte, or when a frame grows past the maximum message length without a
terminator (then nothing sensible can follow on that stream).
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from typing import Any

from django.db import close_old_connections, connection

from shuxiang.sip2 import codec
from shuxiang.sip2.session import Session

log = logging.getLogger("shuxiang.sip2")

IDLE_TIMEOUT = 600.0  # seconds; kiosks send a 99 every minute or so when idle


class _Handler(socketserver.BaseRequestHandler):
    server: Sip2Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(self.server.idle_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = Session(encoding=self.server.encoding)
        buffer = b""
        try:
            while True:
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    log.info("sip2: %s idle, closing", self.client_address)
                    return
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                frames, buffer = codec.split_frames(buffer)
                for frame in frames:
                    # A connection left broken by the last request (the database
                    # restarted) is replaced rather than failing every request after.
                    close_old_connections()
                    sock.sendall(session.handle_frame(frame))
                if len(buffer) > codec.MAX_MESSAGE:
                    log.warning(
                        "sip2: %s sent %d bytes without a terminator",
                        self.client_address,
                        len(buffer),
                    )
                    sock.sendall(codec.encode("96"))
                    return
        except OSError:
            return
        finally:
            connection.close()


class Sip2Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        *,
        encoding: str = "utf-8",
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.encoding = encoding
        self.idle_timeout = idle_timeout
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)


def start_in_background(host: str, port: int, **options: Any) -> Sip2Server:
    """Start a SIP2 server on a thread of its own (for `shuxiang serve --sip2-port`
    and tests); returns it, so that the caller can `shutdown()` it."""
    server = Sip2Server((host, port), **options)
    thread = threading.Thread(target=server.serve_forever, name="sip2", daemon=True)
    thread.start()
    return server
