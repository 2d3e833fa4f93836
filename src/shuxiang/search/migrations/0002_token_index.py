"""The token index, as each database wants it: an FTS5 table on SQLite, a tsvector
column with a GIN index on PostgreSQL; and the key indexes that exact and prefix
matching and the suggest list walk (byte order, COLLATE "C", on PostgreSQL, so that both
databases order keys alike)."""

from django.db import migrations

COLUMNS = "t, tp, ti, a, ap, ai, s, r, rp, ri, p, n, c, x, e, f"

SQLITE = [
    f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS}, tokenize='ascii', detail='column')",
    "CREATE TRIGGER search_doc_deleted AFTER DELETE ON search_doc BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.bib_id; END",
    "CREATE INDEX search_doc_title_key ON search_doc (library_id, title_key)",
    "CREATE INDEX search_doc_title_py ON search_doc (library_id, title_py)",
    "CREATE INDEX search_doc_title_in ON search_doc (library_id, title_in)",
    "CREATE INDEX search_suggest_key ON search_suggest (library_id, key)",
]
SQLITE_BACK = [
    "DROP INDEX search_suggest_key",
    "DROP INDEX search_doc_title_in",
    "DROP INDEX search_doc_title_py",
    "DROP INDEX search_doc_title_key",
    "DROP TRIGGER search_doc_deleted",
    "DROP TABLE search_fts",
]
POSTGRES = [
    "ALTER TABLE search_doc ADD COLUMN tokens tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX search_doc_tokens ON search_doc USING gin (tokens)",
    'CREATE INDEX search_doc_title_key ON search_doc (library_id, title_key COLLATE "C")',
    'CREATE INDEX search_doc_title_py ON search_doc (library_id, title_py COLLATE "C")',
    'CREATE INDEX search_doc_title_in ON search_doc (library_id, title_in COLLATE "C")',
    'CREATE INDEX search_suggest_key ON search_suggest (library_id, key COLLATE "C")',
]
POSTGRES_BACK = [
    "DROP INDEX search_suggest_key",
    "DROP INDEX search_doc_title_in",
    "DROP INDEX search_doc_title_py",
    "DROP INDEX search_doc_title_key",
    "DROP INDEX search_doc_tokens",
    "ALTER TABLE search_doc DROP COLUMN tokens",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_BACK, "postgresql": POSTGRES_BACK}),
        )
    ]
