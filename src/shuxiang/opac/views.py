"""The public site: the library's name, its opening hours and the newest arrivals."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuxiang.catalog.selectors import new_arrivals
from shuxiang.core.selectors import opening_hours


def home(request: HttpRequest) -> HttpResponse:
    library = request.library
    context = {
        "hours": opening_hours(library) if library else [],
        "arrivals": new_arrivals(library, limit=12) if library else [],
    }
    return render(request, "opac/home.html", context)
