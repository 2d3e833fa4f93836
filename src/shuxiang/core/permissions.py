"""Every access rule in a few tested functions.

Roles are Django groups; what each role may do is the table ROLE_CAPABILITIES, turned
into group permissions by `shuxiang setup`. Views, the API and the CLI ask `can()`,
never a group name.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
LIBRARIAN = "librarian"
ASSISTANT = "assistant"
TEACHER = "teacher"
STUDENT = "student"
LEADER = "leader"

ROLE_LABELS = {
    ADMIN: _("系统管理员"),
    LIBRARIAN: _("图书管理员"),
    ASSISTANT: _("班级图书管理员"),
    TEACHER: _("教师"),
    STUDENT: _("学生"),
    LEADER: _("学校领导"),
}

# Capabilities are permissions on core.Library (see its Meta.permissions).
CAPABILITIES = {
    "staff_access": _("进入工作台"),
    "circulate": _("借还书"),
    "circulate_any_class": _("为任何班级借还"),
    "override_refusal": _("越权借出（需说明原因）"),
    "catalog": _("编目与馆藏"),
    "manage_patrons": _("读者管理"),
    "view_patron_history": _("查看读者借阅历史"),
    "view_reports": _("查看统计"),
    "manage_library": _("图书馆设置"),
    "view_own_class": _("查看本班阅读情况"),
}

ROLE_CAPABILITIES: dict[str, set[str]] = {
    ADMIN: set(CAPABILITIES),
    LIBRARIAN: {
        "staff_access",
        "circulate",
        "circulate_any_class",
        "override_refusal",
        "catalog",
        "manage_patrons",
        "view_patron_history",
        "view_reports",
    },
    ASSISTANT: {"staff_access", "circulate"},
    TEACHER: {"view_own_class"},
    STUDENT: set(),
    LEADER: {"staff_access", "view_reports"},
}

ROLES = list(ROLE_CAPABILITIES)


def can(user: Any, capability: str) -> bool:
    """May this login do this? Superusers may do everything."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.has_perm(f"core.{capability}")


def role_of(user: Any) -> str | None:
    """The login's role (the first matching group, most powerful first)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ADMIN
    names = {g.name for g in user.groups.all()}
    for role in ROLES:
        if role in names:
            return role
    return None


def assisted_class_ids(user: Any) -> set[int]:
    """The classes a student assistant (班级图书管理员) acts for."""
    patron = getattr(user, "patron", None) if user is not None and user.is_authenticated else None
    if patron is None:
        return set()
    return set(patron.assisted_classes.values_list("pk", flat=True))


def can_circulate_for(user: Any, *, class_id: int | None) -> bool:
    """May this login lend to / take back from a reader of this class (None: no class)?
    Librarians may serve everyone; a student assistant only their own class."""
    if not can(user, "circulate"):
        return False
    if can(user, "circulate_any_class"):
        return True
    return class_id is not None and class_id in assisted_class_ids(user)
