"""The two index backends: SQLite FTS5 (the embedded default) and PostgreSQL (a GIN
index over the same tokens). Both answer the same questions with the same SQL where
they can; they differ in how a match expression is asked and how documents are written.
The engine (search/engine.py) decides the ranking and paging over these questions, so
both give the same results on the same corpus."""

from __future__ import annotations

from django.db import connections, router

from shuxiang.search.backends.base import Backend
from shuxiang.search.models import SearchDoc


def backend() -> Backend:
    alias = router.db_for_read(SearchDoc)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        from shuxiang.search.backends.postgres import PostgresBackend

        return PostgresBackend(connection)
    from shuxiang.search.backends.sqlite import SqliteBackend

    return SqliteBackend(connection)
