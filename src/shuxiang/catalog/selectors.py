"""Catalog reads that several screens share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core.models import Library


def new_arrivals(library: Library, *, limit: int = 12) -> list[dict[str, Any]]:
    """The titles whose newest copy arrived most recently (新书通报)."""
    # Walk the newest copies (an index scan) rather than grouping the whole collection.
    recent = (
        Item.objects.filter(library=library)
        .exclude(status__in=["withdrawn", "lost"])
        .order_by("-created_at", "-id")
        .values_list("bib_id", flat=True)[: limit * 10]
    )
    order: list[int] = []
    for bib_id in recent:
        if bib_id not in order:
            order.append(bib_id)
        if len(order) == limit:
            break
    by_id = Bib.objects.in_bulk(order)
    bibs = [by_id[i] for i in order if i in by_id]
    calls = dict(
        CallNumber.objects.filter(library=library, bib__in=bibs, volume="").values_list(
            "bib_id", "value"
        )
    )
    return [
        {
            "id": b.id,
            "title": b.title,
            "responsibility": b.responsibility,
            "publisher": b.publisher,
            "year": b.year,
            "call_number": calls.get(b.id, ""),
        }
        for b in bibs
    ]


def item_by_barcode(library_id: int, barcode: str) -> Item:
    """The copy with this barcode in this library, or NotFound (item_not_found)."""
    from django.utils.translation import gettext as _

    from shuxiang.core.errors import NotFound

    try:
        return Item.objects.select_related("bib", "call_number", "location").get(
            library_id=library_id, barcode=(barcode or "").strip()
        )
    except Item.DoesNotExist:
        raise NotFound(
            _("没有条码号为 %(barcode)s 的图书。") % {"barcode": barcode}, code="item_not_found"
        ) from None


@dataclass(frozen=True, slots=True)
class ListedTitle:
    """A title of the library as a list of titles is matched against it."""

    bib_id: int
    title: str
    authors: tuple[str, ...] = ()
    isbns: tuple[str, ...] = ()
    responsibility: str = ""


def titles_named(library: Library, *, isbns: set[str], title_keys: set[str]) -> list[ListedTitle]:
    """The library's titles that hold one of these ISBNs (ISBN-13) or whose folded title
    (`maintenance.merge.title_key`) is one of these keys: what a list of titles — a
    bureau's recall list, a recommended reading list — is matched against. The catalog
    is read once and folded in Python (folding traditional → simplified has no SQL
    form); a large school's 60,000 titles take well under a second."""
    from shuxiang.catalog.maintenance.merge import title_key

    found = []
    for pk, title, bib_isbns, authors, responsibility in (
        Bib.objects.filter(library=library)
        .values_list("id", "title", "isbns", "authors", "responsibility")
        .iterator(chunk_size=5000)
    ):
        held = tuple(bib_isbns or ())
        if not any(n in isbns for n in held) and title_key(title or "") not in title_keys:
            continue
        names = tuple((a.get("name", "") if isinstance(a, dict) else str(a)) for a in authors or ())
        found.append(ListedTitle(pk, title or "", names, held, responsibility or ""))
    return found
