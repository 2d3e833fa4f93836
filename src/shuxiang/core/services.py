"""Setting up a library, logins and API tokens."""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from shuxiang.core import clock, setup_steps
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import ApiToken, Library, Location, Membership
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


@transaction.atomic
def user_create(
    *, library: Library, username: str, role: str, password: str, full_name: str = ""
) -> Any:
    """A login for a library with one role."""
    if role not in ROLES:
        raise Invalid(
            _("未知角色：%(role)s（可选：%(roles)s）") % {"role": role, "roles": ", ".join(ROLES)}
        )
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise Conflict(_("用户名 %(name)s 已存在。") % {"name": username}, code="username_taken")
    if len(password) < 6:
        raise Invalid(_("密码至少需要 6 个字符。"), code="password_too_short")
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    if role == "admin":
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    elif role in {"librarian"}:
        user.is_staff = True  # may open the Django admin for the rarely used tables
        user.save(update_fields=["is_staff"])
    if not Group.objects.filter(name=role).exists():
        roles_sync()
    user.groups.add(Group.objects.get(name=role))
    Membership.objects.create(user=user, library=library)
    return user


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, username: str, name: str = "") -> str:
    """A new random API token for a login. Only its SHA-256 is stored; the token itself is
    returned once and cannot be shown again."""
    User = get_user_model()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(_("没有用户 %(name)s。") % {"name": username}, code="user_not_found")
    raw = "sx_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(raw), prefix=raw[:8], name=name)
    return raw


# Tokens recently seen, by hash: a kiosk or a desk client sends the same token hundreds
# of times an hour, and building the token, its login and library through the ORM costs
# more than a check-in itself. The cache keeps those objects only: whether the token
# still exists and its login is still active is asked of the database on every request,
# with one indexed statement, so revoking a token or deactivating a login takes effect at
# once in every worker process (another process's cache never outlives the row).
TOKEN_TTL = 60.0
_token_cache: dict[str, tuple[float, ApiToken]] = {}
_token_lock = threading.Lock()


def token_cache_clear(**_kwargs: Any) -> None:
    with _token_lock:
        _token_cache.clear()


def _still_valid(token: ApiToken) -> bool:
    users = get_user_model()._meta.db_table
    sql = (
        f"SELECT 1 FROM {ApiToken._meta.db_table} t JOIN {users} u ON u.id = t.user_id"
        " WHERE t.id = %s AND u.is_active"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token.pk])
        return cursor.fetchone() is not None


def token_authenticate(raw: str) -> ApiToken | None:
    """The token's record if it is valid: one indexed lookup by hash (no password
    hashing); a token seen in the last minute is only checked to be still valid."""
    if not raw or len(raw) > 200:
        return None
    key = _hash(raw)
    now_mono = time.monotonic()
    hit = _token_cache.get(key)
    if hit is not None and now_mono - hit[0] < TOKEN_TTL:
        token = hit[1]
        if not _still_valid(token):
            with _token_lock:
                _token_cache.pop(key, None)
            return None
    else:
        try:
            token = ApiToken.objects.select_related("user", "user__membership__library").get(
                key_hash=key, user__is_active=True
            )
        except ApiToken.DoesNotExist:
            return None
        with _token_lock:
            _token_cache[key] = (now_mono, token)
    now = clock.now()
    # Record use at most hourly so the hot path does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    # Each request gets its own copies: a view may set attributes on request.user.
    record = copy.copy(token)
    record.user = copy.copy(token.user)
    return record


post_save.connect(token_cache_clear, sender=ApiToken, dispatch_uid="sx-token-save")
post_delete.connect(token_cache_clear, sender=ApiToken, dispatch_uid="sx-token-delete")
post_save.connect(token_cache_clear, sender=get_user_model(), dispatch_uid="sx-token-user-save")
post_delete.connect(token_cache_clear, sender=get_user_model(), dispatch_uid="sx-token-user-delete")


def library_school_year_set(*, actor: Actor, year: int) -> None:
    """Move the library to another school year (学年), as promotion does once a year; runs
    inside the caller's transaction, whose audit event records the promotion."""
    Library.objects.filter(pk=actor.library.pk).update(current_school_year=year)
    actor.library.current_school_year = year
