"""Where each title's copies are (search_doc.locations, and tokens o<id> that the
location filter asks for). On SQLite search_doc is made again with an INTEGER PRIMARY
KEY: Django's bigint key is not the table's rowid, which cost every joined row a
second B-tree lookup. The index is derived data: it is emptied here and built again
when `migrate` ends (search.apps, post_migrate), or by `shuxiang reindex`."""

from django.db import migrations, models

SQLITE = [
    "DROP TRIGGER IF EXISTS search_doc_deleted",
    "DROP TABLE search_doc",
    "DELETE FROM search_fts",
    "DELETE FROM search_suggest",
    'CREATE TABLE "search_doc" ('
    '"bib_id" INTEGER NOT NULL PRIMARY KEY REFERENCES "catalog_bib" ("id") DEFERRABLE INITIALLY DEFERRED, '
    '"library_id" bigint NOT NULL REFERENCES "core_library" ("id") DEFERRABLE INITIALLY DEFERRED, '
    '"title_key" varchar(200) NOT NULL, "title_py" varchar(200) NOT NULL, '
    '"title_in" varchar(200) NOT NULL, "clc_top" varchar(1) NOT NULL, '
    '"year" smallint unsigned NULL CHECK ("year" >= 0), "material_type" varchar(20) NOT NULL, '
    '"available" integer unsigned NOT NULL CHECK ("available" >= 0), '
    '"copies" integer unsigned NOT NULL CHECK ("copies" >= 0), "withdrawn" bool NOT NULL, '
    '"locations" varchar(200) NOT NULL)',
    "CREATE TRIGGER search_doc_deleted AFTER DELETE ON search_doc BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.bib_id; END",
    "CREATE INDEX search_doc_title_key ON search_doc (library_id, title_key)",
    "CREATE INDEX search_doc_title_py ON search_doc (library_id, title_py)",
    "CREATE INDEX search_doc_title_in ON search_doc (library_id, title_in)",
]
POSTGRES = ["DELETE FROM search_suggest", "DELETE FROM search_doc"]


def rebuild(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_token_index")]

    operations = [
        migrations.AddField(
            model_name="searchdoc",
            name="locations",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
