"""Reports benchmark: the school-year report at large-school size on SQLite.

A fresh database gets the large school of `circulation_data` (3,000 readers, 150,000
items, 1,000,000 historic loans at --scale 1), then, in this process, times:

  * the baseline: one plain `SELECT COUNT(*)` over the loans table;
  * the headline figures of the school year (`reports.selectors.summary`, what the API's
    /reports/summary answers);
  * the whole school-year report (`reports.report.build`: figures, the previous year's,
    class league, grades, collection balance, tops, busiest hours and days, overdue, fees,
    the 2018 standard), and each of its parts.

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
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


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

    django_setup(var)
    from django.db import connection

    from shuxiang.core.models import Library
    from shuxiang.reports import metrics, report, selectors

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

    base, _ = timed(baseline, args.repeat)
    scan, _ = timed(one_pass, args.repeat)
    head, figures = timed(lambda: selectors.summary(library, period), args.repeat)
    whole, _ = timed(lambda: report.build(library, period, selectors.Group(), today), args.repeat)
    print(f"  loans in the table {total:,}; in {period.label} {figures['loans']:,}")
    print(f"  baseline: SELECT COUNT(*) over the loans        {base * 1000:8.1f} ms")
    print(f"  one pass over the period's loan rows            {scan * 1000:8.1f} ms")
    print(
        f"  headline figures (API summary)                  {head * 1000:8.1f} ms  ×{head / base:.1f}"
    )
    print(
        f"  whole school-year report                        {whole * 1000:8.1f} ms  ×{whole / base:.1f}   goal ≤ {GOAL_S:.0f} s: {'met' if whole <= GOAL_S else 'MISSED'}"
    )
    before = metrics.previous_period(period)
    facts_s, facts = timed(lambda: selectors.facts_of(library, period, today), 1)
    copies_s, copies = timed(lambda: selectors.copies_by_item(library), 1)
    print(f"    {'the period read once (reports.facts)':<40} {facts_s * 1000:8.1f} ms")
    print(f"    {'copies by item (CLC, title)':<40} {copies_s * 1000:8.1f} ms")
    parts = {
        "previous year's figures": lambda: selectors.summary(library, before),
        "overdue": lambda: selectors.overdue(library, period, today, facts),
        "class league": lambda: selectors.class_league(library, period, None, facts),
        "grades": lambda: selectors.grade_rows(library, period, facts),
        "collection balance (CLC)": lambda: selectors.clc_balance(library, period, facts, copies),
        "top books": lambda: selectors.top_books(library, period, facts=facts, item_bibs=copies),
        "top readers": lambda: selectors.top_readers(library, period, facts=facts),
        "busiest hours and days": lambda: selectors.busiest(library, period, facts),
        "fees": lambda: selectors.fees(library, period),
        "lost and withdrawn": lambda: selectors.lost_and_damaged(library, period),
        "2018 standard": lambda: selectors.standard_comparison(library, period, figures),
    }
    for name, fn in parts.items():
        took, _ = timed(fn, 1)
        print(f"    {name:<40} {took * 1000:8.1f} ms")
    if temp is not None:
        temp.cleanup()


if __name__ == "__main__":
    main()
