"""Circulation reads that several screens share, and the plain rule inputs built from the
database (the policy matrix and the opening calendar) for `rules.py`."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import Case, F, Value, When
from django.utils import timezone

from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.circulation import rules
from shuxiang.circulation.models import (
    CirculationSettings,
    DeskScan,
    Fee,
    Hold,
    Loan,
    LoanPolicy,
    PatronBlock,
)
from shuxiang.core import rows
from shuxiang.core.calendar import OpeningCalendar
from shuxiang.core.models import AuditReader, Library
from shuxiang.core.money import yuan_text
from shuxiang.core.selectors import opening_calendar
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
    # The same calendar the settings pages show: one reading of the library's days.
    calendar = opening_calendar(library)
    leaving_grade = (
        SchoolClass.objects.filter(library=library, school_year=library.current_school_year)
        .order_by("-grade")
        .values_list("grade", flat=True)
        .first()
    )
    return LibraryRules(
        calendar=calendar, matrix=rules.PolicyMatrix(cells), leaving_grade=leaving_grade
    )


def _in_choice_order(field: str, choices: Any) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(choices.values)),
        default=Value(len(choices.values)),
    )


def loan_policies(library: Library) -> models.QuerySet:
    """The policy matrix's rows in the order a librarian reads them: 学生, 教师, 职工 (not
    by code), each category's own row before its grades, then the circulation types."""
    return LoanPolicy.objects.filter(library=library).order_by(
        _in_choice_order("patron_category", Patron.Category),
        F("grade").asc(nulls_first=True),
        _in_choice_order("circulation_type", Item.CirculationType),
        "id",
    )


# --- the scan path ----------------------------------------------------------------------
#
# Every scan at the desk runs these few reads. Building and compiling an ORM query costs
# several times more than SQLite takes to answer it, so the reads on this path are written
# once as SQL (both engines understand them) and still come back as model instances.


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _patron_sql(where: str) -> str:
    """The reader with their class and the pseudonym the audit log knows them by (the
    loan's audit event needs it: one query instead of two on every scan)."""
    p, c = _q(Patron._meta.db_table), _q(SchoolClass._meta.db_table)
    a = _q(AuditReader._meta.db_table)
    return (
        f"SELECT p.*, c.grade AS class_grade, c.name AS class_name, c.number AS class_number, "
        f"c.school_year AS class_year, a.pseudonym AS audit_pseudonym "
        f"FROM {p} p LEFT JOIN {c} c ON c.id = p.school_class_id "
        f"LEFT JOIN {a} a ON a.library_id = p.library_id AND a.patron_id = p.id WHERE {where}"
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
    return _with_class(rows.first(Patron, sql, [library_id, card.strip()]))


def patron_by_id(patron_id: int) -> Patron | None:
    return _with_class(rows.first(Patron, _patron_sql("p.id = %s"), [patron_id]))


def item_for_update(library_id: int, barcode: str) -> Item | None:
    """The copy with this barcode, row-locked until the transaction ends where the
    database has row locks (SQLite holds its write lock from BEGIN IMMEDIATE)."""
    sql = f"SELECT * FROM {_q(Item._meta.db_table)} WHERE library_id = %s AND barcode = %s"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return rows.first(Item, sql, [library_id, barcode.strip()])


def open_loan_of(item_id: int) -> Loan | None:
    sql = f"SELECT * FROM {_q(Loan._meta.db_table)} WHERE item_id = %s AND status = %s"
    return rows.first(Loan, sql, [item_id, Loan.Status.ON_LOAN])


def first_waiting_hold_id(bib_id: int) -> int | None:
    """The first hold in a title's queue (scan path: every check-in asks)."""
    sql = (
        f"SELECT id FROM {_q(Hold._meta.db_table)} WHERE bib_id = %s AND status = %s"
        " ORDER BY placed_at, id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [bib_id, Hold.Status.WAITING])
        row = cursor.fetchone()
    return row[0] if row else None


def _date(value: Any) -> dt.date:
    # SQLite's driver gives a date column back as a date (declared type), PostgreSQL's too;
    # a value written as text by hand still reads right.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def patron_facts(patron: Patron) -> rules.PatronFacts:
    """What the rules need to know about a reader: status, card validity, open loans."""
    sql = f"SELECT due_date FROM {_q(Loan._meta.db_table)} WHERE patron_id = %s AND status = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [patron.pk, Loan.Status.ON_LOAN])
        dues = [_date(row[0]) for row in cursor.fetchall()]
    unpaid, manual = patron_fees_and_block(patron.pk)
    return _facts(patron, dues, unpaid, manual)


def _facts(patron: Patron, dues: list[dt.date], unpaid: int, manual: str) -> rules.PatronFacts:
    return rules.PatronFacts(
        status=patron.status,
        valid_until=patron.valid_until,
        open_loans=len(dues),
        oldest_due=min(dues) if dues else None,
        unpaid_fees=unpaid,
        block_reason=patron.block_reason,
        manual_block=manual,
    )


def patron_fees_and_block(patron_id: int) -> tuple[int, str]:
    """Unpaid fees (fen) and the reason of a manual block, in one cheap query."""
    f, b = _q(Fee._meta.db_table), _q(PatronBlock._meta.db_table)
    sql = (
        f"SELECT (SELECT COALESCE(SUM(amount), 0) FROM {f} WHERE patron_id = %s AND status = %s),"
        f" (SELECT MIN(reason) FROM {b} WHERE patron_id = %s AND lifted_at IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [patron_id, Fee.Status.OPEN, patron_id])
        unpaid, reason = cursor.fetchone()
    return int(unpaid or 0), reason or ""


def fee_settings(library: Library) -> tuple[CirculationSettings, rules.FeeSettings]:
    """The library's hold and compensation settings (made with defaults on first use)."""
    row, _created = CirculationSettings.objects.get_or_create(library=library)
    return row, rules.FeeSettings(
        lost_factor_percent=row.lost_factor_percent,
        lost_processing_fee=row.lost_processing_fee,
        lost_default_price=row.lost_default_price,
        damage_minor_percent=row.damage_minor_percent,
        damage_major_percent=row.damage_major_percent,
        refund_processing_fee=row.refund_processing_fee,
    )


def patron_holds(patron: Patron, *, active: bool = True) -> list[Hold]:
    """A reader's holds (ready ones first), with their titles and queue positions."""
    qs = Hold.objects.filter(patron=patron).select_related("bib", "item")
    if active:
        qs = qs.filter(status__in=[Hold.Status.READY, Hold.Status.WAITING])
    holds = sorted(qs, key=lambda h: (h.status != Hold.Status.READY, h.placed_at))
    for hold in holds:
        hold.position = (
            Hold.objects.filter(
                bib_id=hold.bib_id, status=Hold.Status.WAITING, placed_at__lt=hold.placed_at
            ).count()
            + 1
            if hold.status == Hold.Status.WAITING
            else 0
        )
    return holds


def patron_fees(patron: Patron, *, open_only: bool = False) -> list[Fee]:
    """A reader's fee history (newest first), with the copies' titles and payments."""
    qs = Fee.objects.filter(patron=patron).select_related("item__bib").prefetch_related("payments")
    if open_only:
        qs = qs.filter(status=Fee.Status.OPEN)
    fees = list(qs.order_by("-created_at", "-id"))
    for fee in fees:
        fee.yuan = yuan_text(fee.amount)
    return fees


def hold_shelf(library: Library, *, today: dt.date | None = None) -> list[Hold]:
    """Copies waiting on the hold shelf (预约架) for their readers, oldest first. With
    today, each hold says whether its pickup window has passed (`expired`, by
    `rules.hold_expired`, the rule `hold_expire` passes them on by) or ends today."""
    holds = list(
        Hold.objects.filter(library=library, status=Hold.Status.READY)
        .select_related("bib", "item__call_number", "patron__school_class")
        .order_by("expires_on", "ready_at")
    )
    if today is not None:
        for hold in holds:
            hold.expired = rules.hold_expired(hold.expires_on, today)
            hold.due_today = not hold.expired and hold.expires_on == today
    return holds


@dataclass
class OverdueLine:
    loan: Loan
    days: int
    borrower: str
    class_name: str
    # (grade, class number, reader's pinyin): 七年级 before 八年级 before 九年级, which
    # the characters' code points would not give.
    order: tuple[int, int, str] = (99, 99, "")


def overdue_loans(
    library: Library, *, today: dt.date, class_id: int | None = None
) -> list[OverdueLine]:
    """Open loans past due (逾期), by class then reader; a class's own loans (班级集体借阅)
    are listed under the class. Days count only open days."""
    ctx = library_rules(library)
    qs = Loan.objects.filter(
        library=library, status=Loan.Status.ON_LOAN, due_date__lt=today
    ).select_related("item__bib", "item__call_number", "patron__school_class", "school_class")
    if class_id is not None:
        qs = qs.filter(
            models.Q(patron__school_class_id=class_id) | models.Q(school_class_id=class_id)
        )
    lines = []
    for loan in qs:
        days = rules.overdue_days(loan.due_date, today, ctx.calendar)
        if days <= 0:
            continue
        if loan.patron_id:
            cls = loan.patron.school_class
            order = (cls.grade, cls.number, loan.patron.name_pinyin) if cls else (99, 99, "")
            name = cls.name if cls else ""
            lines.append(OverdueLine(loan, days, loan.patron.name, name, order))
        else:
            cls = loan.school_class
            lines.append(OverdueLine(loan, days, cls.name, cls.name, (cls.grade, cls.number, "")))
    lines.sort(key=lambda x: (x.order[:2], x.class_name, x.order[2], x.loan.due_date))
    return lines


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


def patron_claimed_loans(library: Library, patron: Patron) -> list[Loan]:
    """A reader's loans they say were returned (声称已还) and whose copies are still
    sought, latest claim first. They are not open loans: no list of open or overdue
    loans, no count against the limit reads them (those read `on_loan` only)."""
    return list(
        Loan.objects.filter(library=library, patron=patron, status=Loan.Status.CLAIMED_RETURNED)
        .select_related("item__bib", "item__call_number")
        .order_by("-claimed_at", "-id")
    )


def patron_summary(library: Library, patron: Patron, *, today: dt.date) -> dict[str, Any]:
    """Everything the desk shows about a reader: loans against the limit, overdue days,
    and every reason the reader could not borrow now."""
    loans = patron_loans(library, patron)
    # One query: the reader's active holds with their titles (ready ones first).
    holds = sorted(
        Hold.objects.filter(
            patron_id=patron.pk, status__in=[Hold.Status.READY, Hold.Status.WAITING]
        ).select_related("bib"),
        key=lambda h: (h.status != Hold.Status.READY, h.placed_at),
    )
    return _summary(
        library,
        patron,
        today=today,
        loans=loans,
        circulation_types=[loan.item.circulation_type for loan in loans],
        facts=patron_facts(patron),
        holds=holds,
        holds_ready=[h for h in holds if h.status == Hold.Status.READY],
    )


def _summary(
    library: Library,
    patron: Patron,
    *,
    today: dt.date,
    loans: list[Any],
    circulation_types: list[str],
    facts: rules.PatronFacts,
    holds: list[Any],
    holds_ready: list[Any],
) -> dict[str, Any]:
    """The reader's figures from what was read: each loan's overdue days and renewals
    left by its policy cell, the reader's refusals, the due date a copy lent today would
    get. `loans` are open loans (anything with due_date, renewals and checked_out_at),
    oldest due first; `circulation_types` their copies' types."""
    ctx = library_rules(library)
    grade = patron.school_class.grade if patron.school_class_id else None
    policy = ctx.matrix.lookup(patron.category, grade, "normal")
    rows = []
    for loan, circulation_type in zip(loans, circulation_types, strict=True):
        late = rules.overdue_days(loan.due_date, today, ctx.calendar)
        item_policy = ctx.matrix.lookup(patron.category, grade, circulation_type)
        rows.append(
            {
                "loan": loan,
                "overdue_days": late,
                "renewals_left": max(0, item_policy.renewals - loan.renewals),
                "today": timezone.localdate(loan.checked_out_at) == today,
            }
        )
    blocks = rules.patron_refusals(facts, policy, ctx.calendar, today)
    # The due date a copy of the usual kind lent today would get: the desk shows it for
    # a check-out it has to keep until the server answers again (offline).
    due_today = (
        rules.due_date(
            policy=policy,
            calendar=ctx.calendar,
            today=today,
            vacation_loans=library.vacation_loans,
            leaving_date=ctx.leaving_date(grade, today),
        )
        if policy.loanable
        else None
    )
    return {
        "patron": patron,
        "loans": rows,
        "count": len(rows),
        "limit": policy.max_loans,
        "at_limit": len(rows) >= policy.max_loans,
        "overdue": sum(1 for r in rows if r["overdue_days"] > 0),
        "holds": holds,
        "holds_ready": holds_ready,
        "fees": facts.unpaid_fees,
        "fees_yuan": yuan_text(facts.unpaid_fees),
        "blocks": blocks,
        "policy": policy,
        "due_today": due_today,
    }


# --- the desk's reader panel --------------------------------------------------------------
#
# Every card scan shows the reader's panel and every check-out brings its figures up to
# date, so the desk reads it with three statements made once per process (like the scan
# path above) instead of ORM queries with their joins compiled on every scan. The
# figures come from the same `_summary` as `patron_summary`'s.


@dataclass(frozen=True)
class PanelLoan:
    """An open loan as the desk's reader panel lists it."""

    pk: int
    barcode: str
    title: str
    call_number: str
    checked_out_at: dt.datetime
    due_date: dt.date
    renewals: int

    # As the panel writes them (the template's date filter costs more than the rest of
    # the row): the due date, and the day lent in the library's time.
    @property
    def due_text(self) -> str:
        return self.due_date.isoformat()

    @property
    def lent_text(self) -> str:
        return timezone.localtime(self.checked_out_at).strftime("%m-%d")


@dataclass(frozen=True)
class PanelHold:
    """A hold of the reader's waiting on the hold shelf."""

    title: str
    expires_on: dt.date | None


def _aware(value: Any) -> dt.datetime:
    # SQLite's driver gives a datetime column back naive (UTC, as the ORM wrote it), or as
    # text when written by hand; PostgreSQL's gives it aware.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _panel_loans_sql() -> str:
    loan, item = _q(Loan._meta.db_table), _q(Item._meta.db_table)
    bib, call = _q(Bib._meta.db_table), _q(CallNumber._meta.db_table)
    # Every open loan of the reader, whichever library lent it (the reader's facts count
    # them all, as the services' do); the panel lists this library's.
    return (
        "SELECT l.id, l.library_id, l.due_date, l.renewals, l.checked_out_at, i.barcode,"
        f" i.circulation_type, b.title, c.value FROM {loan} l"
        f" JOIN {item} i ON i.id = l.item_id JOIN {bib} b ON b.id = i.bib_id"
        f" LEFT JOIN {call} c ON c.id = i.call_number_id"
        " WHERE l.patron_id = %s AND l.status = %s ORDER BY l.due_date, l.id"
    )


def _panel_holds_sql() -> str:
    hold, bib = _q(Hold._meta.db_table), _q(Bib._meta.db_table)
    return (
        f"SELECT b.title, h.expires_on FROM {hold} h JOIN {bib} b ON b.id = h.bib_id"
        " WHERE h.patron_id = %s AND h.status = %s ORDER BY h.placed_at, h.id"
    )


def desk_reader(library: Library, patron: Patron, *, today: dt.date) -> dict[str, Any]:
    """What the desk's reader panel shows, as `patron_summary` gives it, with the loans
    as `PanelLoan` rows and the ready holds as `PanelHold`: three prepared reads."""
    with connection.cursor() as cursor:
        cursor.execute(_panel_loans_sql(), [patron.pk, Loan.Status.ON_LOAN])
        found = cursor.fetchall()
        cursor.execute(_panel_holds_sql(), [patron.pk, Hold.Status.READY])
        holds = [PanelHold(title, _date(on) if on else None) for title, on in cursor.fetchall()]
    unpaid, manual = patron_fees_and_block(patron.pk)
    dues = [_date(row[2]) for row in found]
    facts = _facts(patron, dues, unpaid, manual)
    mine = [row for row in found if row[1] == library.pk]
    loans = [
        PanelLoan(
            pk=row[0],
            due_date=_date(row[2]),
            renewals=row[3],
            checked_out_at=_aware(row[4]),
            barcode=row[5],
            title=row[7],
            call_number=row[8] or "",
        )
        for row in mine
    ]
    summary = _summary(
        library,
        patron,
        today=today,
        loans=loans,
        circulation_types=[row[6] for row in mine],
        facts=facts,
        holds=holds,
        holds_ready=holds,
    )
    due_today = summary["due_today"]
    summary["due_today_text"] = due_today.isoformat() if due_today else ""
    return summary


def bib_title(bib_id: int) -> str:
    """A title by its id (scan path: the desk's message for a copy taken back)."""
    sql = f"SELECT title FROM {_q(Bib._meta.db_table)} WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [bib_id])
        row = cursor.fetchone()
    return row[0] if row else ""


def open_loan_counts(patron_ids: list[int]) -> dict[int, int]:
    """How many copies each of these readers has on loan now (one grouped query)."""
    rows = (
        Loan.objects.filter(patron_id__in=patron_ids, status=Loan.Status.ON_LOAN)
        .values("patron_id")
        .annotate(n=models.Count("id"))
    )
    return {row["patron_id"]: row["n"] for row in rows}


def desk_scan_outcome(library: Library, scan_id: Any) -> dict[str, Any] | None:
    """What the desk's scan with this id came to (None if the server never applied nor
    refused it): asked only for a scan the desk sends again."""
    return (
        DeskScan.objects.filter(library=library, scan_id=scan_id)
        .values_list("outcome", flat=True)
        .first()
    )
