"""Reports benchmark: the school-year report at large-school size on SQLite.

A fresh database gets the large school of `circulation_data` (3,000 readers, 150,000
items, 1,000,000 historic loans at --scale 1), then, in this process, times:

  * the baseline: one plain `SELECT COUNT(*)` over the loans table;
  * the headline figures of the school year (`reports.selectors.summary`, what the API's
    /reports/summary answers);
  * the whole school-year report (`reports.report.build`: figures, the previous year's,
    class league, grades, collection balance, tops, busiest hours and days, overdue, fees,
    the 2018 standard), and each of its parts;
  * the staff home page (/staff/) through the Django test client, logged in as a
    librarian: its first load (this term's figures counted) and the next ones (read from
    the cache until a loan, return, reader or copy changes).

Each figure is the median wall time and, beside it, the CPU time of this process (SQLite
runs in it), which a busy machine disturbs much less than the wall time.

Goal (issue 15): the whole report ≤ 2 s. This prints figures; it is not a timed test.

    python bench/reports_bench.py             # large school
    python bench/reports_bench.py --scale 0.1
    python bench/reports_bench.py --keep var/bench-reports   # reuse the data next time
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from circulation_bench import django_setup, run  # noqa: E402
from circulation_data import generate  # noqa: E402

GOAL_S = 2.0


def timed(fn, repeat: int = 3) -> tuple[float, object]:  # noqa: ANN001
    took, _cpu, result = timed_cpu(fn, repeat)
    return took, result


def timed_cpu(fn, repeat: int = 3) -> tuple[float, float, object]:  # noqa: ANN001
    """Median wall time, median CPU time of this process, the last result."""
    times, cpus, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(times), statistics.median(cpus), result


def staff_home(library, today: dt.date, repeat: int) -> tuple[float, float, float]:  # noqa: ANN001
    """(first load, next loads' median, next loads' CPU median) of /staff/, in seconds,
    for a librarian of the library on `today`, and then what each app's tiles cost."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from shuxiang.core import clock
    from shuxiang.core.services import logins

    name = "bench-reports-librarian"
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        user = logins.user_create(
            library=library, username=name, role="librarian", password="bench-reports-1"
        )
    client = Client()
    client.force_login(user)

    def load() -> None:
        response = client.get("/staff/")
        if response.status_code != 200:
            raise SystemExit(f"/staff/ answered {response.status_code}")

    with clock.frozen_at(today):
        cache.clear()
        first, _ = timed(load, 1)
        following, cpu, _ = timed_cpu(load, max(repeat, 5))
    return first, following, cpu


def dashboard_sources(library, today: dt.date, repeat: int) -> None:  # noqa: ANN001
    """Each app's figures on the staff home, and the term rates counted (cache empty)
    beside the same rates read back from the cache."""
    from django.core.cache import cache

    from shuxiang.core import dashboard
    from shuxiang.reports import dashboard as term_tiles

    for name, source in dashboard._SOURCES.items():  # noqa: SLF001 - the registry, read
        if name == "reports":
            continue
        took, cpu, _ = timed_cpu(lambda source=source: source(library, today), 1)
        print(f"    {name + ' tiles':<44} {took * 1000:6.1f} ms   {cpu * 1000:6.1f} ms")

    def counted() -> None:
        cache.clear()
        term_tiles.figures(library, today)

    took, cpu, _ = timed_cpu(counted, repeat)
    print(
        f"    {'reports tiles, term rates counted':<44} {took * 1000:6.1f} ms   {cpu * 1000:6.1f} ms"
    )
    took, cpu, _ = timed_cpu(lambda: term_tiles.figures(library, today), max(repeat, 5))
    print(
        f"    {'reports tiles, term rates kept':<44} {took * 1000:6.1f} ms   {cpu * 1000:6.1f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    temp = None
    if args.keep:
        var = args.keep.resolve()
        var.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.TemporaryDirectory(prefix="shuxiang-reports-bench-")
        var = Path(temp.name)
    print(f"reports benchmark, scale {args.scale:g}, folder {var}", flush=True)
    db = var / "shuxiang.sqlite3"
    if not db.exists():
        t0 = time.perf_counter()
        run(var, "setup")
        print(
            f"  setup                                {time.perf_counter() - t0:7.1f} s", flush=True
        )
        generate(db, scale=args.scale, progress=print)
    else:
        run(var, "setup")  # a kept database brought up to the code's migrations

    django_setup(var)
    from django.db import connection

    from shuxiang.core.models import Library
    from shuxiang.reports import metrics, report, rule_sets, selectors

    library = Library.objects.order_by("id").first()
    today = dt.date(2026, 6, 30)
    period = metrics.period_for("school_year", today)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM circulation_loan")
        total = cursor.fetchone()[0]

    def baseline() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM circulation_loan")
            return cursor.fetchone()[0]

    start, end = selectors.bounds(library, period)

    def one_pass() -> int:
        # The floor of any figure that reads the period's rows: one scan that touches
        # them (the plain COUNT(*) above is answered from the smallest index alone).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(patron_id) FROM circulation_loan WHERE library_id = %s"
                " AND +checked_out_at >= %s AND +checked_out_at < %s",
                [
                    library.pk,
                    start.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" "),
                    end.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" "),
                ],
            )
            return cursor.fetchone()[0]

    base, base_cpu, _ = timed_cpu(baseline, args.repeat)
    scan, scan_cpu, _ = timed_cpu(one_pass, args.repeat)
    head, head_cpu, figures = timed_cpu(lambda: selectors.summary(library, period), args.repeat)
    whole, whole_cpu, _ = timed_cpu(
        lambda: report.build(library, period, selectors.Group(), today), args.repeat
    )
    print(f"  loans in the table {total:,}; in {period.label} {figures['loans']:,}")
    print(f"  {'':48} {'wall':>9}   {'cpu':>9}")
    print(
        f"  {'baseline: SELECT COUNT(*) over the loans':<48} {base * 1000:6.1f} ms   {base_cpu * 1000:6.1f} ms"
    )
    print(
        f"  {'one pass over the period’s loan rows':<48} {scan * 1000:6.1f} ms   {scan_cpu * 1000:6.1f} ms"
    )
    print(
        f"  {'headline figures (API summary)':<48} {head * 1000:6.1f} ms   {head_cpu * 1000:6.1f} ms"
        f"   ×{head / base:.0f} the baseline, ×{head / scan:.1f} one pass"
    )
    print(
        f"  {'whole school-year report':<48} {whole * 1000:6.1f} ms   {whole_cpu * 1000:6.1f} ms"
        f"   ×{whole / base:.0f} the baseline, ×{whole / scan:.1f} one pass"
        f"   goal ≤ {GOAL_S:.0f} s: {'met' if whole <= GOAL_S else 'MISSED'}"
    )
    first, following, following_cpu = staff_home(library, today, args.repeat)
    print(f"  {'staff home /staff/, first load':<48} {first * 1000:6.1f} ms")
    print(
        f"  {'staff home /staff/, next loads':<48} {following * 1000:6.1f} ms   {following_cpu * 1000:6.1f} ms"
    )
    dashboard_sources(library, today, args.repeat)
    before = metrics.previous_period(period)
    facts_s, facts_cpu, facts = timed_cpu(lambda: selectors.facts_of(library, period, today), 1)
    copies_s, copies_cpu, copies = timed_cpu(lambda: selectors.copies_by_item(library), 1)
    print(
        f"    {'the period read once (reports.facts)':<44} {facts_s * 1000:6.1f} ms   {facts_cpu * 1000:6.1f} ms"
    )
    print(
        f"    {'copies by item (CLC, title)':<44} {copies_s * 1000:6.1f} ms   {copies_cpu * 1000:6.1f} ms"
    )
    parts = {
        "previous year's figures": lambda: selectors.summary(library, before),
        "this year's figures, the period read": lambda: selectors.summary(
            library, period, selectors.Group(), facts
        ),
        "overdue": lambda: selectors.overdue(library, period, today, facts),
        "class league": lambda: selectors.class_league(library, period, None, facts),
        "grades": lambda: selectors.grade_rows(library, period, facts),
        "collection balance (CLC)": lambda: selectors.clc_balance(library, period, facts, copies),
        "top books": lambda: selectors.top_books(library, period, facts=facts, item_bibs=copies),
        "top readers": lambda: selectors.top_readers(library, period, facts=facts),
        "busiest hours and days": lambda: selectors.busiest(library, period, facts),
        "fees": lambda: selectors.fees(library, period),
        "lost and withdrawn": lambda: selectors.lost_and_damaged(library, period),
        "2018 standard": lambda: rule_sets.school_comparison(library, period, figures),
    }
    for name, fn in parts.items():
        took, cpu, _ = timed_cpu(fn, 1)
        print(f"    {name:<44} {took * 1000:6.1f} ms   {cpu * 1000:6.1f} ms")
    if temp is not None:
        temp.cleanup()


if __name__ == "__main__":
    main()
