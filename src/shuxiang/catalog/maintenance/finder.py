"""The catalog's port for "select by search" on the reclassification page. The staff
search engine lives in the search app, a layer above the catalog; it registers its
answer here from its AppConfig.ready(). Until it does, titles are found by the words of
their title or statement of responsibility, or by an exact ISBN, straight from the
catalog's table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

MAX_FOUND = 2_000  # titles one search selects: a reclassification is checked by a person

Finder = Callable[[Any, str, int], list[int]]
_finders: list[Finder] = []


def register(find: Finder) -> None:
    """`find(library, query, limit)` → the ids of the matching titles, best first."""
    _finders[:] = [find]


def _from_table(library: Any, query: str, limit: int) -> list[int]:
    from shuxiang.catalog import isbn as isbn_rules
    from shuxiang.catalog.models import Bib

    words = query.split()
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(responsibility__icontains=word)
    norm = isbn_rules.normalize(query.strip())
    if norm:
        condition |= Q(isbn=norm)
    found = Bib.objects.filter(library=library).filter(condition).order_by("pk")
    return list(found.values_list("pk", flat=True)[:limit])


def find_bibs(library: Any, query: str, limit: int = MAX_FOUND) -> list[int]:
    """The library's titles that `query` finds, at most `limit`."""
    query = (query or "").strip()
    if not query:
        return []
    find = _finders[0] if _finders else _from_table
    return find(library, query, limit)[:limit]
