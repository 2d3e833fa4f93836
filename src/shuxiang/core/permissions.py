"""Every access rule in a few tested functions.

Roles are Django groups; what each role may do is the table ROLE_CAPABILITIES, turned
into group permissions by `shuxiang setup`. Views, the API and the CLI ask `can()`,
never a group name.

Every role belongs to one library (core.Membership), the school's admin (学校管理员)
included. Only a deployment superuser (Django's `createsuperuser`, or `shuxiang
createuser NAME --superuser`) is above the libraries: it alone opens the Django admin
(capability `manage_deployment`, which no role has).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
LIBRARIAN = "librarian"
ASSISTANT = "assistant"
TEACHER = "teacher"
STUDENT = "student"
LEADER = "leader"
# A self-service kiosk (自助借还机): a login used only by the SIP2 server (message 93).
# It has no capability at all: it cannot open a staff page or the API (the login page
# and the token endpoint refuse it, core/auth_backend.py), and over SIP2 it acts as the
# library's self-service channel, which never overrides a refusal.
KIOSK = "kiosk"

ROLE_LABELS = {
    ADMIN: _("学校管理员"),
    LIBRARIAN: _("图书管理员"),
    ASSISTANT: _("班级图书管理员"),
    TEACHER: _("教师"),
    STUDENT: _("学生"),
    LEADER: _("学校领导"),
    KIOSK: _("自助借还机"),
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
    # The school's own administration: the audit log, admins' logins.
    "manage_library": _("学校管理"),
    "view_own_class": _("查看本班阅读情况"),
    "manage_logins": _("账号管理"),
    # The library's settings pages: details, opening hours and calendar, card and
    # barcode formats, locations (the librarian runs these day to day).
    "manage_settings": _("图书馆设置"),
    # No role has this: only a deployment superuser (who has every permission).
    "manage_deployment": _("部署管理"),
}

ROLE_CAPABILITIES: dict[str, set[str]] = {
    ADMIN: set(CAPABILITIES) - {"manage_deployment"},
    LIBRARIAN: {
        "staff_access",
        "circulate",
        "circulate_any_class",
        "override_refusal",
        "catalog",
        "manage_patrons",
        "view_patron_history",
        "view_reports",
        "manage_logins",
        "manage_settings",
    },
    ASSISTANT: {"staff_access", "circulate"},
    TEACHER: {"view_own_class"},
    STUDENT: set(),
    LEADER: {"staff_access", "view_reports"},
    KIOSK: set(),
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
    names = {g.name for g in user.groups.all()}
    for role in ROLES:
        if role in names:
            return role
    # A deployment superuser without a role acts as an admin where it acts at all.
    return ADMIN if user.is_superuser else None


# -- logins: who may manage whose account ------------------------------------------------
#
# A school's admin manages every login of its library; a librarian manages the logins
# below admin (so the school runs without the Django admin), and neither acts on their
# own account from the logins page (no locking oneself out, no promoting oneself).

# The roles the logins page creates or changes to; students get their logins with
# their reader records.
GRANTABLE_ROLES = [LIBRARIAN, ASSISTANT, TEACHER, LEADER, ADMIN]


def can_manage_login(user: Any, role: str | None) -> bool:
    """May this login create, change, reset or unlock a login with this role (None: a
    login without a role)? Admin logins only by an admin (manage_library)."""
    if not can(user, "manage_logins"):
        return False
    if role == ADMIN:
        return can(user, "manage_library")
    return True


def can_grant_role(user: Any, role: str) -> bool:
    """May this login give this role to a login (creating it or changing its role)?"""
    return role in GRANTABLE_ROLES and can_manage_login(user, role)


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


# -- readers: who may see whom ----------------------------------------------------------
#
# Students are minors; their reading is sensitive personal information (PIPL). The rules:
# a reader sees their own data; the librarian sees every reader; a student assistant
# (班级图书管理员) acts and sees only for their own class, never a reading history; a
# homeroom teacher (班主任) sees their own class, and its reading only where the library
# enables it; school leaders see statistics only (the capability
# `view_reports`, asked with `can()` like any other).


def patron_of(user: Any) -> Any:
    """The reader record linked to a login, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "patron", None) if hasattr(user, "patron") else None


def homeroom_class_ids(user: Any) -> set[int]:
    """The classes whose homeroom teacher (班主任) this login is."""
    patron = patron_of(user)
    if patron is None:
        return set()
    return set(patron.homeroom_classes.values_list("pk", flat=True))


# Does a library let homeroom teachers see their class's reading? The setting is kept
# with the readers (patrons), which registers how to read it at start-up
# (PatronsConfig.ready); without it the answer is no.
_homeroom_setting: list[Callable[[Any], bool]] = []


def register_homeroom_setting(read: Callable[[Any], bool]) -> None:
    """Tell the access rules how to read a library's 班主任-sees-reading setting."""
    _homeroom_setting[:] = [read]


def _homeroom_enabled(library: Any, enabled: bool | None) -> bool:
    if enabled is not None:
        return enabled
    return any(bool(read(library)) for read in _homeroom_setting)


def can_view_patron(user: Any, patron: Any) -> bool:
    """May this login see a reader's record (name, class, card, open loans)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    own = patron_of(user)
    if own is not None and own.pk == patron.pk:
        return True
    if can(user, "manage_patrons") or can(user, "circulate_any_class"):
        return True
    if patron.school_class_id is None:
        return False
    if can(user, "circulate") and patron.school_class_id in assisted_class_ids(user):
        return True
    return can(user, "view_own_class") and patron.school_class_id in homeroom_class_ids(user)


def can_view_history(user: Any, patron: Any, *, homeroom_enabled: bool | None = None) -> bool:
    """May this login see a reader's reading history (returned loans)? The reader, the
    librarian, and — for their own class, where the library enables it — the homeroom
    teacher. Staff views are audited by the caller (patrons.services.history_view_record)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    own = patron_of(user)
    if own is not None and own.pk == patron.pk:
        return True
    if can(user, "view_patron_history"):
        return True
    return (
        can(user, "view_own_class")
        and patron.school_class_id is not None
        and patron.school_class_id in homeroom_class_ids(user)
        and _homeroom_enabled(patron.library, homeroom_enabled)
    )


def can_view_class(user: Any, school_class: Any) -> bool:
    """May this login open a class page (its readers and their open loans)? Librarians;
    the class's student assistants; its homeroom teacher."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if can(user, "manage_patrons") or can(user, "circulate_any_class"):
        return True
    if can(user, "circulate") and school_class.pk in assisted_class_ids(user):
        return True
    return can(user, "view_own_class") and school_class.pk in homeroom_class_ids(user)


def can_view_class_reading(
    user: Any, school_class: Any, *, homeroom_enabled: bool | None = None
) -> bool:
    """May this login see what a class reads (its loans, title by title)? Librarians;
    the homeroom teacher where the library enables it. Assistants see open loans only to
    lend and chase them (can_view_class), not the class's reading."""
    if can(user, "view_patron_history"):
        return True
    return (
        can(user, "view_own_class")
        and school_class.pk in homeroom_class_ids(user)
        and _homeroom_enabled(school_class.library, homeroom_enabled)
    )
