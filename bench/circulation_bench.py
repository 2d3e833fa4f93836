"""Circulation benchmark: HTTP check-out and check-in at large-school size on SQLite.

A fresh database under a temporary folder gets a large school (3,000 readers, 150,000
items, 1,000,000 historic loans at --scale 1; bulk inserts straight into SQLite), then
`shuxiang serve` answers real HTTP over keep-alive connections:

  * one client: median and p99 of POST /api/v1/circulation/checkout and /checkin;
  * four clients at once: sustained check-outs per second;
  * the floor measured in the same run: GET /api/v1/items/{barcode} (token check, one
    lookup, JSON), so each figure can be read against the framework's own cost;
  * a cProfile of in-process check-outs (Django test client) with the query count;
  * the two hand-written parts beside what they replace (DESIGN rule 9), in the same run:
    the writer queue (`core/sqlite`) against Django's own SQLite backend with the same
    IMMEDIATE/WAL settings, four clients lending at once; and the loan and audit INSERTs
    made once per process (`core/rows.py`) against `Model.objects.create`.

Goals (issue 3): check-out median ≤ 8 ms, check-in median ≤ 6 ms, ≥ 200 check-outs/s.
This prints figures; it is not a timed test.

    python bench/circulation_bench.py            # large school
    python bench/circulation_bench.py --scale 0.1
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from circulation_data import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "shuxiang"
GOALS = {"checkout_median_ms": 8.0, "checkin_median_ms": 6.0, "checkouts_per_s": 200.0}


def run(var: Path, *args: str) -> str:
    env = _env(var)
    result = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"shuxiang {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def _env(var: Path, settings_module: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_DB_URL")}
    env["SHUXIANG_VAR_DIR"] = str(var)
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(var), env.get("PYTHONPATH")]))
    return env


# The baseline of the writer queue: the project's settings with Django's own SQLite
# backend. Same IMMEDIATE transactions, WAL, synchronous=NORMAL and busy timeout; the
# same checkpoint threshold as the server's connections (checkpoints run beside the
# requests either way), so only the queue differs.
BASELINE_SETTINGS = """
from shuxiang.settings import *  # noqa: F403

DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"  # noqa: F405
DATABASES["default"]["OPTIONS"]["init_command"] += "PRAGMA wal_autocheckpoint=10000;"  # noqa: F405
"""


def baseline_settings(var: Path) -> str:
    name = "bench_django_sqlite_settings"
    (var / f"{name}.py").write_text(BASELINE_SETTINGS, encoding="utf-8")
    return name


class Client:
    """One keep-alive HTTP connection, as a desk PC holds one."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        data = json.dumps(body).encode()
        start = time.perf_counter()
        self.conn.request("POST", path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        return response.status, json.loads(payload), elapsed

    def get(self, path: str) -> tuple[int, float]:
        start = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def serve(
    var: Path, port: int, threads: int, processes: int, settings_module: str | None = None
) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(BIN),
            "serve",
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--processes",
            str(processes),
        ],
        env=_env(var, settings_module),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/staff/login/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("shuxiang serve did not start")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line(
    label: str,
    value: float,
    unit: str,
    goal: float | None = None,
    floor: float | None = None,
    higher_better: bool = False,
) -> None:
    text = f"  {label:<34} {value:9.2f} {unit:<6}"
    if floor is not None:
        text += f"  (floor {floor:.2f} {unit}, ×{value / floor:.1f})" if floor else ""
    if goal is not None:
        met = value >= goal if higher_better else value <= goal
        text += (
            f"  goal {'≥' if higher_better else '≤'} {goal:g} {unit}: {'met' if met else 'MISSED'}"
        )
    print(text, flush=True)


def server_cpu_ms(pid: int) -> float | None:
    """CPU time the server and its worker processes have used (Linux), to tell its own
    cost from waiting for a busy machine."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    total = 0.0
    for each in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") * 1000
    return total


def single_client(port: int, token: str, cards: list[str], barcodes: list[str], pid: int) -> dict:
    client = Client(port, token)
    cpu: dict[str, float] = {}
    # Warm up the server's caches and connections, and SQLite's page cache for these
    # copies, which the check-outs would otherwise find warmer than the floor did.
    for barcode in barcodes:
        client.get(f"/api/v1/items/{barcode}")
    floor = []
    for barcode in barcodes:
        status, elapsed = client.get(f"/api/v1/items/{barcode}")
        assert status == 200, status
        floor.append(elapsed)
    checkout, checkin = [], []
    start = server_cpu_ms(pid)
    for i, barcode in enumerate(barcodes):
        status, body, elapsed = client.post(
            "/api/v1/circulation/checkout", {"patron": cards[i % len(cards)], "item": barcode}
        )
        if status != 201:
            raise SystemExit(f"checkout failed: {status} {body}")
        checkout.append(elapsed)
    middle = server_cpu_ms(pid)
    for barcode in barcodes:
        status, body, elapsed = client.post("/api/v1/circulation/checkin", {"item": barcode})
        if status != 200:
            raise SystemExit(f"checkin failed: {status} {body}")
        checkin.append(elapsed)
    end = server_cpu_ms(pid)
    if start is not None and middle is not None and end is not None:
        cpu = {
            "checkout": (middle - start) / len(barcodes),
            "checkin": (end - middle) / len(barcodes),
        }
    return {"floor": floor, "checkout": checkout, "checkin": checkin, "cpu": cpu}


def concurrent(
    port: int, token: str, cards: list[str], barcodes: list[str], clients: int, seconds: float
) -> tuple[int, float, list[str], list[str]]:
    """Each client lends its own share of items until time runs out. Returns the
    check-outs, the seconds, the refusals and the barcodes lent."""
    done = [0] * clients
    errors: list[str] = []
    lent: list[str] = []
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(clients + 1)

    def worker(n: int) -> None:
        client = Client(port, token)
        mine = barcodes[n::clients]
        readers = cards[n::clients]
        client.get(f"/api/v1/items/{mine[-1]}")  # connected, token and caches warm
        barrier.wait()
        for i, barcode in enumerate(mine):
            if time.perf_counter() >= stop:
                break
            status, body, _elapsed = client.post(
                "/api/v1/circulation/checkout",
                {"patron": readers[i % len(readers)], "item": barcode},
            )
            if status == 201:
                done[n] += 1
                lent.append(barcode)
            else:
                errors.append(f"{status} {body.get('code')}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return sum(done), time.perf_counter() - start, errors, lent


def checkin_all(port: int, token: str, barcodes: list[str], clients: int) -> None:
    """Take these items back (so their readers may borrow again), several clients at once."""

    def worker(n: int) -> None:
        client = Client(port, token)
        for barcode in barcodes[n::clients]:
            status, body, _elapsed = client.post("/api/v1/circulation/checkin", {"item": barcode})
            if status != 200:
                raise SystemExit(f"checkin failed: {status} {body}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def django_setup(var: Path) -> None:
    """Django in this process, on the benchmark's database (with the project's backend)."""
    os.environ["SHUXIANG_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()


def profile(var: Path, token: str, cards: list[str], barcodes: list[str]) -> None:
    """Where a check-out's time goes, in-process (no HTTP server), and its queries."""
    django_setup(var)
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def checkout(card: str, barcode: str) -> None:
        r = client.post(
            "/api/v1/circulation/checkout",
            {"patron": card, "item": barcode},
            content_type="application/json",
            **headers,
        )
        assert r.status_code == 201, r.content

    def checkin(barcode: str) -> None:
        r = client.post(
            "/api/v1/circulation/checkin",
            {"item": barcode},
            content_type="application/json",
            **headers,
        )
        assert r.status_code == 200, r.content

    checkout(cards[0], barcodes[0])
    with CaptureQueriesContext(connection) as queries:
        checkout(cards[1], barcodes[1])
    print(
        f"\n  queries per check-out: {len(queries.captured_queries)} (transaction control included)"
    )
    for q in queries.captured_queries:
        print("    " + q["sql"][:110])
    with CaptureQueriesContext(connection) as queries:
        checkin(barcodes[1])
    print(f"  queries per check-in:  {len(queries.captured_queries)}")
    checkin(barcodes[0])

    profiler = cProfile.Profile()
    profiler.enable()
    for i, barcode in enumerate(barcodes[2:]):
        checkout(cards[(i + 2) % len(cards)], barcode)
    for barcode in barcodes[2:]:
        checkin(barcode)
    profiler.disable()
    stats = pstats.Stats(profiler)

    def cumulative(path_part: str, name: str) -> float:
        """Time in `name` of a file whose path ends with (or, for a package of modules,
        contains) `path_part`."""
        return sum(
            value[3]
            for (path, _line, func), value in stats.stats.items()  # type: ignore[attr-defined]
            if (
                path.replace(os.sep, "/").endswith(path_part)
                or f"{path_part}/" in path.replace(os.sep, "/")
            )
            and func == name
        )

    total = cumulative("django/test/client.py", "request")
    n = len(barcodes) - 2
    # (label, seconds, how many calls it is spread over)
    rows = [
        (
            "token check (core token_authenticate)",
            cumulative("core/services", "token_authenticate"),
            2 * n,
        ),
        (
            "permission checks (core permissions.can)",
            cumulative("core/permissions.py", "can"),
            2 * n,
        ),
        (
            "check-out service (loan_checkout)",
            cumulative("circulation/services", "loan_checkout"),
            n,
        ),
        (
            "check-in service (loan_checkin)",
            cumulative("circulation/services", "loan_checkin"),
            n,
        ),
        (
            "  their scan-path reads (raw SQL)",
            cumulative("core/rows.py", "first"),
            2 * n,
        ),
        ("  their audit events (core audit.record)", cumulative("core/audit.py", "record"), 2 * n),
        (
            "  their COMMIT",
            cumulative("~", "<method 'commit' of 'sqlite3.Connection' objects>"),
            2 * n,
        ),
    ]
    print(f"\n  where the time goes: cProfile of {n} check-outs and {n} check-ins in-process")
    print("  (profiling slows Python several times over: read the shares, not the ms)")
    print(
        f"    {'a whole request (Django test client)':<46} {total / (2 * n) * 1000:7.2f} ms  100%"
    )
    for label, seconds, calls in rows:
        per = (
            "check-out"
            if "check-out" in label
            else "check-in"
            if "check-in" in label
            else "request"
        )
        share = seconds / total * 100
        print(f"    {label:<46} {seconds / calls * 1000:7.2f} ms  {share:3.0f}%  (per {per})")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    text = out.getvalue()
    print("\n  top functions by own time:")
    print("\n".join("    " + row for row in text[text.find("ncalls") :].splitlines()[:14]))


def rows_against_orm(var: Path, n: int) -> None:
    """The loan and audit INSERTs through `core.rows` (a statement made once per
    process) against `Model.objects.create`, in-process, inside one transaction that is
    rolled back (the database keeps nothing)."""
    django_setup(var)
    import datetime as dt

    from django.db import transaction

    from shuxiang.catalog.models import Item
    from shuxiang.circulation.models import Loan
    from shuxiang.core import clock, rows
    from shuxiang.core.models import AuditEvent
    from shuxiang.patrons.models import Patron

    item = Item.objects.select_related("library").order_by("id").first()
    patron = Patron.objects.filter(library=item.library).order_by("id").first()
    now = clock.now()

    def loan() -> dict:
        # Returned loans: any number of them may name the same copy.
        return {
            "library": item.library,
            "item": item,
            "patron": patron,
            "status": Loan.Status.RETURNED,
            "checked_out_at": now - dt.timedelta(days=7),
            "due_date": now.date(),
            "returned_at": now,
            "channel": "api",
            "checkin_channel": "api",
            "patron_category": patron.category,
            "class_name_at_loan": "",
        }

    def event() -> dict:
        return {
            "library_id": item.library_id,
            "at": clock.now(),
            "actor_name": "bench",
            "channel": "api",
            "action": "loan.checkout",
            "object_type": "circulation.loan",
            "object_id": "1",
            "object_repr": "bench",
            "before": None,
            "after": {"status": "on_loan", "due_date": "2026-12-01"},
        }

    ways = {
        ("loan", "core.rows.insert"): lambda: rows.insert(Loan(**loan())),
        ("loan", "Loan.objects.create"): lambda: Loan.objects.create(**loan()),
        ("audit event", "core.rows.insert"): lambda: rows.insert(AuditEvent(**event())),
        ("audit event", "AuditEvent.objects.create"): lambda: AuditEvent.objects.create(**event()),
    }
    took: dict[tuple[str, str], float] = {}

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            for _round in range(2):  # the first round warms up; the second is measured
                for key, way in ways.items():
                    start = time.perf_counter()
                    for _i in range(n):
                        way()
                    took[key] = (time.perf_counter() - start) / n * 1e6
            raise Undo
    except Undo:
        pass
    print(f"\n  INSERT made once per process (core/rows.py) against the ORM, {n} rows each:")
    for what in ("loan", "audit event"):
        mine, orm = [(way, us) for (w, way), us in took.items() if w == what]
        print(
            f"    {what + ' via ' + mine[0]:<46} {mine[1]:7.1f} µs"
            f"  ({orm[0]} {orm[1]:.1f} µs, ×{orm[1] / mine[1]:.1f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the large school (default 1)"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=500,
        help="check-outs (and check-ins) measured with one client",
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the concurrent run")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="server worker processes (default: one per core)",
    )
    parser.add_argument(
        "--keep", type=Path, help="use (and keep) this folder instead of a temporary one"
    )
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="skip Django's own SQLite backend and ORM INSERTs beside core/sqlite and core/rows",
    )
    parser.add_argument(
        "--rows", type=int, default=2000, help="INSERTs per way in the core/rows comparison"
    )
    args = parser.parse_args(argv)

    temp = None
    if args.keep:
        var = args.keep.resolve()
        var.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.TemporaryDirectory(prefix="shuxiang-circ-bench-")
        var = Path(temp.name)
    print(f"circulation benchmark, scale {args.scale:g}, folder {var}", flush=True)

    db = var / "shuxiang.sqlite3"
    if not db.exists() or not args.keep:
        t0 = time.perf_counter()
        run(var, "setup")
        run(var, "createuser", "bench", "--role", "librarian", "--password", "bench-secret")
        print(
            f"  setup (migrate, roles, rules)        {time.perf_counter() - t0:7.1f} s", flush=True
        )
        sizes = generate(db, scale=args.scale, progress=print)
    else:
        sizes = generate(db, scale=args.scale, progress=print, only_describe=True)
    token = run(var, "token", "create", "bench").splitlines()[-1].strip()

    cards = sizes["free_students"]
    free_items = sizes["free_items"]
    n = min(args.requests, len(free_items) // 3, len(cards))
    single_items = free_items[:n]
    # The profile's copies are kept aside; the two concurrent runs (the project's SQLite
    # backend, then Django's own) take every other one of the rest.
    profile_items = free_items[n:][-202:]
    rest = free_items[n:][:-202]
    concurrent_items, baseline_items = rest[::2], rest[1::2]

    port = free_port()
    server = serve(var, port, args.threads, args.processes)
    try:
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        result = single_client(port, token, cards, single_items, server.pid)
        print(
            f"\none client, {n} requests each (real HTTP, keep-alive, waitress {args.processes} × {args.threads} threads):"
        )
        floor = statistics.median(result["floor"]) * 1000
        line("GET item (floor) median", floor, "ms")
        line(
            "check-out median",
            statistics.median(result["checkout"]) * 1000,
            "ms",
            GOALS["checkout_median_ms"],
            floor,
        )
        line("check-out p99", percentile(result["checkout"], 99) * 1000, "ms")
        line(
            "check-in median",
            statistics.median(result["checkin"]) * 1000,
            "ms",
            GOALS["checkin_median_ms"],
            floor,
        )
        line("check-in p99", percentile(result["checkin"], 99) * 1000, "ms")
        for name, ms in result["cpu"].items():
            line(f"server CPU per {name}", ms, "ms")
        if load_before is not None:
            print(
                f"  (machine load average {load_before:.1f} on {os.cpu_count()} CPUs when the run began)"
            )

        done, elapsed, errors, lent = concurrent(
            port, token, cards, concurrent_items, args.clients, args.seconds
        )
        print(f"\n{args.clients} clients at once for {elapsed:.1f} s:")
        line(
            "check-outs per second",
            done / elapsed,
            "/s",
            GOALS["checkouts_per_s"],
            higher_better=True,
        )
        print(
            f"  check-outs {done}, refused or failed {len(errors)}{': ' + ', '.join(sorted(set(errors))[:5]) if errors else ''}"
        )
        if not args.no_baselines:
            checkin_all(port, token, lent, args.clients)  # the readers may borrow again
    finally:
        server.terminate()
        server.wait(timeout=20)

    if not args.no_baselines:
        writer_queue_baseline(var, token, cards, baseline_items, args, done / elapsed)

    if not args.no_profile and len(profile_items) == 202:
        profile(var, token, cards[::-1], profile_items)
    if not args.no_baselines:
        rows_against_orm(var, args.rows)
    if temp is not None:
        temp.cleanup()
    return 0


def writer_queue_baseline(
    var: Path, token: str, cards: list[str], barcodes: list[str], args: Any, ours: float
) -> None:
    """The same concurrent check-outs through Django's own SQLite backend: writers wait
    in SQLite's busy handler instead of queueing on core/sqlite's lock file."""
    port = free_port()
    server = serve(var, port, args.threads, args.processes, baseline_settings(var))
    try:
        done, elapsed, errors, _lent = concurrent(
            port, token, cards, barcodes, args.clients, args.seconds
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    rate = done / elapsed
    print(
        f"\n{args.clients} clients at once for {elapsed:.1f} s through Django's own SQLite backend"
        " (same IMMEDIATE/WAL settings, no writer queue):"
    )
    line("check-outs per second", rate, "/s", higher_better=True)
    print(
        f"  check-outs {done}, refused or failed {len(errors)}{': ' + ', '.join(sorted(set(errors))[:5]) if errors else ''}"
    )
    if rate:
        print(f"  the writer queue (core/sqlite): {ours:.1f} /s, ×{ours / rate:.2f} the baseline")


if __name__ == "__main__":
    raise SystemExit(main())
