"""PostgreSQL: the GIN index takes each change at once (fastupdate off). With its
pending list on, every search read that list from start to end until a vacuum emptied
it (tens of milliseconds per query after a bulk load); catalog changes are few, so
writing them straight into the index costs little."""

from django.db import migrations


def run(on: bool):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            value = "on" if on else "off"
            schema_editor.execute(f"ALTER INDEX search_doc_tokens SET (fastupdate = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0003_locations")]

    operations = [migrations.RunPython(run(False), run(True))]
