"""PostgreSQL: the same tokens as lexemes "column:token" in a tsvector column of
search_doc with a GIN index; a match expression becomes a tsquery over them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shuxiang.search import plan
from shuxiang.search.backends.base import Backend, Pred, Rows, chunks, marks
from shuxiang.search.documents import Document


class PostgresBackend(Backend):
    collate = ' COLLATE "C"'

    def source(self, expr: object, library_id: int) -> tuple[str, str, list[Any]]:
        return (
            "search_doc d",
            "d.library_id = %s AND d.tokens @@ %s::tsquery",
            [library_id, plan.to_tsquery(expr)],
        )

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
        # MATERIALIZED: the matches come from the GIN index first. Left to itself the
        # planner walks the primary key backwards for "newest 20" and tests every
        # title's tsvector on the way (200 ms for a rare word at 20,000 titles).
        source, where, params = self.source(expr, library_id)
        full_where, extra = self._where(where, preds)
        columns = "bib_id, available" if available else "bib_id"
        sql = (
            f"WITH hits AS MATERIALIZED (SELECT d.bib_id, d.available FROM {source} "
            f"WHERE {full_where}) SELECT {columns} FROM hits ORDER BY bib_id DESC "
            "LIMIT %s OFFSET %s"
        )
        return self._rows(sql, params + extra + [limit, offset])

    def match_ids_text(self, expr: object, library_id: int) -> str:
        source, where, params = self.source(expr, library_id)
        rows = self._rows(
            f"SELECT string_agg(d.bib_id::text, ' ') FROM {source} WHERE {where}", params
        )
        return rows[0][0] or ""

    def facet_rows_sql(self, source: str, where: str) -> str:
        return (
            "WITH hits AS MATERIALIZED (SELECT d.bib_id, d.clc_top, d.material_type, d.year, "
            f"d.available, d.locations FROM {source} WHERE {where}) "
            "SELECT clc_top, material_type, year, available, locations FROM hits "
            "ORDER BY bib_id DESC LIMIT %s"
        )

    def set_filter_tokens(self, tokens: dict[int, list[str]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE search_doc SET tokens = array_to_tsvector(ARRAY(SELECT lexeme FROM "
                "unnest(tsvector_to_array(tokens)) lexeme WHERE lexeme NOT LIKE 'f:%%') "
                "|| %s::text[]) WHERE bib_id = %s",
                [([f"f:{t}" for t in values], bib_id) for bib_id, values in tokens.items()],
            )

    def delete(self, bib_ids: Sequence[int]) -> None:
        with self.connection.cursor() as cursor:
            for part in chunks(list(bib_ids)):
                args = list(part)
                cursor.execute(
                    f"DELETE FROM search_suggest WHERE bib_id IN ({marks(len(part))})", args
                )
                cursor.execute(f"DELETE FROM search_doc WHERE bib_id IN ({marks(len(part))})", args)

    @classmethod
    def rows_of(cls, docs: list[Document]) -> Rows:
        return Rows(
            bib_ids=[d.bib_id for d in docs],
            library_ids={d.library_id for d in docs},
            tables=(
                [(*row, d.lexemes()) for row, d in zip(cls._doc_rows(docs), docs, strict=True)],
                cls._suggest_rows(docs),
            ),
        )

    def write_rows(self, rows: Rows, *, fresh: bool = False) -> None:
        if not rows.bib_ids:
            return
        if not fresh:
            self.delete(rows.bib_ids)
        docs, suggest = rows.tables
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO search_doc ({self.DOC_COLUMNS}, tokens) "
                f"VALUES ({marks(12)}, array_to_tsvector(%s::text[]))",
                docs,
            )
            cursor.executemany(
                "INSERT INTO search_suggest (library_id, bib_id, key, text, kind) "
                f"VALUES ({marks(5)})",
                suggest,
            )

    def bulk_start(self) -> None:
        # A GIN index is built far faster in one go than row by row.
        with self.connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS search_doc_tokens")

    def bulk_end(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS search_doc_tokens ON search_doc "
                "USING gin (tokens) WITH (fastupdate = off)"
            )

    def optimize(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE search_doc")
            cursor.execute("ANALYZE search_suggest")
