"""The sru app's pages, tabs of the cataloging desk (catalog.desk_tabs, registered in
apps.py): copy cataloging (套录) — search the library's SRU servers, preview, open a
record in the cataloging form — and the list of servers beside the number settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.sru import client, services
from shuxiang.sru.models import SruServer


@staff_required("catalog")
def copy_catalog(request: HttpRequest) -> HttpResponse:
    """Search the configured SRU servers by ISBN or title, preview, and open a record in
    the cataloging form (套录)."""
    library = request.library
    servers = list(SruServer.objects.filter(library=library, enabled=True))
    params = request.GET
    context: dict[str, Any] = {
        "servers": servers,
        "params": params,
        "results": [],
        "searched": False,
    }
    isbn, title = params.get("isbn", "").strip(), params.get("title", "").strip()
    if not (isbn or title):
        return render(request, "sru/copy.html", context)
    chosen = [s for s in servers if not params.get("server") or str(s.pk) == params.get("server")]
    context["searched"] = True
    outcomes = []
    for server in chosen:
        try:
            found = client.search(server, isbn=isbn, title=title, maximum=10)
        except client.SruError as exc:
            outcomes.append({"server": server, "error": str(exc), "records": [], "total": 0})
            continue
        records = []
        for rec in found.records:
            prefill = client.form_values(rec.values, rec.original)
            records.append(
                {
                    "values": rec.values,
                    "prefill_url": reverse("cataloging:form") + "?" + urlencode(prefill),
                    "fields": rec.preview,
                }
            )
        outcomes.append({"server": server, "error": "", "records": records, "total": found.total})
    context["outcomes"] = outcomes
    return render(request, "sru/copy.html", context)


@staff_required("catalog")
def servers_page(request: HttpRequest) -> HttpResponse:
    """The library's SRU servers: add one, or switch one on or off."""
    if request.method != "POST":
        return _servers_render(request, [])
    actor = Actor.of_request(request)
    toggle = request.POST.get("toggle", "")
    if toggle.isdigit():
        server = get_object_or_404(SruServer, library=request.library, pk=toggle)
        services.sru_server_update(actor=actor, server_id=server.pk, enabled=not server.enabled)
        return redirect("sru:servers")
    values = {
        name: request.POST.get(name, "").strip()
        for name in ("name", "url", "database", "record_schema")
    }
    try:
        services.sru_server_create(actor=actor, **values)
    except DomainError as exc:
        return _servers_render(request, [exc.message], values)
    messages.success(request, extra_tags="ok", message=_("已添加 SRU 服务器。"))
    return redirect("sru:servers")


def _servers_render(
    request: HttpRequest, errors: list[str], values: dict | None = None
) -> HttpResponse:
    return render(
        request,
        "sru/servers.html",
        {
            "errors": errors,
            "sru_servers": SruServer.objects.filter(library=request.library),
            "sru": values or {"record_schema": services.DEFAULT_SCHEMA},
        },
        status=422 if errors else 200,
    )
