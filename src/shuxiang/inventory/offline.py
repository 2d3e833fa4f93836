"""The stocktake page's service worker, so a phone that reloads the page in the stacks,
where the network comes and goes, still gets the page and the scans it keeps."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from shuxiang.core.service_workers import worker_script


def stocktake_worker(request: HttpRequest) -> HttpResponse:
    """The worker script, served from the stocktakes' own folder: a worker looks after
    only the pages under the folder it comes from, and /static/ is not above them."""
    return worker_script("inventory/stocktake-worker.js")
