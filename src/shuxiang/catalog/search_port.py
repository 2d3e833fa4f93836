"""The catalog's port to the search index. The catalog says here which titles and
copies it changed, inside the transaction that changed them; the search app (a higher
layer) registers the answers from its AppConfig.ready(). Until then every call does
nothing, so the catalog works, and its tests run, without knowing that search exists."""

from __future__ import annotations

from collections.abc import Callable, Iterable

_handlers: dict[str, Callable[[list[int]], None]] = {}


def register(
    *,
    bibs_changed: Callable[[list[int]], None],
    bibs_removed: Callable[[list[int]], None],
    holdings_changed: Callable[[list[int]], None],
) -> None:
    _handlers.update(
        bibs_changed=bibs_changed, bibs_removed=bibs_removed, holdings_changed=holdings_changed
    )


def _call(name: str, ids: Iterable[int]) -> None:
    handler = _handlers.get(name)
    ids = [int(i) for i in ids if i is not None and int(i) > 0]
    if handler is not None and ids:
        handler(ids)


def bibs_changed(bib_ids: Iterable[int]) -> None:
    """Titles were made or changed (their copies too): index them again."""
    _call("bibs_changed", bib_ids)


def bibs_removed(bib_ids: Iterable[int]) -> None:
    """Titles are gone from the catalog."""
    _call("bibs_removed", bib_ids)


def holdings_changed(bib_ids: Iterable[int]) -> None:
    """These titles' copies were added or changed state (lent, returned, withdrawn ...):
    their counts of copies on the shelf change. Told by title, which the catalog knows
    at that moment, so the index need not look it up on every scan."""
    _call("holdings_changed", bib_ids)
