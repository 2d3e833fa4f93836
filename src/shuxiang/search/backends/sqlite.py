"""SQLite: the tokens in an FTS5 table (search_fts, rowid = bib id, tokenizer `ascii`
over tokens the tokenizer module made, detail=column: column filters without
positions), joined to search_doc by rowid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shuxiang.search import plan
from shuxiang.search.backends.base import Backend, Pred, Rows, chunks, marks
from shuxiang.search.documents import Document

FTS_COLUMNS = ", ".join(plan.COLUMNS)
# The key indexes (migration 0002). A rebuild brings titles in id order, so each of
# their rows lands on a random page of these B-trees: at a million titles, with the
# pages beyond the cache, that was most of the rebuild's time. A bulk fill drops them
# and makes each once at the end, from sorted keys.
KEY_INDEXES = {
    "search_doc_title_key": "search_doc (library_id, title_key)",
    "search_doc_title_py": "search_doc (library_id, title_py)",
    "search_doc_title_in": "search_doc (library_id, title_in)",
    "search_suggest_key": "search_suggest (library_id, key)",
}
BULK_CACHE_KIB = 262_144  # page cache while filling in bulk (this connection only)


class SqliteBackend(Backend):
    def source(self, expr: object, library_id: int) -> tuple[str, str, list[Any]]:
        # The library is a token of the expression (f:l<id>), so the FTS5 table alone
        # answers a count; the join reads search_doc by rowid for the rest.
        return (
            "search_fts JOIN search_doc d ON d.bib_id = search_fts.rowid",
            "search_fts MATCH %s",
            [plan.to_fts5(expr)],
        )

    def order_desc(self) -> str:
        return "search_fts.rowid DESC"

    def count(self, expr: object, library_id: int, preds: list[Pred]) -> int:
        if preds:
            return super().count(expr, library_id, preds)
        rows = self._rows(
            "SELECT count(*) FROM search_fts WHERE search_fts MATCH %s", [plan.to_fts5(expr)]
        )
        return int(rows[0][0])

    def matching(self, expr: object, library_id: int, ids: Sequence[int]) -> set[int]:
        # rowid IN (...) on the FTS5 table itself: FTS5 seeks each rowid (about 0.1 ms
        # each), where the join would walk every match of the expression first.
        query = plan.to_fts5(expr)
        found: set[int] = set()
        for part in chunks(list(ids)):
            found.update(
                r[0]
                for r in self._rows(
                    "SELECT rowid FROM search_fts WHERE search_fts MATCH %s "
                    f"AND rowid IN ({marks(len(part))})",
                    [query, *part],
                )
            )
        return found

    def match_ids_text(self, expr: object, library_id: int) -> str:
        rows = self._rows(
            "SELECT group_concat(rowid, ' ') FROM search_fts WHERE search_fts MATCH %s",
            [plan.to_fts5(expr)],
        )
        return rows[0][0] or ""

    def set_filter_tokens(self, tokens: dict[int, list[str]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE search_fts SET f = %s WHERE rowid = %s",
                [(" ".join(values), bib_id) for bib_id, values in tokens.items()],
            )

    def delete(self, bib_ids: Sequence[int]) -> None:
        with self.connection.cursor() as cursor:
            for part in chunks(list(bib_ids)):
                args = list(part)
                cursor.execute(
                    f"DELETE FROM search_suggest WHERE bib_id IN ({marks(len(part))})", args
                )
                cursor.execute(f"DELETE FROM search_doc WHERE bib_id IN ({marks(len(part))})", args)
                cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks(len(part))})", args)

    @classmethod
    def rows_of(cls, docs: list[Document]) -> Rows:
        return Rows(
            bib_ids=[d.bib_id for d in docs],
            library_ids={d.library_id for d in docs},
            tables=(
                cls._doc_rows(docs),
                [(d.bib_id, *(d.columns[c] for c in plan.COLUMNS)) for d in docs],
                cls._suggest_rows(docs),
            ),
        )

    def write_rows(self, rows: Rows, *, fresh: bool = False) -> None:
        if not rows.bib_ids:
            return
        if not fresh:
            self.delete(rows.bib_ids)
        docs, fts, suggest = rows.tables
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO search_doc ({self.DOC_COLUMNS}) VALUES ({marks(12)})", docs
            )
            cursor.executemany(
                f"INSERT INTO search_fts (rowid, {FTS_COLUMNS}) "
                f"VALUES ({marks(len(plan.COLUMNS) + 1)})",
                fts,
            )
            cursor.executemany(
                "INSERT INTO search_suggest (library_id, bib_id, key, text, kind) "
                f"VALUES ({marks(5)})",
                suggest,
            )

    def _pragma(self, cursor: Any, name: str) -> Any:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]

    def bulk_start(self) -> None:
        with self.connection.cursor() as cursor:
            self._cache_size = self._pragma(cursor, "cache_size")
            cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            for name in KEY_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def bulk_end(self) -> None:
        with self.connection.cursor() as cursor:
            for name, on in KEY_INDEXES.items():
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {on}")
            cache_size = getattr(self, "_cache_size", None)
            if cache_size is not None:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
                self._cache_size = None

    def optimize(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE search_doc")
            cursor.execute("ANALYZE search_suggest")
