"""What readers still owe the library and what they have borrowed, as the patrons app
asks it (patrons/obligations.py is the port; circulation registers these answers there
in its AppConfig.ready(), so patrons imports nothing of circulation).

A reader who graduates or leaves goes only when they owe nothing (毕业离校清还), so
promotion, leaving and the clearance list ask here; the class page counts open and
overdue loans; the reader's history is read and, for privacy, detached. Everything is
scoped to one library; each answer is one grouped query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet, Sum

from shuxiang.circulation.models import Fee, Loan
from shuxiang.core.models import Library
from shuxiang.patrons import obligations as port
from shuxiang.patrons.models import Patron
from shuxiang.patrons.obligations import LoanCounts, Obligations

__all__ = [
    "Obligations",
    "finished_loans",
    "loan_counts",
    "open_loans",
    "patron_history",
    "reader_obligations",
    "register",
]


def reader_obligations(library: Library, patron_ids: Iterable[int]) -> dict[int, Obligations]:
    """Each of these readers' open loans and unpaid fees; a reader who owes nothing
    gets Obligations() (settled)."""
    ids = list(patron_ids)
    if not ids:
        return {}
    loans = dict(
        Loan.objects.filter(library=library, patron_id__in=ids, status=Loan.Status.ON_LOAN)
        .order_by()
        .values("patron_id")
        .annotate(n=Count("id"))
        .values_list("patron_id", "n")
    )
    fees = dict(
        Fee.objects.filter(library=library, patron_id__in=ids, status=Fee.Status.OPEN)
        .order_by()
        .values("patron_id")
        .annotate(total=Sum("amount"))
        .values_list("patron_id", "total")
    )
    return {
        pk: Obligations(open_loans=loans.get(pk, 0), unpaid_fen=fees.get(pk) or 0) for pk in ids
    }


def open_loans(
    library: Library,
    *,
    patron_ids: Iterable[int] | None = None,
    school_class_id: int | None = None,
) -> QuerySet[Loan]:
    """The open loans of these readers (or of the readers of this class), with their
    copies and titles, soonest due first."""
    qs = Loan.objects.filter(library=library, status=Loan.Status.ON_LOAN).select_related(
        "item__bib", "patron"
    )
    if patron_ids is not None:
        qs = qs.filter(patron_id__in=list(patron_ids))
    if school_class_id is not None:
        qs = qs.filter(patron__school_class_id=school_class_id)
    return qs.order_by("due_date")


def loan_counts(library_id: int, patron_ids: list[int], today: dt.date) -> dict[int, LoanCounts]:
    """Open and overdue loans of each of these readers that has any (one grouped query)."""
    rows = (
        Loan.objects.filter(
            library_id=library_id, patron_id__in=patron_ids, status=Loan.Status.ON_LOAN
        )
        .order_by()
        .values("patron_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_date__lt=today)))
        .values_list("patron_id", "n", "late")
    )
    return {pk: LoanCounts(open_loans=n, overdue=late) for pk, n, late in rows}


def patron_history(patron: Patron) -> QuerySet[Loan]:
    """A reader's loans, newest first."""
    return (
        Loan.objects.filter(patron=patron).select_related("item__bib").order_by("-checked_out_at")
    )


def finished_loans(library: Library, readers: QuerySet[Patron]) -> dict[int, int]:
    """Of these readers, those with finished loans, and how many each (one query)."""
    return dict(
        Loan.objects.filter(library=library, patron__in=readers.values("pk"))
        .exclude(status=Loan.Status.ON_LOAN)
        .order_by()
        .values("patron_id")
        .annotate(n=Count("id"))
        .values_list("patron_id", "n")
    )


def _history_detach(**kwargs: object) -> int:
    # The services (and the catalog they use) are imported when a history is detached,
    # not when the apps start.
    from shuxiang.circulation.services import loans_detach_reader

    return loans_detach_reader(**kwargs)  # type: ignore[arg-type]


def register() -> None:
    port.register(
        port.LoanSource(
            reader_obligations=reader_obligations,
            open_loans=open_loans,
            loan_counts=loan_counts,
            history=patron_history,
            finished_loans=finished_loans,
            history_detach=_history_detach,
        )
    )
