"""Circulation reads that several screens share, and the plain rule inputs built from the
database (the policy matrix and the opening calendar) for `rules.py`."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules
from shuxiang.circulation.models import Loan, LoanPolicy
from shuxiang.core.calendar import OpeningCalendar, Period
from shuxiang.core.models import CalendarDay, Library, OpeningSlot, Term, Vacation
from shuxiang.core.money import Money
from shuxiang.patrons.models import Patron, SchoolClass

# The matrix and the calendar change a few times a year but are read on every scan, so
# each process keeps them for a short while. Saving any of their tables clears the copy
# in this process at once (signals, see apps.py); other processes of a multi-process
# deployment see the change within this many seconds.
RULES_TTL_SECONDS = 60.0


@dataclass(frozen=True)
class LibraryRules:
    calendar: OpeningCalendar
    matrix: rules.PolicyMatrix
    # The highest grade the school teaches this year: its readers leave at the end of
    # the school year, so their loans fall due by then.
    leaving_grade: int | None

    def leaving_date(self, grade: int | None, today: dt.date) -> dt.date | None:
        if grade is None or self.leaving_grade is None or grade < self.leaving_grade:
            return None
        return self.calendar.school_year_end(today)


_cache: dict[tuple[int, Any], tuple[float, LibraryRules]] = {}
_cache_lock = threading.Lock()


def rules_cache_clear(**_kwargs: Any) -> None:
    with _cache_lock:
        _cache.clear()


def library_rules(library: Library) -> LibraryRules:
    """The policy matrix, the opening calendar and the leaving grade of a library."""
    # created_at is part of the key so that a recreated library with a reused id (tests,
    # a restore) never gets another library's rules.
    key = (library.pk, library.created_at)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < RULES_TTL_SECONDS:
        return hit[1]
    value = _load_rules(library)
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def _policy_of(row: LoanPolicy) -> rules.Policy:
    return rules.Policy(
        loanable=row.loanable,
        loan_days=row.loan_days,
        fixed_due=row.fixed_due,
        max_loans=row.max_loans,
        renewals=row.renewals,
        renewal_days=row.renewal_days,
        fine_per_day=row.fine_per_day,
        grace_days=row.grace_days,
        fine_cap=row.fine_cap,
        holds_allowed=row.holds_allowed,
        block_overdue_days=row.block_overdue_days,
        block_fees=row.block_fees,
    )


def _load_rules(library: Library) -> LibraryRules:
    cells = {
        (row.patron_category, row.grade, row.circulation_type): _policy_of(row)
        for row in LoanPolicy.objects.filter(library=library)
    }
    closed, make_up = set(), set()
    for day, kind in CalendarDay.objects.filter(library=library).values_list("date", "kind"):
        (make_up if kind == CalendarDay.Kind.OPEN else closed).add(day)
    calendar = OpeningCalendar.build(
        slot_weekdays=set(
            OpeningSlot.objects.filter(library=library).values_list("weekday", flat=True)
        ),
        closed_dates=closed,
        open_dates=make_up,
        vacations=[
            Period(n, s, e)
            for n, s, e in Vacation.objects.filter(library=library).values_list(
                "name", "start", "end"
            )
        ],
        terms=[
            Period(n, s, e)
            for n, s, e in Term.objects.filter(library=library).values_list("name", "start", "end")
        ],
    )
    leaving_grade = (
        SchoolClass.objects.filter(library=library, school_year=library.current_school_year)
        .order_by("-grade")
        .values_list("grade", flat=True)
        .first()
    )
    return LibraryRules(
        calendar=calendar, matrix=rules.PolicyMatrix(cells), leaving_grade=leaving_grade
    )


# --- the scan path ----------------------------------------------------------------------
#
# Every scan at the desk runs these few reads. Building and compiling an ORM query costs
# several times more than SQLite takes to answer it, so the reads on this path are written
# once as SQL (both engines understand them) and still come back as model instances.


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _first(model: type[models.Model], sql: str, params: list[Any]) -> Any:
    for obj in model.objects.raw(sql, params):
        return obj
    return None


def _patron_sql(where: str) -> str:
    p, c = _q(Patron._meta.db_table), _q(SchoolClass._meta.db_table)
    return (
        f"SELECT p.*, c.grade AS class_grade, c.name AS class_name, c.number AS class_number, "
        f"c.school_year AS class_year FROM {p} p LEFT JOIN {c} c ON c.id = p.school_class_id WHERE {where}"
    )


def _with_class(patron: Patron | None) -> Patron | None:
    """Attach the class read in the same query, so patron.school_class costs nothing."""
    if patron is not None and patron.school_class_id:
        patron.school_class = SchoolClass(
            id=patron.school_class_id,
            library_id=patron.library_id,
            grade=patron.class_grade,
            name=patron.class_name,
            number=patron.class_number,
            school_year=patron.class_year,
        )
    return patron


def patron_for_scan(library_id: int, card: str, *, lock: bool = False) -> Patron | None:
    """The reader with this card in this library, with their class. With lock, the
    reader's row stays locked until the transaction ends (PostgreSQL), so two desks
    lending to one reader at once cannot both pass the loan limit."""
    sql = _patron_sql("p.library_id = %s AND p.card_number = %s")
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE OF p"
    return _with_class(_first(Patron, sql, [library_id, card.strip()]))


def patron_by_id(patron_id: int) -> Patron | None:
    return _with_class(_first(Patron, _patron_sql("p.id = %s"), [patron_id]))


def item_for_update(library_id: int, barcode: str) -> Item | None:
    """The copy with this barcode, row-locked until the transaction ends where the
    database has row locks (SQLite holds its write lock from BEGIN IMMEDIATE)."""
    sql = f"SELECT * FROM {_q(Item._meta.db_table)} WHERE library_id = %s AND barcode = %s"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return _first(Item, sql, [library_id, barcode.strip()])


def open_loan_of(item_id: int) -> Loan | None:
    sql = f"SELECT * FROM {_q(Loan._meta.db_table)} WHERE item_id = %s AND status = %s"
    return _first(Loan, sql, [item_id, Loan.Status.ON_LOAN])


def patron_facts(patron: Patron) -> rules.PatronFacts:
    """What the rules need to know about a reader: status, card validity, open loans."""
    sql = f"SELECT id, due_date FROM {_q(Loan._meta.db_table)} WHERE patron_id = %s AND status = %s"
    dues = [loan.due_date for loan in Loan.objects.raw(sql, [patron.pk, Loan.Status.ON_LOAN])]
    return rules.PatronFacts(
        status=patron.status,
        valid_until=patron.valid_until,
        open_loans=len(dues),
        oldest_due=min(dues) if dues else None,
        # Fees arrive with the fee ledger; until then nobody owes anything.
        unpaid_fees=0,
        block_reason=patron.block_reason,
    )


def patron_loans(library: Library, patron: Patron, *, history: bool = False) -> list[Loan]:
    """A reader's open loans, oldest due first; with history, the returned ones after
    them, newest first."""
    base = Loan.objects.filter(library=library, patron=patron).select_related(
        "item__bib", "item__call_number"
    )
    loans = list(base.filter(status=Loan.Status.ON_LOAN).order_by("due_date", "id"))
    if history:
        loans += list(
            base.exclude(status=Loan.Status.ON_LOAN).order_by("-returned_at", "-id")[:500]
        )
    return loans


def patron_summary(library: Library, patron: Patron, *, today: dt.date) -> dict[str, Any]:
    """Everything the desk shows about a reader: loans against the limit, overdue days,
    and every reason the reader could not borrow now."""
    ctx = library_rules(library)
    grade = patron.school_class.grade if patron.school_class_id else None
    policy = ctx.matrix.lookup(patron.category, grade, "normal")
    loans = patron_loans(library, patron)
    facts = patron_facts(patron)
    rows = []
    for loan in loans:
        late = rules.overdue_days(loan.due_date, today, ctx.calendar)
        item_policy = ctx.matrix.lookup(patron.category, grade, loan.item.circulation_type)
        rows.append(
            {
                "loan": loan,
                "overdue_days": late,
                "renewals_left": max(0, item_policy.renewals - loan.renewals),
                "today": timezone.localdate(loan.checked_out_at) == today,
            }
        )
    blocks = rules.patron_refusals(facts, policy, ctx.calendar, today)
    return {
        "patron": patron,
        "loans": rows,
        "count": len(rows),
        "limit": policy.max_loans,
        "at_limit": len(rows) >= policy.max_loans,
        "overdue": sum(1 for r in rows if r["overdue_days"] > 0),
        # Holds and fees arrive with the hold queue and the fee ledger.
        "holds": [],
        "fees": 0,
        "fees_yuan": Money(0).plain(),
        "blocks": blocks,
        "policy": policy,
    }
