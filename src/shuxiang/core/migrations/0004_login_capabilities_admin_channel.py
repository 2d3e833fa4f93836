from django.db import migrations, models

CAPABILITIES = [
    "staff_access",
    "circulate",
    "circulate_any_class",
    "override_refusal",
    "catalog",
    "manage_patrons",
    "view_patron_history",
    "view_reports",
    "manage_library",
    "view_own_class",
    "manage_logins",
    "manage_deployment",
]

# Two capabilities (managing logins; the deployment's Django admin) and the audit
# channel "admin" for changes made in the Django admin. The channel's choices are
# Python's business only: told to Django as a state change alone, because on SQLite an
# AlterField would rebuild core_auditevent and lose the append-only triggers (0002).


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_json_encoder"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="library",
            options={
                "ordering": ["id"],
                "permissions": [(c, c) for c in CAPABILITIES],
                "verbose_name": "图书馆",
                "verbose_name_plural": "图书馆",
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="channel",
                    field=models.CharField(
                        choices=[
                            ("web", "网页"),
                            ("api", "接口"),
                            ("cli", "命令行"),
                            ("sip2", "自助机"),
                            ("system", "系统"),
                            ("admin", "管理后台"),
                        ],
                        max_length=10,
                        verbose_name="渠道",
                    ),
                )
            ],
            database_operations=[],
        ),
    ]
