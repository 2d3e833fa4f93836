import django.core.serializers.json
from django.db import migrations, models

# The encoder is Python's business only. Told to Django as a state change alone: on
# SQLite an AlterField would rebuild core_auditevent, and the rebuilt table would lose
# the triggers that keep the audit log append-only (0002_audit_append_only).


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name=name,
                    field=models.JSONField(
                        blank=True,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        null=True,
                        verbose_name=label,
                    ),
                )
                for name, label in (("after", "之后"), ("before", "之前"))
            ],
            database_operations=[],
        )
    ]
