"""A school's admin becomes a library-scoped role like the others.

Logins in the admin and librarian groups were Django superusers (admins) and staff
(both), which let a school's admin open the Django admin and see every library. They
lose both flags here, each change with an audit event; the admin and librarian groups
get the new capability manage_logins (the logins page), as `shuxiang setup` would give
it. A deployment superuser (createsuperuser, no role group) keeps its flags.
"""

from typing import Any

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

GRANTS = {"admin": ["manage_logins"], "librarian": ["manage_logins"]}


def scope_logins(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Membership = apps.get_model("core", "Membership")
    AuditEvent = apps.get_model("core", "AuditEvent")

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

    now = timezone.now()
    libraries = dict(Membership.objects.values_list("user_id", "library_id"))
    users = User.objects.filter(
        Q(is_superuser=True) | Q(is_staff=True), groups__name__in=["admin", "librarian"]
    ).distinct()
    for user in users:
        before = {"is_superuser": user.is_superuser, "is_staff": user.is_staff}
        User.objects.filter(pk=user.pk).update(is_superuser=False, is_staff=False)
        AuditEvent.objects.create(
            library_id=libraries.get(user.pk),
            at=now,
            actor=None,
            actor_name="系统",
            channel="system",
            action="user.scope",
            object_type="auth.user",
            object_id=str(user.pk),
            object_repr=user.username[:200],
            before=before,
            after={"is_superuser": False, "is_staff": False},
            reason="学校管理员只管理本校（不再是超级用户）",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_login_capabilities_admin_channel"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(scope_logins, migrations.RunPython.noop)]
