"""What readers still owe the library: copies on loan and unpaid fees.

The one read that the patrons app makes of circulation: a reader who graduates or leaves
goes only when they owe nothing (毕业离校清还), so promotion, leaving and the clearance
list ask here. Everything is scoped to one library; each answer is one grouped query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from shuxiang.circulation.models import Fee, Loan
from shuxiang.core.models import Library


@dataclass(frozen=True)
class Obligations:
    """What one reader owes: copies still on loan and unpaid fees in fen."""

    open_loans: int = 0
    unpaid_fen: int = 0

    @property
    def settled(self) -> bool:
        return not self.open_loans and not self.unpaid_fen


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
