"""SIP2 benchmark: check-out + check-in over SIP2 against the same through the services.

A fresh database gets a large school (bench/circulation_data.py: 3,000 readers, 150,000
items, 1,000,000 historic loans at --scale 1). Then, in the same run:

  * SIP2: `shuxiang sip2` in its own process, 20 kiosks (TCP connections, one thread
    each here) logged in, each lending a copy to its reader and taking it back, over and
    over for --seconds; sustained transactions per second (a check-out or a check-in is
    one transaction).
  * the floor: the same 20 threads calling `loan_checkout` / `loan_checkin` in one
    process, with the kiosk's actor (channel sip2), no protocol and no sockets.

The ratio of the two is what the protocol costs: framing, parsing, the reply's reads
(title, due date), a socket round trip and a second process. This prints figures; it is
not a timed test.

    python bench/sip2_bench.py                 # large school
    python bench/sip2_bench.py --scale 0.1 --seconds 5
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from circulation_data import generate  # noqa: E402

BIN = Path(sys.executable).parent / "shuxiang"
KIOSK, PASSWORD = "bench-kiosk", "bench-secret"
NOW = "20261102    120000"


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_DB_URL")}
    env["SHUXIANG_VAR_DIR"] = str(var)
    return env


def run(var: Path, *args: str) -> str:
    result = subprocess.run(
        [str(BIN), *args], env=_env(var), capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"shuxiang {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Kiosk:
    """A minimal SIP2 kiosk: one request, one CR-terminated answer."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def ask(self, text: str) -> str:
        self.sock.sendall(text.encode() + b"\r")
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        frame, _sep, self.buffer = self.buffer.partition(b"\r")
        return frame.decode()


def sip2_run(
    port: int, cards: list[str], pools: list[list[str]], seconds: float
) -> tuple[int, int]:
    counts = [0] * len(cards)
    refused = [0] * len(cards)
    barrier = threading.Barrier(len(cards) + 1)
    stop = threading.Event()

    def kiosk(n: int) -> None:
        k = Kiosk(port)
        assert k.ask(f"9300CN{KIOSK}|CO{PASSWORD}|") == "941"
        barrier.wait()
        i = 0
        while not stop.is_set():
            barcode = pools[n][i % len(pools[n])]
            i += 1
            out = k.ask(f"11YN{NOW}{' ' * 18}AOmain|AA{cards[n]}|AB{barcode}|")
            back = k.ask(f"09N{NOW}{NOW}APbench|AOmain|AB{barcode}|")
            counts[n] += 2
            if not out.startswith("121") or not back.startswith("101"):
                refused[n] += 1
        k.sock.close()

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(len(cards))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return int(sum(counts) / elapsed), sum(refused)


def services_run(
    var: Path, cards: list[str], pools: list[list[str]], seconds: float
) -> tuple[int, int]:
    os.environ["SHUXIANG_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    from django.db import connection

    from shuxiang.circulation import services
    from shuxiang.core.errors import DomainError
    from shuxiang.core.libraries import library_by_code
    from shuxiang.core.models import AuditEvent
    from shuxiang.sip2.session import KioskActor

    actor = KioskActor(
        library=library_by_code("main"), channel=AuditEvent.Channel.SIP2, kiosk=KIOSK
    )
    counts = [0] * len(cards)
    refused = [0] * len(cards)
    barrier = threading.Barrier(len(cards) + 1)
    stop = threading.Event()

    def desk(n: int) -> None:
        barrier.wait()
        i = 0
        try:
            while not stop.is_set():
                barcode = pools[n][i % len(pools[n])]
                i += 1
                try:
                    services.loan_checkout(actor=actor, card=cards[n], barcode=barcode)
                    services.loan_checkin(actor=actor, barcode=barcode)
                except DomainError:
                    refused[n] += 1
                counts[n] += 2
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(len(cards))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return int(sum(counts) / elapsed), sum(refused)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the large school")
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="shuxiang-sip2-bench-") as temp:
        var = Path(temp)
        print(f"SIP2 benchmark, scale {args.scale:g}, {args.kiosks} kiosks", flush=True)
        t0 = time.perf_counter()
        run(var, "setup")
        run(var, "createuser", KIOSK, "--role", "kiosk", "--password", PASSWORD)
        sizes = generate(var / "shuxiang.sqlite3", scale=args.scale, progress=print)
        print(f"  data set ready                      {time.perf_counter() - t0:7.1f} s")
        cards = sizes["free_students"][: 2 * args.kiosks]
        items = sizes["free_items"]
        per = min(50, len(items) // (2 * args.kiosks))
        pools = [items[n * per : (n + 1) * per] for n in range(2 * args.kiosks)]
        sip_cards, sip_pools = cards[: args.kiosks], pools[: args.kiosks]
        svc_cards, svc_pools = cards[args.kiosks :], pools[args.kiosks :]

        port = free_port()
        server = subprocess.Popen(
            [str(BIN), "sip2", "--port", str(port)],
            env=_env(var),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the SIP2 server did not start") from None
                    time.sleep(0.2)
            sip_rate, sip_refused = sip2_run(port, sip_cards, sip_pools, args.seconds)
        finally:
            server.terminate()
            server.wait(30)
        svc_rate, svc_refused = services_run(var, svc_cards, svc_pools, args.seconds)
        print(
            f"  SIP2, {args.kiosks} connections        {sip_rate:7d} transactions/s"
            f"  (refused {sip_refused})"
        )
        print(
            f"  services, {args.kiosks} threads         {svc_rate:7d} transactions/s"
            f"  (refused {svc_refused})"
        )
        print(f"  SIP2 / services                     {sip_rate / max(svc_rate, 1):7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
