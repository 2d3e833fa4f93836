"""Weeding candidates (剔旧候选): lists the librarian reads before proposing a withdrawal
batch. Each is a read over catalog, circulation and past stocktakes; none changes
anything.

- missing_twice: copies missing at the close of the last two stocktakes;
- not_lent: copies on the shelf, in the library for over N years, not lent for N years;
- outdated: copies of a CLC class (e.g. TP computing) published more than N years ago;
- excess: copies of a title beyond N on the shelf (the newest accession numbers go);
- recalled: copies of the titles a recall list names (下架清单, `recall.py`), with
  the list's name and reason;
- claimed_missing: copies whose reader says they were returned (声称已还) and that a
  stocktake closed since the claim did not find: written off through a batch (the
  reader owes nothing unless a librarian bills the copy as lost).

Damaged copies beyond repair are those in the repair queue: the repair page sends them
on to withdrawal."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.models import Library
from shuxiang.inventory.models import RecallList, RecallMatch, Stocktake, StocktakeFinding

LIMIT = 2000
KINDS = ("missing_twice", "not_lent", "outdated", "excess", "recalled", "claimed_missing")


def _items(library: Library) -> QuerySet[Item]:
    return Item.objects.filter(library=library).select_related("bib", "call_number", "location")


def missing_twice(library: Library) -> list[Item]:
    last_two = list(
        Stocktake.objects.filter(library=library, status=Stocktake.Status.CLOSED)
        .order_by("-closed_at")
        .values_list("id", flat=True)[:2]
    )
    if len(last_two) < 2:
        return []
    ids = None
    for sid in last_two:
        found = set(
            StocktakeFinding.objects.filter(
                stocktake_id=sid, outcome=StocktakeFinding.Outcome.MISSING
            ).values_list("item_id", flat=True)
        )
        ids = found if ids is None else ids & found
    return list(
        _items(library)
        .filter(pk__in=ids or [], status=Item.Status.MISSING)
        .order_by("barcode")[:LIMIT]
    )


def not_lent(library: Library, years: int) -> list[Item]:
    since = clock.now() - dt.timedelta(days=365 * years)
    recent = Loan.objects.filter(item=OuterRef("pk"), checked_out_at__gte=since)
    return list(
        _items(library)
        .filter(status=Item.Status.AVAILABLE, acquired_on__lt=since.date())
        .filter(~Exists(recent))
        .order_by("call_number__value", "barcode")[:LIMIT]
    )


def outdated(library: Library, clc: str, years: int) -> list[Item]:
    clc = (clc or "").strip().upper()
    if not clc:
        return []
    before = clock.today().year - years
    return list(
        _items(library)
        .filter(Q(bib__clc__istartswith=clc), bib__year__lt=before)
        .exclude(status__in=[Item.Status.WITHDRAWN, Item.Status.ON_LOAN])
        .order_by("bib__year", "barcode")[:LIMIT]
    )


def excess(library: Library, keep: int) -> list[Item]:
    rows = (
        _items(library)
        .filter(status=Item.Status.AVAILABLE)
        .order_by("bib_id", "accession_number", "barcode")
    )
    out, seen = [], {}
    for item in rows.iterator(chunk_size=2000):
        seen[item.bib_id] = seen.get(item.bib_id, 0) + 1
        if seen[item.bib_id] > keep:
            out.append(item)
            if len(out) >= LIMIT:
                break
    return out


def claimed_missing(library: Library) -> list[Item]:
    """Copies of claimed-returned loans (声称已还) still sought, not found by a
    stocktake closed after the claim."""
    not_found = StocktakeFinding.objects.filter(
        item_id=OuterRef("item_id"),
        outcome=StocktakeFinding.Outcome.CLAIMED_MISSING,
        stocktake__status=Stocktake.Status.CLOSED,
        stocktake__closed_at__gte=OuterRef("claimed_at"),
    )
    item_ids = (
        Loan.objects.filter(library=library, status=Loan.Status.CLAIMED_RETURNED)
        .filter(Exists(not_found))
        .values("item_id")
    )
    return list(
        _items(library)
        .filter(pk__in=item_ids, status=Item.Status.MISSING)
        .order_by("barcode")[:LIMIT]
    )


def recall_lists(library: Library) -> list[RecallList]:
    return list(RecallList.objects.filter(library=library).order_by("-imported_at", "-id"))


def recalled(library: Library, list_id: int | None = None) -> list[Item]:
    """Copies (not withdrawn) of the titles the library's recall lists name, or one
    list's; each carries `recall_list`, `recall_reason` and `recall_doubt` (what to
    check: an ISBN shared by a set, a title matched without its author)."""
    matches = RecallMatch.objects.filter(library=library)
    if list_id is not None:
        matches = matches.filter(entry__recall_list_id=list_id)
    items = list(
        _items(library)
        .filter(bib_id__in=matches.values("bib_id"))
        .exclude(status=Item.Status.WITHDRAWN)
        .order_by("call_number__value", "barcode")[:LIMIT]
    )
    first: dict[int, RecallMatch] = {}
    for m in (
        matches.filter(bib_id__in={i.bib_id for i in items})
        .select_related("entry__recall_list")
        .order_by("doubt", "id")
    ):
        first.setdefault(m.bib_id, m)
    for item in items:
        m = first[item.bib_id]
        item.recall_list = m.entry.recall_list.name
        item.recall_reason = m.entry.reason
        item.recall_doubt = m.get_doubt_display() if m.doubt else ""
    return items
