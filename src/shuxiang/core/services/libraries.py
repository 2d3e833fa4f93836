"""Setting up a library: its default locations, the roles and the apps' own steps."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import setup_steps
from shuxiang.core.audit import Actor
from shuxiang.core.models import Library, Location
from shuxiang.core.permissions import ROLE_CAPABILITIES, ROLES

DEFAULT_LOCATIONS = [
    ("stacks", "书库", Location.Kind.STACKS),
    ("reading", "阅览室", Location.Kind.READING_ROOM),
    ("teachers", "教师阅览室", Location.Kind.TEACHER_ROOM),
]


@transaction.atomic
def roles_sync() -> None:
    """Make the role groups and give each exactly its capabilities."""
    content_type = ContentType.objects.get_for_model(Library)
    perms = {p.codename: p for p in Permission.objects.filter(content_type=content_type)}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in ROLE_CAPABILITIES[role]])


@transaction.atomic
def library_setup(*, code: str = "main", name: str = "", school_name: str = "") -> Library:
    """Create (or complete) a library with its default locations and roles, and run the
    steps the apps register (core.setup_steps: the loan rules, ...). Safe to run again:
    nothing that exists is changed."""
    library, created = Library.objects.get_or_create(
        code=code, defaults={"name": name or _("学校图书馆"), "school_name": school_name}
    )
    for loc_code, loc_name, kind in DEFAULT_LOCATIONS:
        Location.objects.get_or_create(
            library=library, code=loc_code, defaults={"name": loc_name, "kind": kind}
        )
    roles_sync()
    setup_steps.run_all(library)  # the apps' own defaults (loan rules, ...)
    return library


def library_school_year_set(*, actor: Actor, year: int) -> None:
    """Move the library to another school year (学年), as promotion does once a year; runs
    inside the caller's transaction, whose audit event records the promotion."""
    Library.objects.filter(pk=actor.library.pk).update(current_school_year=year)
    actor.library.current_school_year = year
