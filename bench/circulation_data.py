"""A large school's data, written straight into a migrated SQLite database.

Bulk inserts with executemany (the ORM would take minutes for a million loans). Columns
are read from the schema, so a column added later gets its type's empty value instead of
breaking the generator.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "子涵浩然一鸣思雨欣怡梓轩宇轩雨桐佳怡俊杰嘉怡晨曦博文诗涵雅婷志强天佑若曦明轩语嫣泽宇可馨家豪紫萱"
WORDS = (
    "春夏秋冬山水风云花鸟星月海河城乡书画诗歌少年故事中国世界科学历史自然生命时间旅行家园朋友梦想"
)
CLC = [
    "I247",
    "I287",
    "K20",
    "K81",
    "N49",
    "O1",
    "P1",
    "Q95",
    "G634",
    "H31",
    "I712",
    "I313",
    "J2",
    "TP3",
    "B84",
    "D64",
]
STUDENT_SHARE = 0.9
CLASS_SIZE = 45
YEARS_OF_HISTORY = 3


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, bool]]:
    return [(r[1], r[2].lower(), bool(r[3])) for r in conn.execute(f"PRAGMA table_info({table})")]


def _empty(sqltype: str) -> object:
    if any(t in sqltype for t in ("int", "bool", "decimal", "real")):
        return 0
    if sqltype == "text":
        return "[]"
    return ""


def insert(conn: sqlite3.Connection, table: str, rows: Iterable[dict], batch: int = 20000) -> int:
    """Insert dicts; NOT NULL columns a row leaves out get their type's empty value."""
    cols = _columns(conn, table)
    names = [c[0] for c in cols if c[0] != "id"]
    defaults = {name: (_empty(sqltype) if notnull else None) for name, sqltype, notnull in cols}
    sql = f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) VALUES ({", ".join("?" * len(names))})'
    count = 0
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(tuple(row.get(n, defaults[n]) for n in names))
        if len(chunk) >= batch:
            conn.executemany(sql, chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        conn.executemany(sql, chunk)
        count += len(chunk)
    return count


def generate(
    db: Path,
    *,
    scale: float = 1.0,
    progress: Callable[[str], None] = print,
    only_describe: bool = False,
    seed: int = 7,
) -> dict:
    """Fill the database (already migrated, with one library) and return what the
    benchmark needs: readers without open loans and items on the shelf."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    library_id = conn.execute("SELECT id FROM core_library ORDER BY id LIMIT 1").fetchone()[0]
    n_patrons = max(60, int(3000 * scale))
    n_items = max(600, int(150_000 * scale))
    n_bibs = max(200, n_items // 3)
    n_loans = int(1_000_000 * scale)
    if not only_describe:
        _fill(conn, rng, library_id, n_patrons, n_bibs, n_items, n_loans, progress)
    free_students = [
        r[0]
        for r in conn.execute(
            "SELECT p.card_number FROM patrons_patron p WHERE p.library_id=? AND p.category='student' "
            "AND NOT EXISTS (SELECT 1 FROM circulation_loan l WHERE l.patron_id=p.id AND l.status='on_loan') ORDER BY p.id",
            (library_id,),
        )
    ]
    free_items = [
        r[0]
        for r in conn.execute(
            "SELECT barcode FROM catalog_item WHERE library_id=? AND status='available' AND circulation_type='normal' ORDER BY id",
            (library_id,),
        )
    ]
    rng.shuffle(free_items)
    # Start the measured server with the bulk load in the database file, not in the
    # write-ahead log it would spend its first seconds copying back.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"free_students": free_students, "free_items": free_items}


def _fill(
    conn: sqlite3.Connection,
    rng: random.Random,
    library_id: int,
    n_patrons: int,
    n_bibs: int,
    n_items: int,
    n_loans: int,
    progress: Callable[[str], None],
) -> None:
    now = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    stamp = now.isoformat(sep=" ")
    year = conn.execute(
        "SELECT current_school_year FROM core_library WHERE id=?", (library_id,)
    ).fetchone()[0]
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    # The bench desk lends far more per reader than a school allows; the decision path
    # is the same, only the limit is out of the way.
    conn.execute(
        "UPDATE circulation_loanpolicy SET max_loans=10000 WHERE library_id=?", (library_id,)
    )

    n_students = int(n_patrons * STUDENT_SHARE)
    n_classes = max(3, n_students // CLASS_SIZE)
    classes = []
    for c in range(n_classes):
        grade = 7 + c % 3
        number = c // 3 + 1
        classes.append(
            {
                "library_id": library_id,
                "school_year": year,
                "grade": grade,
                "number": number,
                "name": f"{'七八九'[grade - 7]}年级{number}班",
            }
        )
    insert(conn, "patrons_schoolclass", classes)
    class_rows = conn.execute(
        "SELECT id, grade, name FROM patrons_schoolclass WHERE library_id=? ORDER BY id",
        (library_id,),
    ).fetchall()

    patrons = []
    for i in range(n_patrons):
        student = i < n_students
        klass = class_rows[i % len(class_rows)] if student else None
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        patrons.append(
            {
                "library_id": library_id,
                "card_number": f"R{100000 + i}",
                "name": name,
                "category": "student" if student else "teacher",
                "school_class_id": klass[0] if klass else None,
                "student_number": f"S{2026000 + i}" if student else None,
                "status": "active",
                "keep_history": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    insert(conn, "patrons_patron", patrons)
    patron_rows = conn.execute(
        "SELECT p.id, p.category, c.grade, c.id, c.name FROM patrons_patron p LEFT JOIN patrons_schoolclass c ON c.id=p.school_class_id WHERE p.library_id=? ORDER BY p.id",
        (library_id,),
    ).fetchall()

    def bibs() -> Iterable[dict]:
        for b in range(n_bibs):
            title = "".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
            yield {
                "library_id": library_id,
                "title": title,
                "responsibility": rng.choice(SURNAMES) + rng.choice(GIVEN) + "著",
                "authors": json.dumps([{"name": "作者", "role": "著"}], ensure_ascii=False),
                "publisher": "人民文学出版社",
                "year": 1990 + b % 36,
                "isbns": "[]",
                "invalid_isbns": "[]",
                "subjects": "[]",
                "price": 2000 + b % 5000,
                "clc": rng.choice(CLC),
                "material_type": "book",
                "created_at": stamp,
                "updated_at": stamp,
            }

    insert(conn, "catalog_bib", bibs())
    first_bib = conn.execute(
        "SELECT MIN(id) FROM catalog_bib WHERE library_id=?", (library_id,)
    ).fetchone()[0]

    def items() -> Iterable[dict]:
        for i in range(n_items):
            roll = i % 100
            yield {
                "library_id": library_id,
                "bib_id": first_bib + i % n_bibs,
                "barcode": f"{1000000 + i}",
                "accession_number": f"A{1000000 + i}",
                "circulation_type": "reference"
                if roll < 2
                else ("periodical" if roll == 2 else "normal"),
                "status": "available",
                "source": "purchase",
                "price": 2500,
                "created_at": stamp,
                "updated_at": stamp,
            }

    insert(conn, "catalog_item", items())
    first_item = conn.execute(
        "SELECT MIN(id) FROM catalog_item WHERE library_id=?", (library_id,)
    ).fetchone()[0]
    conn.execute("COMMIT")
    progress(
        f"  readers {n_patrons:,}, classes {n_classes}, titles {n_bibs:,}, items {n_items:,}   {time.perf_counter() - t0:6.1f} s"
    )

    # A term's open loans: one book for every fifth reader.
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    history_days = 365 * YEARS_OF_HISTORY
    open_rows, on_loan_items = [], []
    for k, p in enumerate(patron_rows[::5]):
        item_id = first_item + 7 + k * 97 % n_items
        if item_id in on_loan_items:
            continue
        out = now - dt.timedelta(days=rng.randint(0, 20))
        open_rows.append(_loan(library_id, p, item_id, out, None))
        on_loan_items.append(item_id)
    insert(conn, "circulation_loan", open_rows)
    conn.executemany(
        "UPDATE catalog_item SET status='on_loan' WHERE id=?", [(i,) for i in on_loan_items]
    )

    def history() -> Iterable[dict]:
        for _ in range(n_loans):
            p = patron_rows[rng.randrange(len(patron_rows))]
            out = now - dt.timedelta(
                days=rng.randint(30, history_days), minutes=rng.randint(0, 600)
            )
            back = out + dt.timedelta(days=rng.randint(1, 30))
            yield _loan(library_id, p, first_item + rng.randrange(n_items), out, back)

    # Building the loan table's dozen indexes once at the end is several times faster
    # than keeping them up to date row by row.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='circulation_loan' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    written = insert(conn, "circulation_loan", history())
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    progress(
        f"  historic loans {written:,} + open loans {len(open_rows):,}   {time.perf_counter() - t0:6.1f} s"
    )


def _loan(
    library_id: int, p: tuple, item_id: int, out: dt.datetime, back: dt.datetime | None
) -> dict:
    patron_id, category, grade, class_id, class_name = p
    return {
        "library_id": library_id,
        "item_id": item_id,
        "patron_id": patron_id,
        "status": "returned" if back else "on_loan",
        "checked_out_at": out.isoformat(sep=" "),
        "due_date": (out + dt.timedelta(days=14)).date().isoformat(),
        "returned_at": back.isoformat(sep=" ") if back else None,
        "renewals": 0,
        "channel": "web",
        "checkin_channel": "web" if back else "",
        "patron_category": category,
        "patron_grade": grade,
        "class_at_loan_id": class_id,
        "class_name_at_loan": class_name or "",
    }
