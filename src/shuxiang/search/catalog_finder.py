"""The staff search as the catalog's reclassification page asks it ("select by search",
catalog/maintenance/finder.py): the ids of every title a staff search finds, withdrawn
ones included, ranked as the search page ranks them."""

from __future__ import annotations

from typing import Any


def find_bib_ids(library: Any, query: str, limit: int) -> list[int]:
    from shuxiang.search import engine

    ids: list[int] = []
    page = 1
    while len(ids) < limit:
        result = engine.search(
            library, query, page=page, per_page=engine.MAX_PER_PAGE, staff=True, facets=False
        )
        ids += [hit.bib_id for hit in result.hits]
        if not result.hits or page * engine.MAX_PER_PAGE >= min(result.total, engine.MAX_OFFSET):
            break
        page += 1
    return ids[:limit]
