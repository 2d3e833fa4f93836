"""The REST API under /api/v1/: thin adapters over the services.

Every error path answers {"code", "message"} with a stable code, the framework's own
401/404/405/422 and malformed JSON included.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shuxiang.api.auth import BearerToken
from shuxiang.core.errors import DomainError

api = NinjaAPI(
    title="Shuxiang API",
    version="1",
    description="书香图书管理系统接口。认证：Authorization: Bearer <token>（POST /api/v1/auth/token 获取）。",
    auth=BearerToken(),
    urls_namespace="api",
)


def _error(
    request: HttpRequest, code: str, message: str, status: int, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.code, exc.message, exc.status, **exc.details)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, "unauthorized", _("需要有效的接口令牌（Authorization: Bearer <token>）。"), 401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = []
    for error in exc.errors:
        loc = [
            str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query", "path")
        ]
        fields.append({"field": ".".join(loc), "message": error.get("msg", "")})
    names = "、".join(f["field"] for f in fields if f["field"]) or "-"
    return _error(
        request, "invalid", _("请求数据有误：%(fields)s") % {"fields": names}, 422, errors=fields
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return _error(request, "malformed_json", _("请求内容不是有效的 JSON。"), 400)
    if exc.status_code == 405:
        return _error(request, "method_not_allowed", _("不支持此请求方法。"), 405)
    return _error(request, "error", str(exc), exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, "not_found", _("找不到请求的资源。"), 404)


def unknown_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything under /api/v1/ that no endpoint answers: JSON, not an HTML page."""
    return JsonResponse({"code": "not_found", "message": _("没有这个接口。")}, status=404)


from shuxiang.api import (  # noqa: E402,F401  (registers the endpoints)
    circulation,
    inventory,
    marc,
    readers,
    reports,
    routes,
    search,
    serials,
    suggestions,
)
