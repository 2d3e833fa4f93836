"""/sru: the public SRU endpoint. Reads the request (protocol), picks the library, runs
the operation (results, explain) and renders the XML answer. Every answer, a
diagnostic too, is HTTP 200 with an SRU response, as SRU 1.2 expects.

The library: /sru/<code> or /sru?x-library=<code> names one; without a name, the
deployment's default library (a one-school deployment's only one), as on the OPAC."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shuxiang.core.libraries import default_library
from shuxiang.core.models import Library
from shuxiang.sru.cql import Diagnostic
from shuxiang.sru.server import explain, protocol, results

CONTENT_TYPE = "text/xml; charset=utf-8"


def _library(code: str | None, params: Any) -> Library | None:
    """The library asked for, or the default one. Raises Http404 for an unknown code in
    the path and Diagnostic 6 for one in x-library."""
    if code:
        library = Library.objects.filter(code=code).first()
        if library is None:
            raise Http404(code)
        return library
    asked = str(params.get("x-library") or "").strip()
    if asked:
        library = Library.objects.filter(code=asked).first()
        if library is None:
            raise Diagnostic(6, "x-library")
        return library
    return default_library()


def _xml(template: str, context: dict[str, Any]) -> HttpResponse:
    return HttpResponse(render_to_string(template, context), content_type=CONTENT_TYPE)


# SRU allows POST with form-encoded parameters; the endpoint only reads, so it needs no
# CSRF token (a client program has none).
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request: HttpRequest, code: str | None = None) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    sru = protocol.read_request(params)
    diagnostics = [sru.diagnostic] if sru.diagnostic else []
    library = None
    try:
        library = _library(code, params)
    except Diagnostic as problem:
        diagnostics = diagnostics or [problem]
    context: dict[str, Any] = {"sru": sru, "diagnostics": diagnostics}
    if sru.operation == protocol.EXPLAIN:
        return _explain(request, sru, library, code, context)
    if sru.operation == protocol.SCAN:
        return _xml("sru/server/scan.xml", context)
    found = results.Results()
    if library is None and not diagnostics:
        diagnostics.append(Diagnostic(1, "no library has been set up"))
    if not diagnostics:
        try:
            found = results.search_retrieve(library, sru)
        except Diagnostic as problem:
            diagnostics.append(problem)
        diagnostics += found.diagnostics
    return _xml("sru/server/searchRetrieve.xml", {**context, "results": found})


def _explain(
    request: HttpRequest,
    sru: protocol.SruRequest,
    library: Library | None,
    code: str | None,
    context: dict[str, Any],
) -> HttpResponse:
    host, _colon, port = request.get_host().rpartition(":")
    if not host or not port.isdigit():
        host, port = request.get_host(), "443" if request.is_secure() else "80"
    zeerex = render_to_string(
        "sru/server/zeerex.xml",
        {
            "sru": sru,
            **explain.context(
                library_name=library.name if library else "",
                host=host,
                port=int(port),
                database=f"sru/{code}" if code else "sru",
            ),
        },
    )
    record = results.Record(schema=protocol.ZEEREX, data=zeerex.strip(), position=0)
    return _xml("sru/server/explain.xml", {**context, "record": record})
