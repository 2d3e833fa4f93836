"""Attach the caller's library to each request."""

from __future__ import annotations

from collections.abc import Callable

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
