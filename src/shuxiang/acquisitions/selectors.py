"""Acquisitions reads: the order-list check (采购查重), the year's figures, and purchase
suggestions (荐购) as the librarian and the reader see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db.models import Count, F, Q, Sum

from shuxiang.acquisitions import rules
from shuxiang.acquisitions.models import (
    BatchItem,
    Budget,
    OrderLine,
    PurchaseBatch,
    PurchaseSuggestion,
    SuggestionAsker,
)
from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.booklist import RowProblem, parse
from shuxiang.catalog.models import Bib, Item
from shuxiang.core.models import Library
from shuxiang.patrons.models import Patron

GONE = (Item.Status.WITHDRAWN, Item.Status.LOST)


@dataclass(slots=True)
class CheckedLine:
    row: int
    title: str
    author: str
    publisher: str
    isbn: str
    price: int | None
    wanted: int
    held: int
    on_order: int
    status: str
    suggested: int
    bib_id: int | None = None


@dataclass
class OrderListCheck:
    lines: list[CheckedLine] = field(default_factory=list)
    bad: list[RowProblem] = field(default_factory=list)
    copy_limit: int = 0

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def suggested_copies(self) -> int:
        return sum(line.suggested for line in self.lines)

    @property
    def suggested_amount(self) -> int:
        return sum((line.price or 0) * line.suggested for line in self.lines)


def order_list_check(
    library: Library, source: BinaryIO, filename: str = "", *, copy_limit: int = 5
) -> OrderListCheck:
    """Check a vendor's order list (征订目录, xlsx or csv) against the holdings, the
    copies on order in open batches and the copy limit."""
    parsed = parse(source, filename)
    result = OrderListCheck(bad=parsed.bad, copy_limit=copy_limit)
    isbns = {isbn_rules.normalize(r.isbn) for r in parsed.good if r.isbn} - {None}
    titles = {r.title for r in parsed.good if not r.isbn}
    bib_by_isbn: dict[str, int] = {}
    for bib_id, isbn in Bib.objects.filter(library=library, isbn__in=isbns).values_list(
        "id", "isbn"
    ):
        bib_by_isbn.setdefault(isbn, bib_id)
    bib_by_title: dict[tuple[str, str], int] = {}
    for bib_id, title, publisher in Bib.objects.filter(
        library=library, title__in=titles
    ).values_list("id", "title", "publisher"):
        bib_by_title.setdefault((title, publisher), bib_id)
        bib_by_title.setdefault((title, ""), bib_id)
    held = dict(
        Item.objects.filter(
            library=library, bib_id__in=[*bib_by_isbn.values(), *bib_by_title.values()]
        )
        .exclude(status__in=GONE)
        .values("bib_id")
        .annotate(n=Count("id"))
        .values_list("bib_id", "n")
    )
    open_lines = OrderLine.objects.filter(batch__library=library).exclude(
        batch__status=PurchaseBatch.Status.RECEIVED
    )
    on_order_isbn: dict[str, int] = {}
    for isbn, n in (
        open_lines.filter(isbn__in=isbns)
        .values("isbn")
        .annotate(n=Sum(F("quantity") - F("received")))
        .values_list("isbn", "n")
    ):
        on_order_isbn[isbn] = n or 0
    on_order_title: dict[str, int] = {}
    for title, n in (
        open_lines.filter(title__in=titles, isbn="")
        .values("title")
        .annotate(n=Sum(F("quantity") - F("received")))
        .values_list("title", "n")
    ):
        on_order_title[title] = n or 0
    seen: set[Any] = set()
    for row in parsed.good:
        isbn = isbn_rules.normalize(row.isbn) if row.isbn else None
        key: Any = isbn or (row.title, row.publisher)
        if isbn:
            bib_id = bib_by_isbn.get(isbn)
            on_order = on_order_isbn.get(isbn, 0)
        else:
            bib_id = bib_by_title.get((row.title, row.publisher)) or bib_by_title.get(
                (row.title, "")
            )
            on_order = on_order_title.get(row.title, 0)
        copies = held.get(bib_id, 0) if bib_id else 0
        decision = rules.check_line(
            held=copies,
            on_order=on_order,
            wanted=row.copies,
            copy_limit=copy_limit,
            repeated=key in seen,
        )
        seen.add(key)
        result.lines.append(
            CheckedLine(
                row=row.row,
                title=row.title,
                author=row.author,
                publisher=row.publisher,
                isbn=isbn or row.isbn,
                price=row.price,
                wanted=row.copies,
                held=copies,
                on_order=on_order,
                status=decision.status,
                suggested=decision.suggested,
                bib_id=bib_id,
            )
        )
    return result


@dataclass(slots=True)
class YearSummary:
    year: int
    budget: int | None  # fen
    spent: int  # fen: the prices of the copies purchased this year
    volumes: int  # copies entered this year (all sources)
    titles: int
    purchased_volumes: int
    batches: list[dict[str, Any]]

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else self.budget - self.spent


def year_summary(library: Library, year: int) -> YearSummary:
    """The year's new volumes and spending: copies entered in the year (by entry date),
    the sum of the purchased copies' prices, against the budget; per batch."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    items = Item.objects.filter(library=library).filter(
        Q(acquired_on__gte=start, acquired_on__lte=end)
        | Q(acquired_on__isnull=True, created_at__date__gte=start, created_at__date__lte=end)
    )
    totals = items.aggregate(volumes=Count("id"), titles=Count("bib_id", distinct=True))
    purchased = items.filter(source=Item.Source.PURCHASE).aggregate(n=Count("id"), fen=Sum("price"))
    budget = (
        Budget.objects.filter(library=library, year=year).values_list("amount", flat=True).first()
    )
    batches = []
    for batch in (
        PurchaseBatch.objects.filter(library=library, year=year)
        .select_related("vendor")
        .order_by("id")
    ):
        agg = BatchItem.objects.filter(batch=batch).aggregate(n=Count("id"), fen=Sum("item__price"))
        ordered = batch.lines.aggregate(
            q=Sum("quantity"), r=Sum("received"), fen=Sum(F("quantity") * F("price"))
        )
        batches.append(
            {
                "batch": batch,
                "ordered": ordered["q"] or 0,
                "ordered_amount": ordered["fen"] or 0,
                "received": agg["n"] or 0,
                "amount": agg["fen"] or 0,
            }
        )
    return YearSummary(
        year=year,
        budget=budget,
        spent=purchased["fen"] or 0,
        volumes=totals["volumes"] or 0,
        titles=totals["titles"] or 0,
        purchased_volumes=purchased["n"] or 0,
        batches=batches,
    )


# -- purchase batches on the cataloging desk's labels page (registered in apps.py) --------


def batch_choices(library: Library, limit: int = 50) -> list[tuple[int, str]]:
    """The library's latest purchase batches as (id, name), newest first."""
    return list(
        PurchaseBatch.objects.filter(library=library)
        .order_by("-created_at")
        .values_list("pk", "name")[:limit]
    )


def batch_item_ids(library: Library, batch_id: int) -> Any:
    """The ids of the copies received in a batch of the library (a query)."""
    return BatchItem.objects.filter(batch__library=library, batch_id=batch_id).values_list(
        "item_id", flat=True
    )


# -- purchase suggestions (荐购) -----------------------------------------------------------


@dataclass(slots=True)
class Holdings:
    """What the library holds of a title: the titles found, their copies in the
    collection (not withdrawn or lost) and how many of those are on the shelf."""

    titles: list[str] = field(default_factory=list)
    copies: int = 0
    available: int = 0


def suggestion_holdings(library: Library, *, isbn: str, title: str) -> Holdings:
    """The library's copies of a suggested title: by its ISBN-13 where given, else by
    the title as written (a title alone is the reader's best guess; they see the titles
    found and may suggest all the same)."""
    bibs = Bib.objects.filter(library=library)
    bibs = bibs.filter(isbn=isbn) if isbn else bibs.filter(title=title.strip())
    found = list(bibs.values_list("id", "title")[:20])
    if not found:
        return Holdings()
    counts = (
        Item.objects.filter(library=library, bib_id__in=[bib_id for bib_id, _t in found])
        .exclude(status__in=GONE)
        .aggregate(
            copies=Count("id"), available=Count("id", filter=Q(status=Item.Status.AVAILABLE))
        )
    )
    titles = list(dict.fromkeys(t for _id, t in found))
    return Holdings(titles=titles, copies=counts["copies"] or 0, available=counts["available"] or 0)


@dataclass(slots=True)
class SuggestionRow:
    suggestion: PurchaseSuggestion
    askers: int
    held: int  # copies the library holds now (by ISBN, else by title)


SUGGESTION_SORTS = ("askers", "newest")


def suggestion_list(
    library: Library, *, status: str | None = None, sort: str = "askers"
) -> list[SuggestionRow]:
    """The library's suggestions (of one status, or all), most asked first (or newest
    first), with their askers and the copies held now."""
    qs = (
        PurchaseSuggestion.objects.filter(library=library)
        .select_related("batch", "decided_by")
        .annotate(n_askers=Count("askers"))
    )
    if status:
        qs = qs.filter(status=status)
    order = ["-n_askers", "-created_at", "-id"] if sort == "askers" else ["-created_at", "-id"]
    suggestions = list(qs.order_by(*order)[:500])
    isbns = {s.isbn for s in suggestions if s.isbn}
    titles = {s.title for s in suggestions if not s.isbn}
    held_by_isbn = dict(
        Item.objects.filter(library=library, bib__isbn__in=isbns)
        .exclude(status__in=GONE)
        .values("bib__isbn")
        .annotate(n=Count("id"))
        .values_list("bib__isbn", "n")
    )
    held_by_title = dict(
        Item.objects.filter(library=library, bib__title__in=titles)
        .exclude(status__in=GONE)
        .values("bib__title")
        .annotate(n=Count("id"))
        .values_list("bib__title", "n")
    )
    return [
        SuggestionRow(
            suggestion=s,
            askers=s.n_askers,
            held=held_by_isbn.get(s.isbn, 0) if s.isbn else held_by_title.get(s.title, 0),
        )
        for s in suggestions
    ]


def suggestion_counts(library: Library) -> dict[str, int]:
    """How many suggestions of each status the library has (for the filter tabs)."""
    return dict(
        PurchaseSuggestion.objects.filter(library=library)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def suggestion_askers(suggestion: PurchaseSuggestion) -> list[SuggestionAsker]:
    """Who asked for a suggestion, first ask first, with their class."""
    return list(
        suggestion.askers.select_related("patron", "patron__school_class").order_by(
            "asked_at", "id"
        )
    )


def patron_suggestions(patron: Patron) -> list[SuggestionAsker]:
    """A reader's own suggestions (their asks), newest first, each with its suggestion
    and how many readers asked for it."""
    asks = list(
        SuggestionAsker.objects.filter(patron=patron)
        .select_related("suggestion")
        .order_by("-asked_at", "-id")[:200]
    )
    counts = dict(
        SuggestionAsker.objects.filter(suggestion_id__in=[a.suggestion_id for a in asks])
        .values("suggestion_id")
        .annotate(n=Count("id"))
        .values_list("suggestion_id", "n")
    )
    for ask in asks:
        ask.askers = counts.get(ask.suggestion_id, 1)
    return asks


def open_batches(library: Library) -> list[PurchaseBatch]:
    """The batches a suggestion can still go into (not yet received), newest first."""
    return list(
        PurchaseBatch.objects.filter(library=library)
        .exclude(status=PurchaseBatch.Status.RECEIVED)
        .order_by("-created_at", "-id")[:50]
    )
