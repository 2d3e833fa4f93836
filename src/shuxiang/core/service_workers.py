"""A page's service worker script, served from the page's own folder.

A worker looks after only the pages under the folder its script comes from, and
/static/ is above none of them, so each app that keeps a page for work without network
(the desk, the stocktake) serves its worker through a URL beside the page."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse


def worker_script(static_path: str) -> HttpResponse:
    """The script at `static_path` (as `{% static %}` names it), never cached for long:
    a changed worker must reach the browsers at their next visit, not after a day."""
    path = finders.find(static_path)
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
