"""The stocktake page's service worker, so a phone that reloads the page in the stacks,
where the network comes and goes, still gets the page and the scans it keeps."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse


def stocktake_worker(request: HttpRequest) -> HttpResponse:
    """The worker script, served from the stocktakes' own folder: a worker looks after
    only the pages under the folder it comes from, and /static/ is not above them."""
    path = finders.find("inventory/stocktake-worker.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    # A changed worker must reach the phones at their next visit, not after a day.
    response["Cache-Control"] = "no-cache"
    return response
