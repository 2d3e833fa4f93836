"""Jobs that must run every day whether or not anyone remembers them (holds not
collected in time pass to the next reader, ...).

A school PC has no one to set up cron, so `shuxiang serve` runs the registered jobs
from a thread of its own: at start and then every hour. Each job is idempotent (it acts
on what is due by now), so running it more often than daily is harmless, and each has
a command of its own for a server that does not use `shuxiang serve`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

logger = logging.getLogger("shuxiang.housekeeping")

INTERVAL_SECONDS = 3600.0

_JOBS: dict[str, Callable[[], Any]] = {}


def register(name: str, job: Callable[[], Any]) -> None:
    """Add a job (apps do this in AppConfig.ready); a name registers once."""
    _JOBS[name] = job


def jobs() -> dict[str, Callable[[], Any]]:
    return dict(_JOBS)


def run_all() -> dict[str, Any]:
    """Run every job once; one that fails is logged and does not stop the others."""
    results: dict[str, Any] = {}
    for name, job in _JOBS.items():
        try:
            results[name] = job()
        except Exception:  # noqa: BLE001 - a housekeeping failure must not stop the server
            logger.exception("housekeeping job %s failed", name)
            results[name] = None
    return results


def run_in_background(
    interval: float = INTERVAL_SECONDS, stop: threading.Event | None = None
) -> threading.Thread:
    """Run the jobs now and then every `interval` seconds from a daemon thread."""
    stop = stop or threading.Event()

    def loop() -> None:
        while True:
            try:
                run_all()
            finally:
                connections.close_all()  # this thread's own; a new one each round
            if stop.wait(interval):
                return

    thread = threading.Thread(target=loop, name="housekeeping", daemon=True)
    thread.start()
    return thread
