"""The query planner's statistics on SQLite, refreshed when the schema changes.

SQLite picks an index by the figures `ANALYZE` leaves in sqlite_stat1; an index it has
no figures for looks selective. After a migration added an index on (library, ...),
"library = ?" — every row of a school's single-library database — was read through it,
one random read per row (the school-year report went from 1.6 s to 4.4 s at a million
loans). So `setup`, which runs the migrations, refreshes the figures after them: a
whole ANALYZE, since a sample (`analysis_limit`) sees a thousand rows per library and
makes the same mistake. It takes about 0.6 s at a million loans, and is not repeated
while the desks work: the shape of the data (one library, most loans returned) does
not change from hour to hour. PostgreSQL's autovacuum keeps its own statistics.
"""

from __future__ import annotations

from django.db import connection


def refresh() -> bool:
    """Refresh the planner's statistics; False where the database keeps its own."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
