"""Desk benchmark: the requests the desk page itself sends, beside the API, in one run.

A fresh database gets a large school (`circulation_data`: 3,000 readers, 150,000 items,
1,000,000 historic loans at --scale 1), then `shuxiang serve` (waitress, as a school
runs it) answers real HTTP over keep-alive connections. Each desk logs in as a browser
does (login form, session cookie, CSRF token), opens the desk page and then sends what
`circulation/static/circulation/desk.js` sends for a scan: a POST to the page's
`data-scan-url` with the body `code=…&scan_id=<uuid>&patron=<selected reader>` and the
headers of its `fetch` (X-CSRFToken from the page, X-Requested-With: fetch, the session
and CSRF cookies, Origin and Referer of the desk page).

A loan at the desk is what the lunchtime queue does: the reader's card is scanned, then
the book (then Esc, which sends nothing). A loan through the API is one POST
/api/v1/circulation/checkout. Printed, each beside the other:

  * one desk: p50 and p95 of the card scan and of the item scan (check-out), and of an
    item scan with no reader selected (check-in); one API client: check-out and
    check-in; the server's CPU per loan both ways;
  * four desks at once against four API clients at once: loans per second, and the
    ratio;
  * a cProfile of in-process desk scans (Django test client, logged in with CSRF
    checks on) with the queries of a card scan and of an item scan.

Goals (issue "Security and the desk you can trust"): card scan p50 ≤ 4 ms, item scan
p50 ≤ 4 ms, ≥ 250 loans/s with four desks. This prints figures; it is not a timed test.

    python bench/desk_bench.py             # large school
    python bench/desk_bench.py --scale 0.1 --requests 200 --seconds 5
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import os
import pstats
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from circulation_bench import (  # noqa: E402
    checkin_all,
    concurrent,
    django_setup,
    free_port,
    line,
    percentile,
    run,
    serve,
    server_cpu_ms,
    single_client,
)
from circulation_data import generate  # noqa: E402

GOALS = {"card_p50_ms": 4.0, "item_p50_ms": 4.0, "desk_loans_per_s": 250.0}
USER, PASSWORD = "desk", "desk-secret"
# What Debian's Chromium sends with the desk's fetch (besides cookies and the CSRF
# header); Django reads Origin (CSRF), Accept-Language (LocaleMiddleware) and the rest
# goes through the middleware like any header.
BROWSER_HEADERS = {
    "Accept": "*/*",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "gzip, deflate",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/138.0.0.0 Safari/537.36",
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Dest": "empty",
}


class Desk:
    """One desk PC: a keep-alive connection, a login session, the desk page's CSRF token."""

    def __init__(self, port: int, username: str = USER, password: str = PASSWORD) -> None:
        self.host = f"127.0.0.1:{port}"
        self.origin = f"http://{self.host}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.patron = ""  # the reader selected, as desk.js keeps it in state.patron
        # The reader panel on screen: its card and the loans listed on it (desk.js sends
        # them with each scan as `shown` and `shown_loans`).
        self.panel_card = ""
        self.panel_loans: list[str] = []
        login = self._request("GET", "/staff/login/")[1]
        token = _csrf_input(login)
        status, _body = self._request(
            "POST",
            "/staff/login/",
            urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token, "username": username, "password": password}
            ),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.origin + "/staff/login/",
                "Origin": self.origin,
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"desk login failed: {status}")
        page = self._request("GET", "/staff/circulation/")[1]
        self.scan_url = _data_attribute(page, "data-scan-url")
        # desk.js: csrf = desk.querySelector("input[name=csrfmiddlewaretoken]").value
        self.csrf = _csrf_input(page)
        self.scan_headers = {
            "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
            "X-CSRFToken": self.csrf,
            "X-Requested-With": "fetch",
            "Origin": self.origin,
            "Referer": self.origin + "/staff/circulation/",
        }

    def _request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, str]:
        all_headers = {**BROWSER_HEADERS, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body.encode() if body else None, headers=all_headers)
        response = self.conn.getresponse()
        payload = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Content-Encoding") == "gzip":
            import gzip

            payload = gzip.decompress(payload)
        return response.status, payload.decode()

    def scan(self, code: str) -> tuple[str, float]:
        """What desk.js sends when Enter follows a scanned code: the fields in its order
        (code, then the scan id send() adds, then what pump() adds: the reader selected
        and the panel shown)."""
        body = urllib.parse.urlencode(
            {
                "code": code,
                "scan_id": str(uuid.uuid4()),
                "patron": self.patron,
                "shown": self.panel_card,
                "shown_loans": ",".join(self.panel_loans),
            }
        )
        start = time.perf_counter()
        status, html = self._request("POST", self.scan_url, body, self.scan_headers)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise SystemExit(f"desk scan {code} failed: {status} {html[:300]}")
        # As desk.js's apply(): a reader selected, a panel shown whole or brought up to date.
        selected = _data_attribute(html, "data-patron", required=False)
        if selected:
            self.patron = selected
        if 'class="reader-panel"' in html:
            self.panel_card = _data_attribute(html, "data-card")
            self.panel_loans = re.findall(r'data-loan="(\d+)"', html)
        elif 'class="reader-update"' in html:
            self.panel_loans += re.findall(r'data-loan="(\d+)"', html)
        return html, elapsed

    def end_turn(self) -> None:
        """Esc: the reader's turn ends in the browser (no request)."""
        self.patron = ""
        self.panel_card = ""
        self.panel_loans = []

    def lend(self, card: str, barcode: str) -> tuple[float, float]:
        """A reader borrows a book: card, book, Esc. Returns both scans' times."""
        html, card_s = self.scan(card)
        if f'data-patron="{card}"' not in html:
            raise SystemExit(f"card {card} not selected: {_message(html)}")
        html, item_s = self.scan(barcode)
        if 'data-lent="1"' not in html:
            raise SystemExit(f"{barcode} not lent to {card}: {_message(html)}")
        self.end_turn()
        return card_s, item_s

    def give_back(self, barcode: str) -> float:
        html, elapsed = self.scan(barcode)
        if 'class="return-row"' not in html:
            raise SystemExit(f"{barcode} not returned: {_message(html)}")
        return elapsed


def _csrf_input(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found[1]


def _data_attribute(html: str, name: str, *, required: bool = True) -> str:
    found = re.search(rf'{name}="([^"]*)"', html)
    if found is None and required:
        raise SystemExit(f"no {name} on the page")
    return found[1] if found else ""


def _message(html: str) -> str:
    found = re.search(r'class="result-message">(.*?)</div>', html, re.S)
    return found[1] if found else html[:300]


def desk_single(
    port: int, cards: list[str], barcodes: list[str], pid: int
) -> dict[str, list[float] | float | None]:
    desk = Desk(port)
    # Warm the server (templates, caches) and SQLite's pages as the API run did.
    warm_cards, warm_items = cards[:5], barcodes[:5]
    for card, barcode in zip(warm_cards, warm_items, strict=True):
        desk.lend(card, barcode)
    for barcode in warm_items:
        desk.give_back(barcode)
    # The floor of every desk request: the desk's own GET ping (session, login, nothing
    # read), as the API's floor is a GET of one copy.
    floor = []
    for _i in range(len(barcodes)):
        start = time.perf_counter()
        status, _body = desk._request("GET", "/staff/circulation/ping")
        floor.append(time.perf_counter() - start)
        assert status == 204, status
    card_times, item_times, back_times = [], [], []
    start = server_cpu_ms(pid)
    for i, barcode in enumerate(barcodes):
        card_s, item_s = desk.lend(cards[i % len(cards)], barcode)
        card_times.append(card_s)
        item_times.append(item_s)
    middle = server_cpu_ms(pid)
    for barcode in barcodes:
        back_times.append(desk.give_back(barcode))
    end = server_cpu_ms(pid)
    cpu_loan = cpu_back = None
    if start is not None and middle is not None and end is not None:
        cpu_loan = (middle - start) / len(barcodes)
        cpu_back = (end - middle) / len(barcodes)
    return {
        "floor": floor,
        "card": card_times,
        "item": item_times,
        "back": back_times,
        "cpu_loan": cpu_loan,
        "cpu_back": cpu_back,
    }


def api_single(
    port: int, token: str, cards: list[str], barcodes: list[str], pid: int
) -> dict[str, list[float] | float | None]:
    """The API path, measured as the circulation bench measures it, in the desk's shape."""
    result = single_client(port, token, cards, barcodes, pid)
    cpu = result["cpu"]
    return {
        "floor": result["floor"],
        "checkout": result["checkout"],
        "checkin": result["checkin"],
        "cpu_loan": cpu.get("checkout"),
        "cpu_back": cpu.get("checkin"),
    }


def desks_concurrent(
    port: int, cards: list[str], barcodes: list[str], desks: int, seconds: float
) -> tuple[int, float, list[str], list[str]]:
    """Each desk lends its own share of items (card, book, Esc) until time runs out.
    Returns the loans, the seconds, the failures and the barcodes lent."""
    done = [0] * desks
    errors: list[str] = []
    lent: list[str] = []
    clock = {"start": 0.0, "stop": 0.0}

    def go() -> None:  # run by one thread once every desk is logged in and warm
        clock["start"] = time.perf_counter()
        clock["stop"] = clock["start"] + seconds

    barrier = threading.Barrier(desks + 1, action=go)

    def worker(n: int) -> None:
        try:
            desk = Desk(port)
        except BaseException as exc:  # noqa: BLE001 - reported, and the barrier still met
            errors.append(f"login: {exc}")
            barrier.wait()
            return
        mine = barcodes[n::desks]
        readers = cards[n::desks]
        desk.scan(readers[-1])  # connected, session and caches warm
        desk.end_turn()
        barrier.wait()
        for i, barcode in enumerate(mine):
            if time.perf_counter() >= clock["stop"]:
                break
            try:
                desk.lend(readers[i % len(readers)], barcode)
            except SystemExit as exc:
                errors.append(str(exc)[:80])
                desk.end_turn()
                continue
            done[n] += 1
            lent.append(barcode)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(desks)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join()
    return sum(done), time.perf_counter() - clock["start"], errors, lent


def profile(var: Path, cards: list[str], barcodes: list[str]) -> None:
    """Where a desk scan's time goes, in-process (no HTTP server), and its queries."""
    django_setup(var)
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = client.get("/staff/login/").content.decode()
    r = client.post(
        "/staff/login/",
        {"csrfmiddlewaretoken": _csrf_input(page), "username": USER, "password": PASSWORD},
    )
    assert r.status_code == 302, r.status_code
    csrf = _csrf_input(client.get("/staff/circulation/").content.decode())
    headers = {"HTTP_X_CSRFTOKEN": csrf, "HTTP_X_REQUESTED_WITH": "fetch"}

    def scan(code: str, patron: str, expect: str, shown: str = "", loans: str = "") -> str:
        r = client.post(
            "/staff/circulation/scan",
            urllib.parse.urlencode(
                {
                    "code": code,
                    "scan_id": str(uuid.uuid4()),
                    "patron": patron,
                    "shown": shown,
                    "shown_loans": loans,
                }
            ),
            content_type="application/x-www-form-urlencoded;charset=UTF-8",
            **headers,
        )
        html = r.content.decode()
        assert r.status_code == 200 and expect in html, html[:500]
        return html

    def lend(card: str, barcode: str) -> None:
        html = scan(card, "", f'data-patron="{card}"')
        loans = ",".join(re.findall(r'data-loan="(\d+)"', html))
        scan(barcode, card, 'data-lent="1"', card, loans)

    lend(cards[0], barcodes[0])
    scan(barcodes[0], "", 'class="return-row"')
    for label, code, patron, expect, shown in [
        ("card scan", cards[1], "", f'data-patron="{cards[1]}"', ""),
        ("item scan (check-out)", barcodes[1], cards[1], 'data-lent="1"', cards[1]),
        ("item scan (check-in)", barcodes[1], "", 'class="return-row"', ""),
    ]:
        with CaptureQueriesContext(connection) as queries:
            scan(code, patron, expect, shown)
        print(f"\n  queries per {label}: {len(queries.captured_queries)}")
        for q in queries.captured_queries:
            print("    " + q["sql"][:110])

    n = len(barcodes) - 2
    profiler = cProfile.Profile()
    profiler.enable()
    for i, barcode in enumerate(barcodes[2:]):
        lend(cards[(i + 2) % len(cards)], barcode)
    profiler.disable()
    for barcode in barcodes[2:]:
        scan(barcode, "", 'class="return-row"')
    stats = pstats.Stats(profiler)

    def cumulative(path_part: str, name: str) -> float:
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
    rows: list[tuple[str, Callable[[], float]]] = [
        ("scan view (circulation desk.scan)", lambda: cumulative("circulation/desk.py", "scan")),
        (
            "  check-out service (loan_checkout)",
            lambda: cumulative("circulation/services", "loan_checkout"),
        ),
        (
            "  reader's panel read (selectors.desk_reader)",
            lambda: (
                cumulative("circulation/selectors.py", "desk_reader")
                + cumulative("circulation/selectors.py", "patron_summary")
            ),
        ),
        (
            "  the scan's answer (circulation/scan_answer.py)",
            lambda: cumulative("circulation/scan_answer.py", "answer"),
        ),
        (
            "session and login (auth get_user)",
            lambda: cumulative("django/contrib/auth/__init__.py", "get_user"),
        ),
    ]
    print(f"\n  where the time goes: cProfile of {n} desk loans (card + book) in-process")
    print("  (profiling slows Python several times over: read the shares, not the ms)")
    print(f"    {'a scan request (Django test client)':<46} {total / (2 * n) * 1000:7.2f} ms  100%")
    for label, seconds in rows:
        value = seconds()
        print(f"    {label:<46} {value / (2 * n) * 1000:7.2f} ms  {value / total * 100:3.0f}%")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    text = out.getvalue()
    print("\n  top functions by own time:")
    print("\n".join("    " + row for row in text[text.find("ncalls") :].splitlines()[:14]))


def reads_against_orm(var: Path, card: str, n: int) -> None:
    """The reads every desk scan makes, as prepared statements (DESIGN rule 9), beside
    the ORM queries they replace, in-process: the session, the session's user and the
    login's library (core), and the reader's panel (circulation)."""
    django_setup(var)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
    from django.contrib.sessions.models import Session

    from shuxiang.circulation.selectors import desk_reader, patron_for_scan, patron_summary
    from shuxiang.core import clock
    from shuxiang.core.auth_backend import CachedModelBackend
    from shuxiang.core.libraries import library_of_user
    from shuxiang.core.sessions import SessionStore

    user = get_user_model().objects.get(username=USER)
    key = Session.objects.order_by("-expire_date").values_list("session_key", flat=True).first()
    library = library_of_user(user)
    patron = patron_for_scan(library.pk, card)
    today = clock.today()

    def orm_library() -> object:
        # What library_of_user did: the login's membership, then its library.
        fresh = type(user)(pk=user.pk)
        return fresh.membership.library

    ways = [
        ("session", "prepared", lambda: SessionStore(key).load()),
        ("session", "Django's db sessions", lambda: DjangoSessionStore(key).load()),
        ("user", "prepared", lambda: CachedModelBackend().get_user(str(user.pk))),
        ("user", "ModelBackend", lambda: ModelBackend().get_user(str(user.pk))),
        ("library", "prepared", lambda: library_of_user(user)),
        ("library", "user.membership.library", orm_library),
        ("reader's panel", "desk_reader", lambda: desk_reader(library, patron, today=today)),
        ("reader's panel", "patron_summary", lambda: patron_summary(library, patron, today=today)),
    ]
    took: dict[tuple[str, str], float] = {}
    for _round in range(2):  # the first round warms up; the second is measured
        for what, way, call in ways:
            start = time.perf_counter()
            for _i in range(n):
                call()
            took[what, way] = (time.perf_counter() - start) / n * 1e6
    print(f"\n  reads of every desk scan, prepared once per process against the ORM ({n} each):")
    for what in dict.fromkeys(w for w, _way, _call in ways):
        (mine, us), (orm, orm_us) = [(way, t) for (w, way), t in took.items() if w == what]
        print(
            f"    {what + ' via ' + mine:<46} {us:7.1f} µs  ({orm} {orm_us:.1f} µs, ×{orm_us / us:.1f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the large school (default 1)"
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="loans measured with one desk and one client"
    )
    parser.add_argument("--clients", type=int, default=4, help="desks (and API clients) at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each concurrent run")
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
        "--no-baselines", action="store_true", help="skip the prepared reads against the ORM"
    )
    parser.add_argument(
        "--reads", type=int, default=2000, help="reads per way in the prepared-reads comparison"
    )
    args = parser.parse_args(argv)

    temp = None
    if args.keep:
        var = args.keep.resolve()
        var.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.TemporaryDirectory(prefix="shuxiang-desk-bench-")
        var = Path(temp.name)
    print(f"desk benchmark, scale {args.scale:g}, folder {var}", flush=True)

    db = var / "shuxiang.sqlite3"
    if not db.exists() or not args.keep:
        t0 = time.perf_counter()
        run(var, "setup")
        run(var, "createuser", "bench", "--role", "librarian", "--password", "bench-secret")
        run(var, "createuser", USER, "--role", "librarian", "--password", PASSWORD)
        print(
            f"  setup (migrate, roles, rules)        {time.perf_counter() - t0:7.1f} s", flush=True
        )
        sizes = generate(db, scale=args.scale, progress=print)
        # The catalog's search index, as a school's database has it (`generate` writes
        # the tables directly): a loan only updates its title's copy counts there.
        t0 = time.perf_counter()
        run(var, "reindex")
        print(
            f"  search index (shuxiang reindex)      {time.perf_counter() - t0:7.1f} s", flush=True
        )
    else:
        # A kept database is brought up to the code's migrations first (setup is safe
        # to repeat).
        run(var, "setup")
        sizes = generate(db, scale=args.scale, progress=print, only_describe=True)
    token = run(var, "token", "create", "bench").splitlines()[-1].strip()

    # The anonymous reader that anonymized loans point to is nobody's card.
    with sqlite3.connect(db) as conn:
        anonymous = {
            r[0] for r in conn.execute("SELECT card_number FROM patrons_patron WHERE anonymous")
        }
    cards = [card for card in sizes["free_students"] if card not in anonymous]
    items = sizes["free_items"]
    n = min(args.requests, len(items) // 6)
    # Each run has copies of its own, and gives them back, so each reader is as they
    # were (no open loans) when the next run begins. The one-desk runs have a third of
    # the readers each (at --scale 1 a reader borrows once; smaller, a few times).
    api_items, desk_items = items[:n], items[n : 2 * n]
    rest = items[2 * n :]
    profile_items, rest = rest[-102:], rest[:-102]
    api_many_items, desk_many_items = rest[::2], rest[1::2]
    third = len(cards) // 3
    api_cards, desk_cards, many_cards = cards[:third], cards[third : 2 * third], cards[2 * third :]

    port = free_port()
    server = serve(var, port, args.threads, args.processes)
    try:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        api = api_single(port, token, api_cards, api_items, server.pid)
        desk = desk_single(port, desk_cards, desk_items, server.pid)
        api_p50 = statistics.median(api["checkout"]) * 1000
        api_in_p50 = statistics.median(api["checkin"]) * 1000
        print(
            f"\none desk and one API client, {n} loans each (real HTTP, keep-alive,"
            f" waitress {args.processes} × {args.threads} threads):"
        )
        print("  API (POST /api/v1/circulation/checkout, /checkin):")
        line("floor p50 (GET one item)", statistics.median(api["floor"]) * 1000, "ms")
        line("check-out p50", api_p50, "ms")
        line("check-out p95", percentile(api["checkout"], 95) * 1000, "ms")
        line("check-in p50", api_in_p50, "ms")
        line("check-in p95", percentile(api["checkin"], 95) * 1000, "ms")
        print("  desk (POST /staff/circulation/scan, as desk.js sends it):")
        line("floor p50 (GET ping, signed in)", statistics.median(desk["floor"]) * 1000, "ms")
        card_p50 = statistics.median(desk["card"]) * 1000
        item_p50 = statistics.median(desk["item"]) * 1000
        line("card scan p50", card_p50, "ms", GOALS["card_p50_ms"])
        line("card scan p95", percentile(desk["card"], 95) * 1000, "ms")
        line("item scan p50 (check-out)", item_p50, "ms", GOALS["item_p50_ms"])
        line("item scan p95 (check-out)", percentile(desk["item"], 95) * 1000, "ms")
        back_p50 = statistics.median(desk["back"]) * 1000
        line("item scan p50 (check-in)", back_p50, "ms")
        line("item scan p95 (check-in)", percentile(desk["back"], 95) * 1000, "ms")
        print(
            f"  desk against API: item scan ×{item_p50 / api_p50:.2f} the API check-out,"
            f" card + item ×{(card_p50 + item_p50) / api_p50:.2f},"
            f" check-in ×{back_p50 / api_in_p50:.2f}"
        )
        if api["cpu_loan"] is not None and desk["cpu_loan"] is not None:
            line("server CPU/loan, API", api["cpu_loan"], "ms")
            line("server CPU/loan, desk (card+item)", desk["cpu_loan"], "ms")
            line("server CPU/return, API", api["cpu_back"], "ms")
            line("server CPU/return, desk", desk["cpu_back"], "ms")
        if load is not None:
            print(
                f"  (machine load average {load:.1f} on {os.cpu_count()} CPUs when the run began)"
            )

        api_done, api_s, api_errors, api_lent = concurrent(
            port, token, many_cards, api_many_items, args.clients, args.seconds
        )
        checkin_all(port, token, api_lent, args.clients)  # the readers are as they were
        desk_done, desk_s, desk_errors, desk_lent = desks_concurrent(
            port, many_cards, desk_many_items, args.clients, args.seconds
        )
        checkin_all(port, token, desk_lent, args.clients)
        api_rate, desk_rate = api_done / api_s, desk_done / desk_s
        print(f"\n{args.clients} at once, {args.seconds:g} s each:")
        line(f"API, {args.clients} clients: loans per second", api_rate, "/s")
        line(
            f"desk, {args.clients} desks: loans per second",
            desk_rate,
            "/s",
            GOALS["desk_loans_per_s"],
            higher_better=True,
        )
        print(
            f"  desk against API: ×{desk_rate / api_rate:.2f} the API's loans per second"
            f" (a desk loan is two requests: card, then book)"
        )
        for name, errors in (("API", api_errors), ("desk", desk_errors)):
            if errors:
                print(
                    f"  {name} refused or failed {len(errors)}: {', '.join(sorted(set(errors))[:3])}"
                )
    finally:
        server.terminate()
        server.wait(timeout=20)

    if not args.no_profile and len(profile_items) == 102:
        profile(var, many_cards[::-1], profile_items)
    if not args.no_baselines:
        reads_against_orm(var, many_cards[0], args.reads)
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
