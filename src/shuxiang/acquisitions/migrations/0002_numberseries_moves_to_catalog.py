"""NumberSeries now belongs to catalog (see catalog 0003): drop it from this app's
state only; the table and its rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("acquisitions", "0001_initial"),
        ("catalog", "0003_numberseries_moves_to_catalog"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="NumberSeries")],
            database_operations=[],
        ),
    ]
