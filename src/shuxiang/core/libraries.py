"""Which library a request or a command acts for."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from shuxiang.core import rows
from shuxiang.core.errors import NotFound
from shuxiang.core.models import Library, Membership


def library_of_user(user: Any) -> Library | None:
    """The library a login belongs to (superusers without one act for the default).

    Asked on every signed-in request (the desk's scans too), so it is one statement made
    once per process rather than two ORM queries (membership, then library)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    quote = connection.ops.quote_name
    sql = (
        f"SELECT l.* FROM {quote(Library._meta.db_table)} l"
        f" JOIN {quote(Membership._meta.db_table)} m ON m.library_id = l.id WHERE m.user_id = %s"
    )
    library = rows.first(Library, sql, [user.pk])
    if library is not None:
        return library
    if user.is_superuser:
        return default_library()
    return None


def default_library() -> Library | None:
    """The deployment's default library: SHUXIANG_LIBRARY, else the first one."""
    code = settings.SHUXIANG_DEFAULT_LIBRARY
    qs = Library.objects.all()
    if code:
        return qs.filter(code=code).first()
    return qs.order_by("id").first()


def library_by_code(code: str | None) -> Library:
    """The library for a CLI `--library CODE` (default when omitted)."""
    library = Library.objects.filter(code=code).first() if code else default_library()
    if library is None:
        raise NotFound(
            f"no library {code!r}; run `shuxiang setup` first"
            if code
            else "no library; run `shuxiang setup` first"
        )
    return library
