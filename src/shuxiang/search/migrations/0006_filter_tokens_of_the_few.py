"""Filters most titles pass are asked as "without" the token of the few that fail them:
a title now carries "u" when no copy is on the shelf (in place of "a" when one is) and
"nb" when it is not a book (plan.OFF_SHELF, plan.NOT_BOOK). The index is derived data:
it is emptied here and built again when `migrate` ends (search.apps, post_migrate), or
by `shuxiang reindex`."""

from django.db import migrations

SQLITE = [
    "DELETE FROM search_fts",
    "DELETE FROM search_suggest",
    "DELETE FROM search_doc",
    "DELETE FROM search_generation",
]
POSTGRES = [
    "DELETE FROM search_suggest",
    "DELETE FROM search_doc",
    "DELETE FROM search_generation",
]


def empty(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_generation")]

    operations = [migrations.RunPython(empty, migrations.RunPython.noop)]
