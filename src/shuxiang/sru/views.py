"""The sru app's pages, tabs of the cataloging desk (catalog.desk_tabs, registered in
apps.py): copy cataloging (套录) — search all the library's SRU and Z39.50 servers at
once, preview, open a record in the cataloging form — and the list of servers beside the
number settings."""

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
from shuxiang.sru import client, copy_search, services, z3950
from shuxiang.sru.models import SruServer

SERVER_FIELDS = (
    "name",
    "protocol",
    "url",
    "host",
    "port",
    "database",
    "record_schema",
    "record_syntax",
    "charset",
)


@staff_required("catalog")
def copy_catalog(request: HttpRequest) -> HttpResponse:
    """Search the enabled servers (or the one chosen) by ISBN, title or author, all at
    once, preview each server's records under its name, and open one in the cataloging
    form with its full record (套录)."""
    library = request.library
    servers = list(SruServer.objects.filter(library=library, enabled=True))
    params = request.GET
    context: dict[str, Any] = {"servers": servers, "params": params, "searched": False}
    isbn, title, author = (params.get(k, "").strip() for k in ("isbn", "title", "author"))
    if not (isbn or title or author):
        return render(request, "sru/copy.html", context)
    chosen = [s for s in servers if not params.get("server") or str(s.pk) == params.get("server")]
    context["searched"] = True
    outcomes = []
    for outcome in copy_search.search_servers(chosen, isbn=isbn, title=title, author=author):
        records = []
        for rec in outcome.records:
            prefill = client.form_values(rec.values, rec.original)
            records.append(
                {
                    "values": rec.values,
                    "prefill_url": reverse("cataloging:form") + "?" + urlencode(prefill),
                    "fields": rec.preview,
                }
            )
        outcomes.append(
            {
                "server": outcome.server,
                "error": outcome.error,
                "records": records,
                "total": outcome.total,
                "skipped": outcome.skipped,
                "seconds": outcome.seconds,
            }
        )
    context["outcomes"] = outcomes
    return render(request, "sru/copy.html", context)


@staff_required("catalog")
def servers_page(request: HttpRequest) -> HttpResponse:
    """The library's copy-cataloging servers (SRU and Z39.50): add one, or switch one
    on or off."""
    if request.method != "POST":
        return _servers_render(request, [])
    actor = Actor.of_request(request)
    toggle = request.POST.get("toggle", "")
    if toggle.isdigit():
        server = get_object_or_404(SruServer, library=request.library, pk=toggle)
        services.sru_server_update(actor=actor, server_id=server.pk, enabled=not server.enabled)
        return redirect("sru:servers")
    values = {name: request.POST.get(name, "").strip() for name in SERVER_FIELDS}
    values["protocol"] = values["protocol"] or SruServer.Protocol.SRU
    try:
        services.sru_server_create(actor=actor, **values)
    except DomainError as exc:
        return _servers_render(request, [exc.message], values)
    messages.success(request, extra_tags="ok", message=_("已添加套录服务器。"))
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
            "sru": values
            or {
                "protocol": SruServer.Protocol.SRU,
                "record_schema": services.DEFAULT_SCHEMA,
                "record_syntax": SruServer.RecordSyntax.MARC21,
                "charset": SruServer.Charset.AUTO,
            },
            "protocols": SruServer.Protocol.choices,
            "syntaxes": SruServer.RecordSyntax.choices,
            "charsets": SruServer.Charset.choices,
            "default_port": services.Z3950_PORT,
            # Said before the librarian adds a Z39.50 server that could not work here.
            "yaz_missing": "" if z3950.available() else z3950.unavailable_message(),
        },
        status=422 if errors else 200,
    )
