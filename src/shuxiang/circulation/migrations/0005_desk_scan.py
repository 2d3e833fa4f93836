"""The desk's scan ids (DeskScan): a check-out or check-in sent twice is applied once."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("circulation", "0004_receipt_sequence"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeskScan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scan_id", models.UUIDField()),
                ("created_at", models.DateTimeField()),
                ("outcome", models.JSONField(default=dict)),
                (
                    "library",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.library",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("library", "scan_id"), name="desk_scan_id_unique"
                    )
                ],
            },
        ),
    ]
