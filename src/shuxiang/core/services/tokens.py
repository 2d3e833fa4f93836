"""API tokens: made random, stored only as SHA-256, looked up by it."""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from shuxiang.core import clock
from shuxiang.core.errors import Invalid, NotFound
from shuxiang.core.models import ApiToken


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, username: str, name: str = "") -> str:
    """A new random API token for a login. Only its SHA-256 is stored; the token itself is
    returned once and cannot be shown again."""
    User = get_user_model()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(_("没有用户 %(name)s。") % {"name": username}, code="user_not_found")
    from shuxiang.core.permissions import KIOSK, role_of

    if role_of(user) == KIOSK:  # a kiosk speaks SIP2 only (sip2 app)
        raise Invalid(
            _("自助借还机账号只用于 SIP2，不能取得接口令牌。"), code="kiosk_without_token"
        )
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
