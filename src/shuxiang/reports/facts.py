"""The period's loans read once: one pass over the loans table brings back, for each loan
of the period, only small values (reader, copy, class and grade at the time, category,
the local hour and weekday it went out, whether it was late), and every loan figure of
the report — counts, distinct readers and copies, classes, hours, overdue, tops — is
counted from that list in Python. At a large school's size (a school year: 340,000 of a
million loans) one pass costs what a single GROUP BY would, where a query per figure
cost a pass each (bench/reports_bench.py).

The local hour, weekday and return date are computed by the database's own date
functions (small `Func`s with a SQLite and a PostgreSQL form), not per row in Python.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, F, Func, IntegerField, Q, Value, When
from django.db.models.fields import DateField

from shuxiang.circulation.models import Loan
from shuxiang.core.models import Library

# A span this long or longer is read with a scan of the table rather than through the
# (library, checked_out_at) index: past a few weeks of a busy school the index's random
# reads of the rows cost more than reading the table in order (SQLite; PostgreSQL's
# planner decides for itself).
SCAN_FROM_DAYS = 45


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


class Scanned(Func):
    """The column as it is, but on SQLite written `+col`, which keeps the planner off the
    column's index (a long span is cheaper read in table order)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"+{sql}", params


@dataclass
class LoanFacts:
    """The loans of one period, as tuples (patron_id, item_id, class_id, category, grade,
    hour, weekday, late)."""

    rows: list[tuple] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.loans = len(self.rows)
        self.by_category = Counter(r[3] for r in self.rows)
        self.late = sum(r[7] for r in self.rows)
        self.hours = Counter(r[5] for r in self.rows)
        self.weekdays = Counter(r[6] for r in self.rows)
        self.items = Counter(r[1] for r in self.rows)
        self.patrons = Counter(r[0] for r in self.rows if r[0] is not None)
        self.student_loans_by_class = Counter(r[2] for r in self.rows if r[3] == "student")

    def of_group(self, grade: int | None, class_id: int | None) -> list[tuple]:
        if class_id is not None:
            return [r for r in self.rows if r[2] == class_id]
        if grade:
            return [r for r in self.rows if r[3] == "student" and r[4] == grade]
        return self.rows


def loan_facts(
    library: Library, start: dt.datetime, end: dt.datetime, *, cutoff: dt.date, slim: bool = False
) -> LoanFacts:
    """The loans that went out in [start, end). `late`: returned after the due date (by
    the local date of the return), or still out with a due date before `cutoff`.
    `slim`: without hour, weekday and lateness (0), for a headline summary only.

    The query is the ORM's, run on a plain cursor: turning 340,000 rows into values
    through the queryset's iterator cost as much again as the query."""
    zone = zoneinfo.ZoneInfo(library.time_zone)
    minutes = _offset_minutes(zone, start.date())
    out = (
        Scanned(F("checked_out_at"))
        if (end - start).days >= SCAN_FROM_DAYS
        else F("checked_out_at")
    )
    if slim:
        hour = weekday = late = Value(0, output_field=IntegerField())
    else:
        hour = LocalHour(F("checked_out_at"), zone, minutes)
        weekday = LocalWeekday(F("checked_out_at"), zone, minutes)
        late = Case(
            When(Q(returned_at__isnull=False) & Q(back__gt=F("due_date")), then=Value(1)),
            When(returned_at__isnull=True, due_date__lt=cutoff, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    query = (
        Loan.objects.filter(library=library)
        .annotate(
            out=out,
            back=LocalDate(F("returned_at"), zone, minutes),
        )
        .filter(out__gte=start, out__lt=end)
        .annotate(hour=hour, weekday=weekday, late=late)
        .values_list(
            "patron_id",
            "item_id",
            "class_at_loan_id",
            "patron_category",
            "patron_grade",
            "hour",
            "weekday",
            "late",
        )
        .order_by()
    )
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return LoanFacts(cursor.fetchall())
