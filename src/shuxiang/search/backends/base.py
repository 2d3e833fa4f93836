"""What both backends share: the SQL of filters, key lookups, facets, suggest and copy
counts, over the tables search_doc (alias d) and search_suggest."""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shuxiang.search.documents import Document, Holdings, holdings_of

Pred = tuple[str, list[Any]]  # an SQL condition over search_doc d, and its parameters
TOP = "\U0010ffff"  # above every character: key < prefix + TOP ends a prefix range
CHUNK = 500  # ids per IN (...) list


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def marks(n: int) -> str:
    return ", ".join(["%s"] * n)


@dataclass
class Rows:
    """A batch of documents as the rows a backend inserts, table by table."""

    bib_ids: list[int]
    library_ids: set[int]
    tables: tuple[list[tuple], ...]


@dataclass
class FacetRows:
    """Counts of the matching titles by (class, type, year, on the shelf, locations);
    scanned: how many titles were looked at (all of them unless capped)."""

    combos: list[tuple[str, str, int | None, bool, str, int]]
    scanned: int


class Backend(ABC):
    """What both engines share; each backend writes the four abstract methods."""

    collate = ""  # PostgreSQL: ' COLLATE "C"', so that keys compare as bytes

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    # -- matching (each backend) --------------------------------------------------

    @abstractmethod
    def source(self, expr: object, library_id: int) -> tuple[str, str, list[Any]]:
        """(FROM clause with search_doc as d, WHERE condition, parameters) of the titles
        of a library that match a match expression."""
        ...

    def order_desc(self) -> str:
        return "d.bib_id DESC"

    # -- reading ------------------------------------------------------------------

    def _rows(self, sql: str, params: list[Any]) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _where(self, where: str, preds: list[Pred]) -> tuple[str, list[Any]]:
        clauses, params = [where], []
        for sql, values in preds:
            clauses.append(sql)
            params.extend(values)
        return " AND ".join(clauses), params

    def count(self, expr: object, library_id: int, preds: list[Pred]) -> int:
        source, where, params = self.source(expr, library_id)
        extra_where, extra = self._where(where, preds)
        rows = self._rows(f"SELECT count(*) FROM {source} WHERE {extra_where}", params + extra)
        return int(rows[0][0])

    def ids(
        self, expr: object, library_id: int, preds: list[Pred], *, limit: int, offset: int = 0
    ) -> list[int]:
        """Matching titles, newest first."""
        return [r[0] for r in self.id_rows(expr, library_id, preds, limit=limit, offset=offset)]

    def ids_on_shelf(
        self, expr: object, library_id: int, preds: list[Pred], *, limit: int
    ) -> list[tuple[int, bool]]:
        """Matching titles, newest first, each with whether a copy is on the shelf."""
        rows = self.id_rows(expr, library_id, preds, limit=limit, offset=0, available=True)
        return [(r[0], r[1] > 0) for r in rows]

    def id_rows(
        self,
        expr: object,
        library_id: int,
        preds: list[Pred],
        *,
        limit: int,
        offset: int,
        available: bool = False,
    ) -> list[tuple]:
        source, where, params = self.source(expr, library_id)
        full_where, extra = self._where(where, preds)
        columns = "d.bib_id, d.available" if available else "d.bib_id"
        sql = (
            f"SELECT {columns} FROM {source} WHERE {full_where} "
            f"ORDER BY {self.order_desc()} LIMIT %s OFFSET %s"
        )
        return self._rows(sql, params + extra + [limit, offset])

    def matching(self, expr: object, library_id: int, ids: Sequence[int]) -> set[int]:
        """Those of `ids` that match."""
        found: set[int] = set()
        for part in chunks(list(ids)):
            source, where, params = self.source(expr, library_id)
            sql = (
                f"SELECT d.bib_id FROM {source} WHERE {where} AND d.bib_id IN ({marks(len(part))})"
            )
            found.update(r[0] for r in self._rows(sql, params + list(part)))
        return found

    def keyed(
        self,
        library_id: int,
        column: str,
        value: str,
        *,
        prefix: bool,
        preds: list[Pred],
        limit: int,
    ) -> list[tuple[int, int, int, int]]:
        """(bib id, copies on the shelf, key length, copies) of the titles whose key equals (or
        starts with) value: the first `limit` in key order."""
        c = f"d.{column}{self.collate}"
        if prefix:
            cond, params = f"{c} >= %s AND {c} < %s", [value, value + TOP]
        else:
            cond, params = f"{c} = %s", [value]
        where, extra = self._where(f"d.library_id = %s AND {cond}", preds)
        sql = (
            f"SELECT d.bib_id, d.available, length(d.{column}), d.copies FROM search_doc d "
            f"WHERE {where} ORDER BY {c} LIMIT %s"
        )
        return [tuple(r) for r in self._rows(sql, [library_id, *params, *extra, limit])]

    def facets(self, expr: object, library_id: int, preds: list[Pred], cap: int) -> FacetRows:
        """One pass over the matching titles (the newest `cap` of them)."""
        source, where, params = self.source(expr, library_id)
        full_where, extra = self._where(where, preds)
        inner = self.facet_rows_sql(source, full_where)
        rows = self._rows(
            "SELECT m.clc_top, m.material_type, m.year, CASE WHEN m.available > 0 THEN 1 "
            f"ELSE 0 END, m.locations, count(*) FROM ({inner}) m GROUP BY 1, 2, 3, 4, 5",
            params + extra + [cap],
        )
        combos = [(r[0], r[1], r[2], bool(r[3]), r[4], int(r[5])) for r in rows]
        return FacetRows(combos=combos, scanned=sum(r[5] for r in combos))

    @abstractmethod
    def match_ids_text(self, expr: object, library_id: int) -> str:
        """Every matching title's id, as one string of ids separated by spaces: a
        school's broad query matches thousands of titles, and one string is read
        several times faster than as many rows."""
        ...

    # -- what facets count (search.facet_values keeps it in memory) ------------------

    def generation(self, library_id: int) -> int | None:
        rows = self._rows("SELECT value FROM search_generation WHERE library_id = %s", [library_id])
        return int(rows[0][0]) if rows else None

    def new_generation(self, library_ids: Iterable[int]) -> None:
        """These libraries' facet values changed (in the caller's transaction)."""
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_generation (library_id, value) VALUES (%s, %s) "
                "ON CONFLICT (library_id) DO UPDATE SET value = excluded.value",
                [(lib, secrets.randbits(62)) for lib in sorted(set(library_ids))],
            )

    def facet_values(self, library_id: int) -> list[tuple[int, str, str, int | None, str]]:
        """(bib id, class, material type, year, locations) of every title of a library."""
        return self._rows(
            "SELECT bib_id, clc_top, material_type, year, locations FROM search_doc "
            "WHERE library_id = %s",
            [library_id],
        )

    def libraries_of(self, bib_ids: Sequence[int]) -> set[int]:
        out: set[int] = set()
        for part in chunks(list(bib_ids)):
            out.update(
                r[0]
                for r in self._rows(
                    "SELECT DISTINCT library_id FROM search_doc "
                    f"WHERE bib_id IN ({marks(len(part))})",
                    list(part),
                )
            )
        return out

    def facet_rows_sql(self, source: str, where: str) -> str:
        return (
            f"SELECT d.clc_top, d.material_type, d.year, d.available, d.locations FROM {source} "
            f"WHERE {where} ORDER BY {self.order_desc()} LIMIT %s"
        )

    def library_size(self, library_id: int, stop: int) -> int:
        """The library's titles in the index, counted up to `stop`."""
        rows = self._rows(
            "SELECT count(*) FROM (SELECT 1 FROM search_doc WHERE library_id = %s LIMIT %s) s",
            [library_id, stop],
        )
        return int(rows[0][0])

    def library_ids(self) -> tuple[int | None, int | None]:
        """The lowest and highest library id in the index (one index probe each: a
        single min() or max() per statement is what SQLite answers from an index)."""
        low = self._rows("SELECT min(library_id) FROM search_doc", [])[0][0]
        high = self._rows("SELECT max(library_id) FROM search_doc", [])[0][0]
        return low, high

    def suggest_rows(self, library_id: int, prefix: str, limit: int) -> list[tuple[str, str, str]]:
        c = f"s.key{self.collate}"
        sql = (
            "SELECT s.key, s.text, s.kind FROM search_suggest s "
            "JOIN search_doc d ON d.bib_id = s.bib_id "
            f"WHERE s.library_id = %s AND {c} >= %s AND {c} < %s AND d.withdrawn = %s "
            f"ORDER BY {c} LIMIT %s"
        )
        return [tuple(r) for r in self._rows(sql, [library_id, prefix, prefix + TOP, False, limit])]

    # -- copies -------------------------------------------------------------------

    def holdings(self, bib_ids: Sequence[int]) -> dict[int, Holdings]:
        out: dict[int, Holdings] = {}
        for part in chunks(list(bib_ids)):
            out.update(
                holdings_of(
                    self._rows(
                        "SELECT bib_id, status, location_id FROM catalog_item "
                        f"WHERE bib_id IN ({marks(len(part))})",
                        list(part),
                    )
                )
            )
        return out

    def item_rows(self, first: int, last: int) -> list[tuple]:
        """(bib id, status, location id) of the items of the titles with ids from first
        to last: one range of the bib_id index, for the bulk reindex. (No library
        condition: SQLite would walk the library's index instead, every item of the
        library for each batch; another library's items in the range go unused.)"""
        return self._rows(
            "SELECT bib_id, status, location_id FROM catalog_item "
            "WHERE bib_id >= %s AND bib_id <= %s",
            [first, last],
        )

    def stored_holdings(self, bib_ids: Sequence[int]) -> dict[int, tuple[Holdings, tuple]]:
        """What the index holds of these titles' copies, and (library id, material type,
        class) for their filter tokens."""
        out: dict[int, tuple[Holdings, tuple]] = {}
        for part in chunks(list(bib_ids)):
            rows = self._rows(
                "SELECT bib_id, available, copies, withdrawn, locations, library_id, "
                f"material_type, clc_top FROM search_doc WHERE bib_id IN ({marks(len(part))})",
                list(part),
            )
            for bib_id, available, copies, withdrawn, locations, *rest in rows:
                places = tuple(int(x) for x in locations.split())
                out[bib_id] = (Holdings(available, copies, bool(withdrawn), places), tuple(rest))
        return out

    def set_holdings(self, changes: dict[int, Holdings]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE search_doc SET available = %s, copies = %s, withdrawn = %s, "
                "locations = %s WHERE bib_id = %s",
                [
                    (h.available, h.copies, h.withdrawn, " ".join(map(str, h.locations)), b)
                    for b, h in changes.items()
                ],
            )

    @abstractmethod
    def set_filter_tokens(self, tokens: dict[int, list[str]]) -> None:
        """Replace the filter tokens (column f) of these titles, the rest untouched."""
        ...

    # -- writing (each backend) ---------------------------------------------------

    def write(self, docs: list[Document], *, fresh: bool = False) -> None:
        """Put documents in the index in place of what it had for those titles
        (fresh: the index has nothing for them yet)."""
        self.write_rows(self.rows_of(docs), fresh=fresh)

    @classmethod
    @abstractmethod
    def rows_of(cls, docs: list[Document]) -> Rows:
        """The rows that write_rows inserts for these documents (no database: a worker
        process of the bulk reindex makes them)."""
        ...

    @abstractmethod
    def write_rows(self, rows: Rows, *, fresh: bool = False) -> None: ...

    @abstractmethod
    def delete(self, bib_ids: Sequence[int]) -> None: ...

    @staticmethod
    def _doc_rows(docs: list[Document]) -> list[tuple]:
        return [
            (
                d.bib_id,
                d.library_id,
                d.title_key,
                d.title_py,
                d.title_in,
                d.clc_top,
                d.year,
                d.material_type,
                d.holdings.available,
                d.holdings.copies,
                d.holdings.withdrawn,
                " ".join(str(x) for x in d.holdings.locations),
            )
            for d in docs
        ]

    DOC_COLUMNS = (
        "bib_id, library_id, title_key, title_py, title_in, clc_top, year, material_type, "
        "available, copies, withdrawn, locations"
    )

    @staticmethod
    def _suggest_rows(docs: list[Document]) -> list[tuple]:
        return [
            (d.library_id, d.bib_id, key, text[:500], kind)
            for d in docs
            for key, text, kind in d.suggest
        ]

    def bulk_start(self) -> None:  # noqa: B027 - a hook: a backend may need nothing
        """Before filling an empty index in bulk."""

    def bulk_end(self) -> None:  # noqa: B027 - a hook
        """After filling it (also when the filling failed half-way)."""

    def optimize(self) -> None:  # noqa: B027 - a hook
        """After a bulk rebuild: let the index settle (merge segments, analyze)."""
