"""The library's settings pages (图书馆设置) instead of the Django admin.

A capability of its own, manage_settings, which the admin and librarian groups get here
as `shuxiang setup` would give it (the librarian runs the opening calendar and the
locations day to day); and Location.active, so that a location no longer in use is
marked rather than deleted.
"""

from typing import Any

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
    "manage_settings",
]

GRANTS = {"admin": ["manage_settings"], "librarian": ["manage_settings"]}


def grant(apps: Any, schema_editor: Any) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _created = ContentType.objects.get_or_create(app_label="core", model="library")
    for role, codenames in GRANTS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue  # `shuxiang setup` makes the groups with every capability
        for codename in codenames:
            perm, _created = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": codename}
            )
            group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_library_scoped_admins"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
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
        migrations.AddField(
            model_name="location",
            name="active",
            field=models.BooleanField(default=True, verbose_name="使用中"),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
