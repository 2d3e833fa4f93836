"""The librarian's list of self-service kiosks (自助借还机)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuxiang.core.decorators import staff_required
from shuxiang.sip2.selectors import kiosks


@staff_required("manage_settings")
def kiosk_list(request: HttpRequest) -> HttpResponse:
    return render(request, "sip2/kiosks.html", {"kiosks": kiosks(request.library)})
