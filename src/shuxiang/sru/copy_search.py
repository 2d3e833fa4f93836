"""Searching all of a library's copy-cataloging servers at once (套录): each server, SRU
or Z39.50, in a thread of its own with a time limit, so that one server that is down or
slow costs the page at most that limit and the others' records still show."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from shuxiang.sru import client, z3950
from shuxiang.sru.client import SruError, SruRecord

log = logging.getLogger(__name__)

TIMEOUT = 8  # seconds each server gets for each step (connect, search, fetch)
# A Z39.50 search is three steps (connect, search, present), each under the limit; the
# page stops waiting after the limit and this much more, whatever a server does.
GRACE = 2.0


@dataclass(slots=True)
class Outcome:
    """One server's answer: its records, or why there are none."""

    server: Any
    records: list[SruRecord] = field(default_factory=list)
    total: int = 0
    error: str = ""
    skipped: int = 0
    seconds: float = 0.0


def _search_one(
    server: Any, language: str, query: dict[str, str], maximum: int, timeout: float
) -> Outcome:
    # A thread starts in the default language: messages follow the page's.
    with translation.override(language):
        started = time.monotonic()
        search = z3950.search if server.protocol == "z3950" else client.search
        try:
            found = search(server, maximum=maximum, timeout=timeout, **query)
        except SruError as exc:
            return Outcome(server=server, error=str(exc), seconds=time.monotonic() - started)
        except Exception as exc:  # one server's odd answer must not hide the others'
            log.exception("copy cataloging search on server %s failed", server.pk)
            return Outcome(
                server=server,
                error=_("读取该服务器的应答时出错：%(error)s") % {"error": exc},
                seconds=time.monotonic() - started,
            )
        return Outcome(
            server=server,
            records=found.records,
            total=found.total,
            skipped=found.skipped,
            seconds=time.monotonic() - started,
        )


def search_servers(
    servers: list[Any],
    *,
    isbn: str = "",
    title: str = "",
    author: str = "",
    maximum: int = 10,
    timeout: float | None = None,
) -> list[Outcome]:
    """Each server's outcome, in the order given, within about `timeout` (TIMEOUT when
    None) plus GRACE seconds: a server still busy then is reported as not answering."""
    if not servers:
        return []
    timeout = TIMEOUT if timeout is None else timeout
    query = {"isbn": isbn, "title": title, "author": author}
    language = translation.get_language() or "zh-hans"
    pool = ThreadPoolExecutor(max_workers=len(servers), thread_name_prefix="copy-search")
    try:
        futures = [
            pool.submit(_search_one, server, language, query, maximum, timeout)
            for server in servers
        ]
        wait(futures, timeout=timeout + GRACE)
    finally:
        # A straggler finishes on its own (YAZ and urllib have their own time limits);
        # the page does not wait for it.
        pool.shutdown(wait=False, cancel_futures=True)
    outcomes = []
    for server, future in zip(servers, futures, strict=True):
        if future.done() and not future.cancelled():
            outcomes.append(future.result())
        else:
            outcomes.append(
                Outcome(
                    server=server,
                    error=_("服务器 %(seconds)d 秒内没有应答。") % {"seconds": round(timeout)},
                    seconds=timeout + GRACE,
                )
            )
    return outcomes
