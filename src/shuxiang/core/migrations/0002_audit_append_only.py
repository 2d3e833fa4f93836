from django.db import migrations

from shuxiang.core import audit_guard


def forwards(apps, schema_editor):
    audit_guard.install(schema_editor.connection)


def backwards(apps, schema_editor):
    audit_guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
