"""Catalog reads that several screens share."""

from __future__ import annotations

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
