"""NumberSeries moves from acquisitions to catalog, the app that allocates from it.

State only: the table keeps its name (acquisitions_numberseries) and its rows; the
matching acquisitions migration drops the model from that app's state."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_bib_isbn_index_within_library"),
        ("acquisitions", "0001_initial"),
        ("core", "0002_audit_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="NumberSeries",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("accession", "登录号"), ("barcode", "条码号")],
                                max_length=20,
                                verbose_name="类型",
                            ),
                        ),
                        (
                            "prefix",
                            models.CharField(blank=True, max_length=10, verbose_name="前缀"),
                        ),
                        (
                            "width",
                            models.PositiveSmallIntegerField(default=6, verbose_name="数字位数"),
                        ),
                        (
                            "next_value",
                            models.PositiveBigIntegerField(default=1, verbose_name="下一个号码"),
                        ),
                        (
                            "last_value",
                            models.PositiveBigIntegerField(
                                blank=True, null=True, verbose_name="号段终止"
                            ),
                        ),
                        (
                            "library",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="number_series",
                                to="core.library",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "号码序列",
                        "verbose_name_plural": "号码序列",
                        "db_table": "acquisitions_numberseries",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("library", "kind"), name="number_series_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
