"""Logins (账号): each belongs to one library with one role; a deployment superuser
belongs to none. A school runs its logins from the staff logins page; every change is
an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, throttle
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, Invalid, NotFound
from shuxiang.core.models import AuditEvent, Library, Membership
from shuxiang.core.permissions import (
    GRANTABLE_ROLES,
    ROLE_LABELS,
    ROLES,
    can_grant_role,
    can_manage_login,
    role_of,
)
from shuxiang.core.services.libraries import roles_sync

MIN_PASSWORD = 6


def _username_check(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise Invalid(_("请填写用户名。"), code="username_required")
    if len(username) > 150:
        raise Invalid(_("用户名最多 150 个字符。"), code="username_invalid")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise Invalid(
            _("用户名只能包含字母、数字和 @ . + - _ 。"), code="username_invalid"
        ) from exc
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise Conflict(_("用户名 %(name)s 已存在。") % {"name": username}, code="username_taken")
    return username


def _password_check(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(
            _("密码至少需要 %(n)s 个字符。") % {"n": MIN_PASSWORD}, code="password_too_short"
        )


def _role_check(role: str) -> None:
    if role not in ROLES:
        raise Invalid(
            _("未知角色：%(role)s（可选：%(roles)s）") % {"role": role, "roles": ", ".join(ROLES)},
            code="unknown_role",
        )


def _may_grant(actor: Actor, role: str) -> None:
    """A person acting (not the CLI or the demo) may give only the roles they manage."""
    if actor.user is not None and not can_grant_role(actor.user, role):
        raise Forbidden(
            _("您不能授予“%(role)s”角色。") % {"role": ROLE_LABELS[role]}, code="role_not_allowed"
        )


def _set_role(user: Any, role: str) -> None:
    if not Group.objects.filter(name=role).exists():
        roles_sync()
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))


@transaction.atomic
def user_create(
    *,
    actor: Actor | None = None,
    library: Library | None = None,
    username: str,
    role: str,
    password: str,
    full_name: str = "",
) -> Any:
    """A login for a library with one role. From a page, `actor` is who creates it (and
    its library the login's); the CLI and the demo give just the library."""
    if actor is None:
        if library is None:
            raise Invalid(_("没有指定图书馆。"), code="library_required")
        actor = Actor.system(library)
    _role_check(role)
    _may_grant(actor, role)
    username = _username_check(username)
    _password_check(password)
    full_name = (full_name or "").strip()[:150]
    User = get_user_model()
    # No login of a library is staff or superuser: the Django admin is the deployment's.
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    _set_role(user, role)
    Membership.objects.create(user=user, library=actor.library)
    audit.record(
        actor,
        "user.create",
        user,
        after={"username": username, "role": role, "full_name": full_name, "is_active": True},
    )
    return user


@transaction.atomic
def superuser_create(*, username: str, password: str, channel: str = AuditEvent.Channel.CLI) -> Any:
    """A deployment superuser: no library, no role; the only login that opens the
    Django admin (/staff/admin/), where its changes are audited."""
    username = _username_check(username)
    _password_check(password)
    user = get_user_model().objects.create_superuser(username=username, password=password)
    audit.record(
        Actor(library=None, user=None, channel=channel),
        "user.create",
        user,
        after={"username": username, "is_superuser": True},
    )
    return user


def _login_for_change(actor: Actor, user_id: int, *, not_self: bool = False) -> Any:
    """The login of the actor's library, locked for the change; refused when the actor
    may not manage its role, or (not_self) when it is the actor's own."""
    user = (
        get_user_model()
        .objects.select_for_update()
        .filter(pk=user_id, membership__library=actor.library)
        .first()
    )
    if user is None:
        raise NotFound(_("没有这个账号。"), code="user_not_found")
    if actor.user is not None:
        if not can_manage_login(actor.user, role_of(user)):
            raise Forbidden(_("您不能管理这个账号。"), code="login_not_allowed")
        if not_self and user.pk == actor.user.pk:
            raise Forbidden(_("不能对自己的账号执行此操作。"), code="own_login")
    return user


@transaction.atomic
def user_password_set(*, actor: Actor, user_id: int, password: str) -> Any:
    """Give a login a new password (the school resets a forgotten one)."""
    user = _login_for_change(actor, user_id)
    _password_check(password)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor, "user.password_set", user)
    return user


@transaction.atomic
def user_role_set(*, actor: Actor, user_id: int, role: str) -> Any:
    """Change a login's role (not one's own)."""
    user = _login_for_change(actor, user_id, not_self=True)
    _role_check(role)
    if role not in GRANTABLE_ROLES:
        raise Invalid(
            _("账号页不能设置“%(role)s”角色。") % {"role": ROLE_LABELS[role]},
            code="role_not_grantable",
        )
    _may_grant(actor, role)
    before = role_of(user)
    if before == role:
        return user
    _set_role(user, role)
    audit.record(actor, "user.role_set", user, before={"role": before}, after={"role": role})
    return user


def _active_set(actor: Actor, user_id: int, active: bool) -> Any:
    user = _login_for_change(actor, user_id, not_self=True)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    action = "user.reactivate" if active else "user.deactivate"
    audit.record(actor, action, user, before={"is_active": not active}, after={"is_active": active})
    return user


@transaction.atomic
def user_deactivate(*, actor: Actor, user_id: int) -> Any:
    """Stop a login (not one's own): it can no longer sign in, its sessions and API
    tokens stop working at once. Nothing is deleted."""
    return _active_set(actor, user_id, False)


@transaction.atomic
def user_reactivate(*, actor: Actor, user_id: int) -> Any:
    """Let a stopped login sign in again."""
    return _active_set(actor, user_id, True)


@transaction.atomic
def user_unlock(*, actor: Actor, user_id: int) -> Any:
    """Lift a lockout after too many failed logins (before its cool-off ends)."""
    user = _login_for_change(actor, user_id)
    failures = throttle.failures_of(user.get_username())
    throttle.unlock(user.get_username())
    audit.record(actor, "user.unlock", user, before={"failures": failures}, after={"failures": 0})
    return user
