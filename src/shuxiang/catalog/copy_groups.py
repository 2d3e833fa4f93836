"""Groups of copies that a higher app knows and the labels page offers to choose from
(acquisitions registers its purchase batches). Apart from labels.py so that filling the
registry at start-up does not load the PDF and barcode libraries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CopyGroupSource:
    """Groups of copies that a higher app knows and the labels page offers to choose from
    (acquisitions registers its purchase batches): `key` is the choice's value and the
    name of its query parameter (`selection=batch&batch=7`), `groups(library)` the
    (id, name) pairs to choose from, newest first, and `item_ids(library, group_id)` the
    ids of the group's copies (a list or a `values_list` query). `label` and `missing`
    (the message when no group is chosen) are lazy translations."""

    key: str
    label: Any
    missing: Any
    groups: Callable[[Any], Iterable[tuple[int, str]]]
    item_ids: Callable[[Any, int], Iterable[int]]
    order: int = 100


_COPY_GROUPS: dict[str, CopyGroupSource] = {}
# The labels page's own choices, which a source's key may not take.
SELECTIONS = ("today", "day", "accession", "barcodes", "reclassification")


def register_copy_group(source: CopyGroupSource) -> None:
    """Offer a kind of copy group on the labels page and to `select_items` (as the
    keyword `<key>_id`); called from the registering app's AppConfig.ready()."""
    if source.key in SELECTIONS or not source.key.isidentifier():
        raise ValueError(f"a copy group source cannot be called {source.key!r}")
    _COPY_GROUPS[source.key] = source


def copy_group_sources() -> list[CopyGroupSource]:
    return sorted(_COPY_GROUPS.values(), key=lambda s: (s.order, s.key))


def copy_group_source(key: str) -> CopyGroupSource | None:
    return _COPY_GROUPS.get(key)
