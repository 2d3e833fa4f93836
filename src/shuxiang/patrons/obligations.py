"""What the patrons app needs to know about readers' loans and fees, and the one change
it asks of them (the port; DESIGN rule 10).

Patrons sits below circulation and imports none of it. Circulation answers these
questions for it: in its AppConfig.ready() it registers a `LoanSource` (see
circulation/obligations.py). A reader who graduates or leaves goes only when they owe
nothing (毕业离校清还); the class page counts open and overdue loans; a reader's history
is shown and exported; a reader's finished loans are detached when the library keeps
them no longer. Without circulation installed, nothing is registered and the answers
are: owes nothing, no loans, nothing to detach.

The loans handed back are circulation's rows, read by the templates and the export as
plain objects: `patron_id`, `item.barcode`, `item.bib.title`, `checked_out_at`,
`due_date`, `returned_at`, `status`. Everything is scoped to one library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from shuxiang.core.audit import Actor
from shuxiang.core.models import Library
from shuxiang.patrons.models import Patron


@dataclass(frozen=True)
class Obligations:
    """What one reader owes: copies still on loan and unpaid fees in fen."""

    open_loans: int = 0
    unpaid_fen: int = 0

    @property
    def settled(self) -> bool:
        return not self.open_loans and not self.unpaid_fen


@dataclass(frozen=True)
class LoanCounts:
    """One reader's open loans, and how many of them are overdue."""

    open_loans: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class LoanSource:
    """The answers the loans' owner registers. Each takes plain values and reads in one
    grouped query (the readers' querysets are used as subqueries)."""

    # (library, patron ids) -> {patron id: Obligations} for the readers that owe something
    reader_obligations: Callable[[Library, list[int]], dict[int, Obligations]]
    # (library, *, patron_ids, school_class_id) -> open loans, soonest due first
    open_loans: Callable[..., Sequence[Any]]
    # (library id, patron ids, today) -> {patron id: LoanCounts} for readers with open loans
    loan_counts: Callable[[int, list[int], dt.date], dict[int, LoanCounts]]
    # (patron) -> the reader's loans, newest first
    history: Callable[[Patron], Sequence[Any]]
    # (library, readers) -> {patron id: number of finished loans} for readers with any
    finished_loans: Callable[[Library, QuerySet[Patron]], dict[int, int]]
    # (*, actor, patron_id, anonymous_id) -> loans handed to the anonymous reader
    history_detach: Callable[..., int]


_SOURCE: dict[str, LoanSource] = {}


def register(source: LoanSource) -> None:
    """Answer the patrons app's questions about loans (once per process; the last one
    registered answers)."""
    _SOURCE["loans"] = source


def _source() -> LoanSource | None:
    return _SOURCE.get("loans")


def reader_obligations(library: Library, patron_ids: Iterable[int]) -> dict[int, Obligations]:
    """Each of these readers' open loans and unpaid fees; a reader who owes nothing
    gets Obligations() (settled)."""
    ids = list(patron_ids)
    source = _source()
    if not ids:
        return {}
    found = source.reader_obligations(library, ids) if source else {}
    return {pk: found.get(pk, Obligations()) for pk in ids}


def open_loans(
    library: Library,
    *,
    patron_ids: Iterable[int] | None = None,
    school_class_id: int | None = None,
) -> Sequence[Any]:
    """The open loans of these readers (or of the readers of this class), with their
    copies and titles, soonest due first."""
    source = _source()
    if source is None:
        return []
    ids = None if patron_ids is None else list(patron_ids)
    return source.open_loans(library, patron_ids=ids, school_class_id=school_class_id)


def loan_counts(
    library_id: int, patron_ids: Iterable[int], today: dt.date
) -> dict[int, LoanCounts]:
    """Each of these readers' open and overdue loans (LoanCounts() for none). Takes the
    library's id, so that a class's roster need not load its library."""
    ids = list(patron_ids)
    source = _source()
    found = source.loan_counts(library_id, ids, today) if source and ids else {}
    return {pk: found.get(pk, LoanCounts()) for pk in ids}


def history(patron: Patron) -> Sequence[Any]:
    """A reader's loans, newest first (callers decide who may see it and audit the view)."""
    source = _source()
    return source.history(patron) if source else []


def finished_loans(library: Library, readers: QuerySet[Patron]) -> dict[int, int]:
    """Of these readers, those with finished (not open) loans, and how many each."""
    source = _source()
    return source.finished_loans(library, readers) if source else {}


def history_detach(*, actor: Actor, patron_id: int, anonymous_id: int) -> int:
    """Hand a reader's finished loans to the anonymous reader; how many were handed."""
    source = _source()
    if source is None:
        return 0
    return source.history_detach(actor=actor, patron_id=patron_id, anonymous_id=anonymous_id)
