"""What the public pages read: a title's copies as a reader may see them (status and due
date, never the borrower), its hold queue, the locations of a page of results, the
library's notices, and a reader's own holds and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from shuxiang.catalog.models import Bib, Item
from shuxiang.circulation.models import Hold, Loan
from shuxiang.circulation.selectors import patron_holds, patron_loans
from shuxiang.core.models import Library, Location
from shuxiang.opac import rules
from shuxiang.opac.models import Notice
from shuxiang.patrons.models import Patron

# Copies a reader is never shown: gone from the collection.
GONE = (Item.Status.WITHDRAWN, Item.Status.LOST)


# -- the catalog -----------------------------------------------------------------------


def public_bib(library: Library | None, bib_id: int) -> Bib | None:
    """The library's title with this id, or None."""
    if library is None:
        return None
    return Bib.objects.filter(library=library, pk=bib_id).first()


@dataclass(frozen=True)
class PublicCopy:
    """A copy as the public record page shows it: where it is and whether it is in,
    with the due date of a copy on loan. Who has it is not here, by design."""

    call_number: str
    location: str
    status: str
    status_label: str
    due_date: dt.date | None
    reference: bool  # not for loan (参考工具书)


def public_copies(library: Library, bib: Bib) -> list[PublicCopy]:
    """The title's copies in this library (withdrawn and lost ones left out), those on
    the shelf first, then by call number and barcode."""
    items = list(
        Item.objects.filter(library=library, bib=bib)
        .exclude(status__in=GONE)
        .select_related("call_number", "location")
        .order_by("call_number__value", "barcode")
    )
    # Only the due dates of the open loans: the borrower is never read.
    dues = dict(
        Loan.objects.filter(
            item_id__in=[i.pk for i in items], status=Loan.Status.ON_LOAN
        ).values_list("item_id", "due_date")
    )
    copies = [
        PublicCopy(
            call_number=item.call_number.value if item.call_number_id else "",
            location=item.location.name if item.location_id else "",
            status=item.status,
            status_label=str(Item.Status(item.status).label),
            due_date=dues.get(item.pk),
            reference=item.circulation_type == Item.CirculationType.REFERENCE,
        )
        for item in items
    ]
    copies.sort(key=lambda c: c.status != Item.Status.AVAILABLE)
    return copies


def hold_queue_length(bib: Bib) -> int:
    """How many readers wait for a copy of this title (holds not yet on the shelf)."""
    return Hold.objects.filter(bib=bib, status=Hold.Status.WAITING).count()


def locations_of(library: Library, bib_ids: Iterable[int]) -> dict[int, list[str]]:
    """The locations of each title's copies (a page of results: one query)."""
    rows = (
        Item.objects.filter(library=library, bib_id__in=list(bib_ids), location__isnull=False)
        .exclude(status__in=GONE)
        .values_list("bib_id", "location__name")
        .distinct()
        .order_by("bib_id", "location__name")
    )
    found: dict[int, list[str]] = {}
    for bib_id, name in rows:
        found.setdefault(bib_id, []).append(name)
    return found


def location_names(library: Library | None) -> dict[int, str]:
    """The library's locations by id (for the search filters)."""
    if library is None:
        return {}
    return dict(Location.objects.filter(library=library).values_list("pk", "name"))


# -- notices ---------------------------------------------------------------------------


def public_notices(library: Library | None, *, today: dt.date, limit: int = 10) -> list[Notice]:
    """The notices the home page shows today: pinned first, then the newest."""
    if library is None:
        return []
    notices = Notice.objects.filter(
        library=library, kind=Notice.Kind.NOTICE, published=True
    ).order_by("-pinned", "-published_at", "-id")
    shown = [
        n
        for n in notices[: limit * 3]
        if rules.notice_shown(published=n.published, show_until=n.show_until, today=today)
    ]
    return shown[:limit]


def loan_rules(library: Library | None) -> Notice | None:
    """The library's loan rules (借阅制度) if it has published them."""
    if library is None:
        return None
    return Notice.objects.filter(library=library, kind=Notice.Kind.RULES, published=True).first()


def staff_notices(library: Library) -> list[Notice]:
    """Every notice for the staff page: posted ones first (pinned, newest), then drafts
    and retired ones, newest first."""
    return list(
        Notice.objects.filter(library=library, kind=Notice.Kind.NOTICE).order_by(
            "-published", "-pinned", "-published_at", "-id"
        )
    )


def rules_text(library: Library) -> Notice | None:
    """The loan rules, published or not (the staff page edits them)."""
    return Notice.objects.filter(library=library, kind=Notice.Kind.RULES).first()


# -- the reader's own ------------------------------------------------------------------


def reader_holds(patron: Patron) -> list[Hold]:
    """The reader's active holds, each with its place in its title's queue (`position`,
    0 once a copy is on the hold shelf) and the length of that queue (`queue`). The
    queue is served in the order (placed_at, id), as check-in traps copies
    (circulation.selectors.first_waiting_hold_id), so holds placed in the same instant
    get different places."""
    holds = patron_holds(patron)
    waiting = [h for h in holds if h.status == Hold.Status.WAITING]
    queues = dict(
        Hold.objects.filter(bib_id__in=[h.bib_id for h in waiting], status=Hold.Status.WAITING)
        .values("bib_id")
        .annotate(n=Count("id"))
        .values_list("bib_id", "n")
    )
    for hold in holds:
        hold.queue = queues.get(hold.bib_id, 0)
        if hold.status == Hold.Status.WAITING:
            ahead = Hold.objects.filter(bib_id=hold.bib_id, status=Hold.Status.WAITING).filter(
                Q(placed_at__lt=hold.placed_at) | Q(placed_at=hold.placed_at, id__lt=hold.pk)
            )
            hold.position = ahead.count() + 1
    return holds


def reader_hold_for(patron: Patron, bib: Bib) -> Hold | None:
    """The reader's active hold on this title, with `position` and `queue`."""
    return next((h for h in reader_holds(patron) if h.bib_id == bib.pk), None)


def reader_history(library: Library, patron: Patron) -> list[Any]:
    """The reader's finished loans (returned, lost ...), newest first; what anonymizing
    has detached from them is no longer theirs, and is not here."""
    return [
        loan
        for loan in patron_loans(library, patron, history=True)
        if loan.status != Loan.Status.ON_LOAN
    ]
