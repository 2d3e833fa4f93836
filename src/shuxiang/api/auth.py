"""Bearer-token authentication and the capability check for API endpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from shuxiang.core.audit import Actor
from shuxiang.core.errors import Forbidden
from shuxiang.core.libraries import library_of_user
from shuxiang.core.models import AuditEvent
from shuxiang.core.permissions import can
from shuxiang.core.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        record = token_authenticate(token)
        if record is None:
            return None
        library = library_of_user(record.user)
        if library is None:
            return None
        request.user = record.user
        request.library = library  # type: ignore[attr-defined]
        return record.user


def require(request: HttpRequest, capability: str) -> Actor:
    """The acting user for an endpoint that needs `capability`, else 403."""
    if not can(request.user, capability):
        raise Forbidden(_("您没有执行此操作的权限。"), code="forbidden")
    return Actor.of_request(request, AuditEvent.Channel.API)
