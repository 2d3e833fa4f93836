"""Every error under /api/ answers JSON {"code", "message"}, also the ones that Django or
the framework produce before an endpoint runs (405, 500, CSRF ...)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

CODES = {
    400: ("bad_request", N_("请求有误。")),
    401: ("unauthorized", N_("需要有效的接口令牌（Authorization: Bearer <token>）。")),
    403: ("forbidden", N_("您没有执行此操作的权限。")),
    404: ("not_found", N_("没有这个接口。")),
    405: ("method_not_allowed", N_("不支持此请求方法。")),
    413: ("too_large", N_("请求内容太大。")),
    500: ("server_error", N_("服务器内部错误，请稍后再试。")),
}


class JsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._json(response.status_code, response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A 404 or 403 raised by a view outside the endpoints (django-ninja's own page at
        # /api/v1/ raises Http404) is no server error: Django answers it, and __call__
        # turns the answer into JSON.
        if isinstance(exception, Http404 | PermissionDenied):
            return None
        if request.path.startswith("/api/"):
            import logging

            logging.getLogger("shuxiang.api").exception("unhandled error on %s", request.path)
            return self._json(500, None)
        return None

    @staticmethod
    def _json(status: int, original: HttpResponse | None) -> JsonResponse:
        code, message = CODES.get(status, ("error", "请求失败。"))
        response = JsonResponse({"code": code, "message": _(message)}, status=status)
        if original is not None and original.has_header("Allow"):
            response["Allow"] = original["Allow"]
        return response
