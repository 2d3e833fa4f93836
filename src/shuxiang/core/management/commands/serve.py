import os
import signal
import socket
import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections


def _default_processes() -> int:
    # Python runs one request at a time per process (the GIL); a second process lets a
    # two-core school PC use both cores. Windows has no fork: threads only there.
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


class Command(BaseCommand):
    help = "Serve the site with waitress, a multi-threaded WSGI server that also runs on Windows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--threads", type=int, default=8, help="worker threads per process (default 8)"
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=_default_processes(),
            help="worker processes sharing the port (default: one per core, up to 4; always 1 on Windows)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from shuxiang.wsgi import application

        host, port = options["host"], options["port"]
        processes = options["processes"] if hasattr(os, "fork") else 1
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
        self.stdout.write(
            f"Shuxiang serving on http://{host}:{port}/  "
            f"({processes} process{'es' if processes > 1 else ''} × {options['threads']} threads; Ctrl+C to stop)"
        )
        self.stdout.flush()

        def run() -> None:
            serve(
                application,
                sockets=[listener],
                threads=options["threads"],
                ident="shuxiang",
                channel_timeout=60,
            )

        if processes <= 1:
            run()
            return
        # Pre-fork: every child accepts on the same listening socket. No database
        # connection may cross the fork.
        connections.close_all()
        children = []
        for _ in range(processes):
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                try:
                    run()
                finally:
                    os._exit(0)
            children.append(pid)

        def stop(signum: int, _frame: Any) -> None:
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
