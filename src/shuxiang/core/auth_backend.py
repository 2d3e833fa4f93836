"""Django's model backend with the permission sets kept in memory for a short while.

Every desk scan and API call asks `can()`; without this each request costs two joined
queries (user and group permissions) because the user object is new every request.
Roles change rarely; the cache is dropped whenever a login's groups, a group's
permissions or a user row changes, and entries expire after PERMISSION_TTL seconds in
any case (another process may have made the change).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from shuxiang.core import rows
from shuxiang.core.permissions import KIOSK

PERMISSION_TTL = 30.0

_lock = threading.Lock()
_cache: dict[int, tuple[float, frozenset[str]]] = {}


def clear_permission_cache(**_kwargs: Any) -> None:
    with _lock:
        _cache.clear()


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        """The session's user, read on every request (a deactivated login is refused at
        once) with one statement made once per process instead of an ORM query."""
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        quote = connection.ops.quote_name
        sql = (
            f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"
        )
        user = rows.first(model, sql, [pk])
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(
        self, request: Any, username: Any = None, password: Any = None, **kwargs: Any
    ) -> Any:
        """A kiosk's login (role kiosk) is for the SIP2 server only: the staff login page
        and the API's token endpoint, which both come here, never accept it, even with
        the right password."""
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.groups.filter(name=KIOSK).exists():
            return None
        return user

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        now = time.monotonic()
        hit = _cache.get(user_obj.pk)
        if hit is not None and now - hit[0] < PERMISSION_TTL:
            user_obj._perm_cache = set(hit[1])
            return user_obj._perm_cache
        perms = super().get_all_permissions(user_obj, obj)
        with _lock:
            _cache[user_obj.pk] = (now, frozenset(perms))
        return perms


User = get_user_model()
m2m_changed.connect(
    clear_permission_cache, sender=User.groups.through, dispatch_uid="sx-perm-groups"
)
m2m_changed.connect(
    clear_permission_cache, sender=User.user_permissions.through, dispatch_uid="sx-perm-user"
)
m2m_changed.connect(
    clear_permission_cache, sender=Group.permissions.through, dispatch_uid="sx-perm-group"
)
post_save.connect(clear_permission_cache, sender=User, dispatch_uid="sx-perm-user-save")
post_delete.connect(clear_permission_cache, sender=User, dispatch_uid="sx-perm-user-delete")
