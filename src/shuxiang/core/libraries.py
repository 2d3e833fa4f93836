"""Which library a request or a command acts for."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from shuxiang.core.errors import NotFound
from shuxiang.core.models import Library


def library_of_user(user: Any) -> Library | None:
    """The library a login belongs to (superusers without one act for the default)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "membership", None) if hasattr(user, "membership") else None
    if membership is not None:
        return membership.library
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
