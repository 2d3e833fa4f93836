"""The catalog's port for merging titles. When duplicate titles are merged, the rows
that higher apps keep about a title (holds in circulation, order lines in acquisitions)
must follow to the kept title in the same transaction, or deleting the duplicate would
fail or lose them. Those apps register a handler here from their AppConfig.ready(); the
catalog imports none of them.

A handler is called as `handler(actor=..., keep_id=..., merge_ids=[...])` inside the
merging transaction, after the copies have moved to the kept title, and returns what it
moved as {name: count} (e.g. {"holds": 3}), which goes into the merge's audit event and
its preview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., dict[str, int]]

_handlers: dict[str, Handler] = {}


def register(name: str, handler: Handler) -> None:
    """Let `name` (an app label) move its rows when titles are merged."""
    _handlers[name] = handler


def move_all(*, actor: Any, keep_id: int, merge_ids: list[int]) -> dict[str, int]:
    """Every registered app moves its rows from `merge_ids` to `keep_id`; their counts,
    merged into one dict."""
    moved: dict[str, int] = {}
    for name in sorted(_handlers):
        for key, count in _handlers[name](
            actor=actor, keep_id=keep_id, merge_ids=merge_ids
        ).items():
            moved[key] = moved.get(key, 0) + int(count)
    return moved
