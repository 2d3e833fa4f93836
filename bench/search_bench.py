"""Search benchmark: index build and query latency on SQLite (FTS5) and PostgreSQL (GIN
over the same tokens), each query type beside a naive LIKE '%...%' scan of the same
catalog in the same run.

    .venv/bin/python bench/search_bench.py                       # 20,000 and 1,000,000 titles, both databases
    .venv/bin/python bench/search_bench.py --sizes 20000 --engines sqlite --queries 100

For each engine and size a child process gets a fresh database (a SQLite file under a
temporary folder; on PostgreSQL a database in a throwaway cluster started here, or the
server of SHUXIANG_BENCH_PG_URL), writes the generated titles and copies straight into
the catalog tables, times `engine.reindex` (titles/s), then times each query type:
one-, two- and four-character Chinese, pinyin initials, full pinyin, ISBN, a query with
three facet filters, and suggest. Every search asks for its facets, as the OPAC does.

On SQLite the search runs in this process, so its CPU time (process_time) is printed
beside the wall-clock time: on a shared machine the wall clock also counts the time
other processes held the cores, the CPU time does not.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES = (
    "1 char",
    "2 chars",
    "4 chars",
    "initials",
    "full pinyin",
    "isbn",
    "3 facets",
    "suggest",
)


# -- the parent: databases and the table --------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@contextlib.contextmanager
def pg_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (as the postgres user when run as root)."""
    if os.environ.get("SHUXIANG_BENCH_PG_URL"):
        yield os.environ["SHUXIANG_BENCH_PG_URL"]
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise SystemExit("PostgreSQL server binaries not installed (initdb, pg_ctl)")
    as_user: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="shuxiang-bench-pg-"))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(tmp, "postgres")
    data, sock = tmp / "data", tmp / "sock"
    subprocess.check_call([*as_user, "mkdir", "-p", str(sock)])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.check_call(
        [
            *as_user,
            initdb,
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=1GB"
    )
    subprocess.check_call(
        [*as_user, pg_ctl, "-D", str(data), "-l", str(sock / "log"), "-w", "start", "-o", options],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.call(
            [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"], stdout=subprocess.DEVNULL
        )
        shutil.rmtree(tmp, ignore_errors=True)


def run_child(
    engine: str, size: int, queries: int, pg_url: str | None, keep: str | None = None
) -> dict:
    env = dict(os.environ)
    env.pop("SHUXIANG_DB_URL", None)
    if keep and engine == "sqlite":
        tmp = Path(keep) / f"sqlite-{size}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="shuxiang-bench-search-"))
    env["SHUXIANG_VAR_DIR"] = str(tmp)
    if engine == "postgres":
        import psycopg

        name = f"bench_search_{size}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        env["SHUXIANG_DB_URL"] = pg_url.rsplit("/", 1)[0] + "/" + name
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(size), str(queries)],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    finally:
        if not (keep and engine == "sqlite"):
            shutil.rmtree(tmp, ignore_errors=True)
    return json.loads(out.strip().splitlines()[-1])


def print_results(results: list[dict]) -> None:
    for r in results:
        print(f"\n== {r['engine']}, {r['size']:,} titles ({r['items']:,} copies)")
        print(
            f"   index build: {r['build_seconds']:.1f} s = {r['build_rate']:,.0f} titles/s"
            f"   (writing the catalog itself: {r['load_seconds']:.1f} s)"
        )
        if "build_cpu" in r:
            print(
                f"   build CPU: {r['build_cpu']:.1f} s in the writing process, "
                f"{r['build_workers_cpu']:.1f} s in the worker processes making documents"
            )
        if "first_search" in r:
            print(
                f"   first search after the build (reads the facet values): "
                f"{r['first_search'] * 1000:.0f} ms"
            )
        cpu = r["engine"] == "sqlite" and "cpu_p95" in r["queries"][TYPES[0]]
        trgm = r.get("trgm") or {}
        print(
            f"   {'query':<12}{'p50 ms':>9}{'p95 ms':>9}{'LIKE p50':>10}{'LIKE p95':>10}"
            f"{'x p95':>8}"
            + (f"{'cpu p50':>9}{'cpu p95':>9}" if cpu else "")
            + (f"{'trgm p50':>10}{'trgm p95':>10}" if trgm else "")
            + "   example"
        )
        for t in TYPES:
            q = r["queries"][t]
            ratio = q["like_p95"] / q["p95"] if q["p95"] else float("inf")
            extra = f"{q['cpu_p50']:>9.1f}{q['cpu_p95']:>9.1f}" if cpu else ""
            extra += f"{q['trgm_p50']:>10.1f}{q['trgm_p95']:>10.1f}" if "trgm_p95" in q else ""
            print(
                f"   {t:<12}{q['p50']:>9.1f}{q['p95']:>9.1f}{q['like_p50']:>10.1f}"
                f"{q['like_p95']:>10.1f}{ratio:>8.1f}{extra}   {q['example']}"
            )
        if trgm:
            print(
                f"   (trgm: the same LIKE with a pg_trgm GIN index on title and responsibility, "
                f"built in {trgm['build_seconds']:.1f} s; it cannot use the index for one or two "
                f"characters, and finds no pinyin)"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,1000000")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--queries", type=int, default=200, help="queries per type")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--show", help="print the figures kept in this JSON file, run nothing")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep each SQLite database in DIR/sqlite-<size> (for looking at it afterwards)",
    )
    args = parser.parse_args()
    if args.show:
        print_results(json.loads(Path(args.show).read_text()))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    results = []
    with contextlib.ExitStack() as stack:
        pg_url = stack.enter_context(pg_cluster()) if "postgres" in engines else None
        for engine in engines:
            for size in sizes:
                print(f"... {engine}, {size:,} titles", file=sys.stderr, flush=True)
                results.append(run_child(engine, size, args.queries, pg_url, args.keep))
                print_results(results[-1:])
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


# -- the child: one database, one size -----------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(size: int) -> tuple[object, int, float]:
    """Write the generated titles and copies straight into the catalog tables."""
    import datetime as dt

    from django.db import connection, transaction

    from bench.search_data import records
    from shuxiang.catalog.models import Bib, Item
    from shuxiang.core.models import Location
    from shuxiang.core.services import library_setup

    library = library_setup(code="bench", name="基准测试图书馆", school_name="基准测试学校")
    locations = list(Location.objects.filter(library=library).values_list("id", flat=True))
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()

    stamp = connection.ops.adapt_datetimefield_value(now)

    def prepared(model: type, rows: list[dict]) -> tuple[str, list[tuple]]:
        """INSERT of these rows; a column a row leaves out gets the field's default."""
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        sql = f"INSERT INTO {model._meta.db_table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"
        names = [f.attname for f in fields]
        defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
        defaults["created_at"] = defaults["updated_at"] = stamp
        as_json = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
        values = [
            tuple(
                (json.dumps(row[n], ensure_ascii=False) if n in as_json else row[n])
                if n in row
                else defaults[n]
                for n in names
            )
            for row in rows
        ]
        return sql, values

    n_items = 0
    batch: list[dict] = []
    bib_id = 0

    def flush(batch: list[dict]) -> int:
        nonlocal bib_id
        bibs = [
            {
                "library_id": library.pk,
                "title": r["title"],
                "authors": r["authors"],
                "responsibility": r["responsibility"],
                "publisher": r["publisher"],
                "year": r["year"],
                "isbn": r["isbn"],
                "isbns": [r["isbn"]],
                "clc": r["clc"],
                "material_type": r["material_type"],
            }
            for r in batch
        ]
        items = []
        for offset, r in enumerate(batch, start=1):
            for status in r["statuses"]:
                items.append(
                    {
                        "library_id": library.pk,
                        "bib_id": bib_id + offset,
                        "barcode": f"B{len(items) + n_items:09d}",
                        "status": status,
                        "location_id": locations[(bib_id + offset) % len(locations)],
                    }
                )
        with transaction.atomic(), connection.cursor() as cursor:
            sql, values = prepared(Bib, bibs)
            cursor.executemany(sql, values)
            sql, values = prepared(Item, items)
            cursor.executemany(sql, values)
        bib_id += len(batch)
        return len(items)

    for record in records(size):
        batch.append(record)
        if len(batch) == 20000:
            n_items += flush(batch)
            batch = []
    if batch:
        n_items += flush(batch)
    return library, n_items, time.perf_counter() - started


def _query_sets(library: object, n: int) -> dict[str, list]:
    from shuxiang.catalog.models import Bib
    from shuxiang.search import tokenizer
    from shuxiang.search.engine import Filters

    rng = random.Random(7)
    max_id = Bib.objects.filter(library=library).order_by("-id").values_list("id", flat=True)[0]
    sample = list(
        Bib.objects.filter(pk__in=[rng.randint(1, max_id) for _ in range(n * 4)]).values_list(
            "title", "isbn", "clc"
        )
    )
    han = [t for t, _i, _c in sample if len(tokenizer.key(t)) >= 4 and not t.isascii()]
    out: dict[str, list] = {t: [] for t in TYPES}
    for i in range(n):
        title = tokenizer.key(han[i % len(han)])
        start = rng.randint(0, len(title) - 4)
        out["1 char"].append(title[start])
        out["2 chars"].append(title[start : start + 2])
        out["4 chars"].append(title[start : start + 4])
        full, initials = tokenizer.pinyin_keys(title[start : start + 4])
        out["initials"].append(tokenizer.pinyin_keys(title)[1][: rng.randint(3, 4)])
        out["full pinyin"].append(full)
        out["isbn"].append(sample[i % len(sample)][1])
        top = tokenizer.clc_top(sample[i % len(sample)][2]) or "I"
        out["3 facets"].append(
            (title[start : start + 2], Filters(clc_top=top, material_type="book", available=True))
        )
        out["suggest"].append(tokenizer.pinyin_keys(title)[1][:2] if i % 2 else title[:1])
    return out


def _like(library_id: int, kind: str, query: object) -> None:
    """The naive way: a LIKE '%...%' scan of titles and authors (ISBN: of the ISBN),
    counted, with the newest 20, and for the facet query the class counts."""
    from django.db import connection

    with connection.cursor() as cursor:
        if kind == "suggest":
            cursor.execute(
                "SELECT title FROM catalog_bib WHERE library_id = %s AND title LIKE %s "
                "ORDER BY id DESC LIMIT 10",
                [library_id, f"{query}%"],
            )
            cursor.fetchall()
            return
        column_sql = "(title LIKE %s OR responsibility LIKE %s)"
        text = query[0] if isinstance(query, tuple) else query
        params = [f"%{text}%", f"%{text}%"]
        if kind == "isbn":
            column_sql, params = "isbn LIKE %s", [f"%{text}%"]
        where = f"library_id = %s AND {column_sql}"
        cursor.execute(f"SELECT count(*) FROM catalog_bib WHERE {where}", [library_id, *params])
        cursor.fetchall()
        cursor.execute(
            f"SELECT id FROM catalog_bib WHERE {where} ORDER BY id DESC LIMIT 20",
            [library_id, *params],
        )
        cursor.fetchall()
        if kind == "3 facets":
            cursor.execute(
                f"SELECT substr(clc, 1, 1), count(*) FROM catalog_bib WHERE {where} GROUP BY 1",
                [library_id, *params],
            )
            cursor.fetchall()


_TRGM_READY: dict[str, object] = {}


def _trgm_times(library_id: int, kind: str, queries: list) -> list[float]:
    """PostgreSQL's other candidate: the same LIKE with a pg_trgm GIN index on the
    title and responsibility (made once, timed)."""
    from django.db import connection

    if not _TRGM_READY:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                "CREATE INDEX bench_bib_title_trgm ON catalog_bib "
                "USING gin (title gin_trgm_ops, responsibility gin_trgm_ops)"
            )
            cursor.execute("ANALYZE catalog_bib")
            _TRGM_READY["build_seconds"] = time.perf_counter() - started
            cursor.execute("SELECT show_trgm('西游记'), show_trgm('xiyouji')")
            _TRGM_READY["show_trgm"] = [str(v) for v in cursor.fetchone()]
    times = []
    for query in queries:
        t = time.perf_counter()
        _like(library_id, kind, query)
        times.append(time.perf_counter() - t)
    return times


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def child(engine_name: str, size: int, n: int) -> None:
    _setup()
    from django.db import connection

    from shuxiang.search import engine

    library, n_items, load_seconds = _load(size)
    started = time.perf_counter()
    cpu = time.process_time()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    engine.reindex(library)
    build = time.perf_counter() - started
    build_cpu = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = (after.ru_utime + after.ru_stime) - (workers.ru_utime + workers.ru_stime)
    sets = _query_sets(library, n)
    # The first search after a change of the catalog reads the facet values into memory
    # (search/facet_values.py): timed apart, then every query below finds them read.
    t = time.perf_counter()
    engine.search(library, sets["1 char"][0])
    first_search = time.perf_counter() - t
    results = {}
    for kind in TYPES:
        times, like_times, cpu_times = [], [], []
        for query in sets[kind]:
            t = time.perf_counter()
            c = time.process_time()
            if kind == "suggest":
                engine.suggest(library, query)
            elif kind == "3 facets":
                engine.search(library, query[0], filters=query[1])
            else:
                engine.search(library, query)
            times.append(time.perf_counter() - t)
            cpu_times.append(time.process_time() - c)
        for query in sets[kind][: max(10, n // 4)]:  # the scans are slow: a quarter
            t = time.perf_counter()
            _like(library.pk, kind, query)
            like_times.append(time.perf_counter() - t)
        p50, p95 = _percentiles(times)
        lp50, lp95 = _percentiles(like_times)
        example = sets[kind][0]
        if isinstance(example, tuple):
            f = example[1]
            example = f"{example[0]} + clc {f.clc_top}, {f.material_type}, available"
        cp50, cp95 = _percentiles(cpu_times)
        results[kind] = {
            "p50": p50,
            "p95": p95,
            "cpu_p50": cp50,
            "cpu_p95": cp95,
            "like_p50": lp50,
            "like_p95": lp95,
            "example": str(example),
        }
    if connection.vendor == "postgresql":  # after every plain LIKE: the index helps LIKE
        for kind in TYPES:
            trgm_times = _trgm_times(library.pk, kind, sets[kind][: max(10, n // 4)])
            results[kind]["trgm_p50"], results[kind]["trgm_p95"] = _percentiles(trgm_times)
    print(
        json.dumps(
            {
                "engine": connection.vendor if engine_name == "sqlite" else engine_name,
                "size": size,
                "items": n_items,
                "load_seconds": load_seconds,
                "build_seconds": build,
                "build_rate": size / build,
                "build_cpu": build_cpu,
                "build_workers_cpu": workers_cpu,
                "first_search": first_search,
                "queries": results,
                "trgm": dict(_TRGM_READY),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        sys.exit(0)
    sys.exit(main())
