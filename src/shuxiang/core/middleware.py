"""Attach the caller's library to each request; friendly error pages; the CSP header."""

from __future__ import annotations

from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from shuxiang.core.libraries import default_library, library_of_user


class LibraryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.library = SimpleLazyObject(lambda: _library_for(request))  # type: ignore[attr-defined]
        return self.get_response(request)


def _library_for(request: HttpRequest):  # noqa: ANN202
    return library_of_user(getattr(request, "user", None)) or default_library()


class FriendlyErrorsMiddleware:
    """A page that cannot be shown answers with a page in the user's language that says
    why and where to go on, never a traceback: a domain error with its status and
    message (another school's class in a URL is simply not found), a 403 or 404 raised by
    a view, and a PDF that cannot be drawn for want of a CJK font (503, with how to
    install one). The API keeps its JSON errors (api.middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from shuxiang.core.errors import DomainError
        from shuxiang.core.pdf import FontMissing

        if isinstance(exception, DomainError):
            status, message = exception.status, exception.message
        elif isinstance(exception, PermissionDenied):
            status, message = 403, str(exception)
        elif isinstance(exception, Http404):
            status, message = 404, str(exception)
        elif isinstance(exception, FontMissing):
            status, message = 503, str(exception)
        else:
            return None
        return error_page(request, status, message)


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    from django.shortcuts import render

    return render(request, "core/error.html", {"status": status, "message": message}, status=status)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the header built once. Shuxiang's policy is the same
    for every response (no nonces, no per-view changes), and building it anew (a deep
    copy of the settings, then the string) cost more than the rest of the desk's
    middleware together. A response that asks for its own policy, or a request that
    used a nonce, still gets django-csp's own handling."""

    _built: tuple[object, str] | None = None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        custom = any(
            getattr(response, name, None) is not None
            for name in ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")
        )
        if (
            custom
            or getattr(request, "_csp_nonce", None) is not None
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        policy = settings.CONTENT_SECURITY_POLICY
        if self._built is None or self._built[0] is not policy:
            self._built = (policy, build_policy())
        if self._built[1] and HEADER not in response:
            prefixes = tuple((policy or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if not (prefixes and request.path_info.startswith(prefixes)):
                response[HEADER] = self._built[1]
        return response
