"""The period's loans, read once: one pass over the loans table brings back, for each
loan of the period, five small values (reader, category, class and grade at the time,
copy) and whether it was late, counted at once by reader and by copy; every loan figure
of the report — counts, distinct readers and copies, classes, overdue, tops — is read
from those two tables. The loans by hour and weekday come from a grouped query on the
(library, checked out) index alone, by UTC hour, and the local hour and weekday of each
are worked out here from the library's time zone (exact across summer time).

The local return date is computed by the database's own date functions (small `Func`s
with a SQLite and a PostgreSQL form), not per row in Python.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from operator import itemgetter

from django.db import connections
from django.db.models import Case, Count, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.fields import CharField, DateField

from shuxiang.circulation.models import Loan
from shuxiang.core.models import Library

# A span this long or longer is read with a scan of the table rather than through the
# (library, checked_out_at) index: past a few weeks of a busy school the index's random
# reads of the rows cost more than reading the table in order (SQLite; PostgreSQL's
# planner decides for itself).
SCAN_FROM_DAYS = 45
STUDENT = "student"


def _offset_minutes(zone: zoneinfo.ZoneInfo, day: dt.date) -> int:
    offset = dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset() or dt.timedelta()
    return int(offset.total_seconds() // 60)


class _Local(Func):
    """A part of an aware datetime column in the library's time zone."""

    sqlite_template = ""
    pg_template = ""

    def __init__(self, expression, zone: zoneinfo.ZoneInfo, minutes: int, **extra) -> None:  # noqa: ANN001, ANN003
        self.zone, self.minutes = zone, minutes
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return self.sqlite_template.format(col=sql, mod=f"'{self.minutes:+d} minutes'"), params

    def as_sql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return self.pg_template.format(col=sql), [*params, str(self.zone.key)]


class LocalDate(_Local):
    output_field = DateField()
    sqlite_template = "date({col}, {mod})"
    pg_template = "({col} AT TIME ZONE %s)::date"


class LocalHour(_Local):
    output_field = IntegerField()
    sqlite_template = "CAST(strftime('%%H', {col}, {mod}) AS INTEGER)"
    pg_template = "EXTRACT(HOUR FROM {col} AT TIME ZONE %s)::integer"


class LocalWeekday(_Local):
    """1 Monday … 7 Sunday."""

    output_field = IntegerField()
    sqlite_template = "((CAST(strftime('%%w', {col}, {mod}) AS INTEGER) + 6) %% 7 + 1)"
    pg_template = "EXTRACT(ISODOW FROM {col} AT TIME ZONE %s)::integer"


class UtcHour(Func):
    """The UTC hour an aware datetime falls in, as text 'YYYY-MM-DD HH'. On SQLite a
    prefix of the stored text, so that a query needing only this reads the index."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr({sql}, 1, 13)", params

    def as_sql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')", params


class Scanned(Func):
    """The column as it is, but on SQLite written `+col`, which keeps the planner off the
    column's index: a long span is cheaper read in table order, and a grouping by a
    column with an index of its own is cheaper sorted than read through that index (one
    random read of the row per loan)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"+{sql}", params


@dataclass
class LoanFacts:
    """The loans of one period, as tuples (patron_id, item_id, class_id, category, grade,
    late), and the hours (0–23) and weekdays (1 Monday … 7 Sunday), local time, they went
    out. A headline summary's rows stop before `late`, and it has no hours or weekdays."""

    rows: list[tuple] = field(default_factory=list)
    hours: Counter = field(default_factory=Counter)
    weekdays: Counter = field(default_factory=Counter)

    # Each count is made when first asked for (a headline summary asks for a few), by C
    # code (map over itemgetter), not a Python loop per loan: at a school year's 340,000
    # loans each loop cost as much as the query.

    @cached_property
    def loans(self) -> int:
        return len(self.rows)

    @cached_property
    def by_category(self) -> Counter:
        return Counter(map(_CATEGORY, self.rows))

    @cached_property
    def late(self) -> int:
        rows = self.rows
        return sum(map(_LATE, rows)) if rows and len(rows[0]) > 5 else 0

    @cached_property
    def items(self) -> Counter:
        return Counter(map(_ITEM, self.rows))

    @cached_property
    def items_lent(self) -> int:
        if "items" in self.__dict__:
            return len(self.items)
        return len(set(map(_ITEM, self.rows)))

    @cached_property
    def patrons(self) -> Counter:
        found = Counter(map(_PATRON, self.rows))
        found.pop(None, None)  # a class's collective loans
        return found

    @cached_property
    def student_loans_by_class(self) -> Counter:
        rows = self.rows
        students = compress(rows, map(STUDENT.__eq__, map(_CATEGORY, rows)))
        return Counter(map(_CLASS, students))

    def by_title_and_class(self, item_bibs: dict[int, tuple[int, str]]) -> tuple[Counter, Counter]:
        """The loans by title (bib id; None for a copy not in `item_bibs`) and by CLC top
        class ("" for none), from the loans by copy and {copy: (bib id, top class)}: one
        walk over the copies lent, kept for the collection balance and the top titles."""
        kept = getattr(self, "_by_title_and_class", None)
        if kept is not None and kept[0] is item_bibs:
            return kept[1], kept[2]
        by_bib: Counter = Counter()
        by_class: Counter = Counter()
        unknown = (None, "")
        for item_id, n in self.items.items():
            bib_id, top = item_bibs.get(item_id, unknown)
            by_bib[bib_id] += n
            by_class[top] += n
        self._by_title_and_class = (item_bibs, by_bib, by_class)
        return by_bib, by_class

    def of_group(self, grade: int | None, class_id: int | None) -> list[tuple]:
        """The loans of a class (by the class at the time, whatever the category) or of a
        grade (its students at the time); all of them for the school."""
        if class_id is not None:
            return [r for r in self.rows if r[2] == class_id]
        if grade:
            return [r for r in self.rows if r[3] == STUDENT and r[4] == grade]
        return self.rows


_PATRON, _ITEM, _CLASS, _CATEGORY, _LATE = (itemgetter(i) for i in (0, 1, 2, 3, 5))


def _period_loans(library: Library, start: dt.datetime, end: dt.datetime) -> QuerySet:
    if (end - start).days < SCAN_FROM_DAYS:
        return Loan.objects.filter(
            library=library, checked_out_at__gte=start, checked_out_at__lt=end
        )
    # A long span is read in table order: the library too is kept off every index that
    # starts with it (a school's database holds one library, so "library = ?" picks
    # every row, yet a planner without statistics for an index takes it as selective).
    return (
        Loan.objects.alias(lib=Scanned(F("library_id")), out=Scanned(F("checked_out_at")))
        .filter(lib=library.pk)
        .filter(out__gte=start, out__lt=end)
    )


def _hours(
    library: Library, start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo
) -> tuple[Counter, Counter]:
    hours: Counter = Counter()
    weekdays: Counter = Counter()
    whole_hours = all(_offset_minutes(zone, day) % 60 == 0 for day in (start.date(), end.date()))
    loans = Loan.objects.filter(library=library, checked_out_at__gte=start, checked_out_at__lt=end)
    if not whole_hours:
        # A UTC hour is not one local hour in a zone half an hour off (India, Nepal),
        # so the database works out each loan's local hour and weekday instead (with
        # the offset of the period's first day).
        minutes = _offset_minutes(zone, start.date())
        rows = (
            loans.annotate(
                hour=LocalHour(F("checked_out_at"), zone, minutes),
                weekday=LocalWeekday(F("checked_out_at"), zone, minutes),
            )
            .values_list("hour", "weekday")
            .annotate(n=Count("id"))
            .order_by()
        )
        for hour, weekday, n in rows:
            hours[hour] += n
            weekdays[weekday] += n
        return hours, weekdays
    rows = (
        loans.annotate(bucket=UtcHour(F("checked_out_at")))
        .values_list("bucket")
        .annotate(n=Count("checked_out_at"))
        .order_by()
    )
    for bucket, n in rows:
        local = dt.datetime.fromisoformat(f"{bucket}:00+00:00").astimezone(zone)
        hours[local.hour] += n
        weekdays[local.isoweekday()] += n
    return hours, weekdays


def loan_facts(
    library: Library, start: dt.datetime, end: dt.datetime, *, cutoff: dt.date, slim: bool = False
) -> LoanFacts:
    """The loans that went out in [start, end). `late`: returned after the due date (by
    the local date of the return), or still out with a due date before `cutoff`.
    `slim`: without hours, weekdays and lateness (0), for a headline summary only.

    One pass of six small columns, counted here: on SQLite each grouping done by the
    database is a pass and a sort of its own, and the two a report needs (by reader,
    by copy) cost more than this one pass (bench/reports_bench.py). The query is the
    ORM's, run on a plain cursor: turning the rows into values through the queryset's
    iterator cost as much again as the query."""
    zone = zoneinfo.ZoneInfo(library.time_zone)
    minutes = _offset_minutes(zone, start.date())
    columns = ["patron_id", "item_id", "class_at_loan_id", "patron_category", "patron_grade"]
    query = _period_loans(library, start, end)
    if not slim:
        query = query.alias(back=LocalDate(F("returned_at"), zone, minutes)).annotate(
            late=Case(
                When(Q(returned_at__isnull=False) & Q(back__gt=F("due_date")), then=Value(1)),
                When(returned_at__isnull=True, due_date__lt=cutoff, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        columns.append("late")
    query = query.values_list(*columns).order_by()
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if slim:
        return LoanFacts(rows)
    return LoanFacts(rows, *_hours(library, start, end, zone))
