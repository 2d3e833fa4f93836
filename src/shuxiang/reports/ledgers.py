"""The ledgers a school library keeps (三帐一簿): the general ledger (总帐), the classified
ledger (分类帐), the loss and write-off ledger (报损帐) and the loan register (借阅登记).

Every figure is a grouped query: the database counts and sums, Python only arranges the
few grouped rows (years × kinds, or classes) into a table, so a large school's 150,000
copies are never walked one by one.

How a copy is dated and valued, in every ledger alike:
- it entered the collection on its 入藏日期, else on the local day its record was
  created;
- it left on the day its withdrawal batch (注销批次) was approved, else (a copy lost
  and not yet written off, or withdrawn before batches were kept) on the day its status
  last changed; only withdrawn (已注销) and lost (遗失) copies have left;
- its value is its own price (实价), else its title's list price (定价), else 0;
- books (图书) are copies of circulation type 普通外借 or 参考工具书; other materials
  (其他资料) are periodicals and audio-visual copies.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr, Trim, TruncDate, Upper
from django.utils.translation import gettext_lazy as _

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Loan
from shuxiang.core.models import Library
from shuxiang.inventory.models import Withdrawal, WithdrawalLine

GONE = (Item.Status.WITHDRAWN, Item.Status.LOST)
BOOK_TYPES = (Item.CirculationType.NORMAL, Item.CirculationType.REFERENCE)
KINDS = (("books", _("图书")), ("others", _("其他资料")))

# The 22 classes of the CLC (中图法) and the five major groups (五大部类) they make.
CLC_CLASSES = (
    ("A", _("马克思主义、列宁主义、毛泽东思想、邓小平理论")),
    ("B", _("哲学、宗教")),
    ("C", _("社会科学总论")),
    ("D", _("政治、法律")),
    ("E", _("军事")),
    ("F", _("经济")),
    ("G", _("文化、科学、教育、体育")),
    ("H", _("语言、文字")),
    ("I", _("文学")),
    ("J", _("艺术")),
    ("K", _("历史、地理")),
    ("N", _("自然科学总论")),
    ("O", _("数理科学和化学")),
    ("P", _("天文学、地球科学")),
    ("Q", _("生物科学")),
    ("R", _("医药、卫生")),
    ("S", _("农业科学")),
    ("T", _("工业技术")),
    ("U", _("交通运输")),
    ("V", _("航空、航天")),
    ("X", _("环境科学、安全科学")),
    ("Z", _("综合性图书")),
)
CLC_LETTERS = tuple(code for code, _label in CLC_CLASSES)
MAJOR_GROUPS = (
    ("A", _("马列毛邓"), "A"),
    ("B", _("哲学"), "B"),
    ("C–K", _("社会科学"), "CDEFGHIJK"),
    ("N–X", _("自然科学"), "NOPQRSTUVX"),
    ("Z", _("综合"), "Z"),
)
UNCLASSIFIED = "—"

# Why a copy left: a withdrawal batch's reason, or, without an approved batch, that it
# is lost (遗失, not yet written off) or was withdrawn with no batch on record.
LOST_COPY = "lost_copy"
NO_BATCH = "no_batch"
REASONS = (
    *Withdrawal.Reason.choices,
    (LOST_COPY, _("遗失（未注销）")),
    (NO_BATCH, _("注销（无批次记录）")),
)


def _zone(library: Library) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(library.time_zone)


class Year(Func):
    """The year of a date column. Django's ExtractYear calls a Python function once per
    row on SQLite (a second over a large school's 150,000 copies); strftime is SQLite's
    own."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(strftime('%%Y', {sql}) AS INTEGER)", params

    def as_sql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"EXTRACT(YEAR FROM {sql})::integer", params


class LocalDay(Func):
    """The local day of an aware datetime column in a time zone. On SQLite by a fixed
    offset (the zone's on `day`: China keeps no summer time), SQLite's own date() rather
    than Django's per-row Python conversion; on PostgreSQL AT TIME ZONE."""

    output_field = DateField()

    def __init__(self, expression, zone: zoneinfo.ZoneInfo, day: dt.date, **extra) -> None:  # noqa: ANN001, ANN003
        offset = dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset()
        self.zone, self.minutes = zone, int((offset or dt.timedelta()).total_seconds() // 60)
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.minutes:+d} minutes')", params

    def as_sql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} AT TIME ZONE %s)::date", [*params, self.zone.key]


def _approved_line(field_name: str) -> Subquery:
    """A field of the copy's approved withdrawal line (the latest, should there be two)."""
    return Subquery(
        WithdrawalLine.objects.filter(
            item=OuterRef("pk"), withdrawal__status=Withdrawal.Status.APPROVED
        )
        .order_by("-withdrawal__decided_at", "-pk")
        .values(field_name)[:1]
    )


def _copies(library: Library) -> QuerySet:
    """The library's copies with their entry day, value, kind and CLC letter."""
    zone = _zone(library)
    return Item.objects.filter(library=library).annotate(
        entered=Coalesce(
            F("acquired_on"), TruncDate("created_at", tzinfo=zone), output_field=DateField()
        ),
        worth=Coalesce(F("price"), F("bib__price"), Value(0), output_field=IntegerField()),
        kind=Case(
            When(circulation_type__in=BOOK_TYPES, then=Value("books")),
            default=Value("others"),
            output_field=CharField(),
        ),
        letter=Upper(Substr(Trim("bib__clc"), 1, 1)),
    )


def _gone(library: Library) -> QuerySet:
    """Withdrawn and lost copies with the day they left, their batch, reason and value."""
    zone = _zone(library)
    return (
        _copies(library)
        .filter(status__in=GONE)
        .annotate(
            batch=_approved_line("withdrawal__number"),
            batch_reason=_approved_line("reason"),
            left=TruncDate(
                Coalesce(_approved_line("withdrawal__decided_at"), F("updated_at")),
                tzinfo=zone,
            ),
        )
        .annotate(
            reason=Coalesce(
                F("batch_reason"),
                Case(
                    When(status=Item.Status.LOST, then=Value(LOST_COPY)),
                    default=Value(NO_BATCH),
                    output_field=CharField(),
                ),
                output_field=CharField(),
            ),
            # At the value it was entered at, so that every year balances.
            written_off=F("worth"),
        )
    )


# -- 总帐 ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """Volumes (册) and their value (fen)."""

    volumes: int = 0
    value: int = 0

    def add(self, volumes: int, value: int) -> None:
        self.volumes += volumes
        self.value += value or 0


@dataclass
class YearRow:
    """One year of one kind in the general ledger."""

    year: int
    start: Tally = field(default_factory=Tally)
    added: Tally = field(default_factory=Tally)
    removed: Tally = field(default_factory=Tally)

    @property
    def end(self) -> Tally:
        return Tally(
            self.start.volumes + self.added.volumes - self.removed.volumes,
            self.start.value + self.added.value - self.removed.value,
        )


def general_ledger(library: Library, last_year: int) -> dict[str, list[YearRow]]:
    """总帐: for books and for other materials, each year from the first copy's entry
    to `last_year`: volumes and value at the start, added (入藏), removed (注销 and
    遗失), at the end. 年末 = 年初 + 本年增加 − 本年减少; 年初 = 上年年末."""
    added = (
        _copies(library)
        .annotate(year=Year("entered"))
        .values_list("year", "kind")
        .annotate(n=Count("id"), value=Sum("worth"))
        .order_by()
    )
    removed = (
        _gone(library)
        .annotate(year=Year("left"))
        .values_list("year", "kind")
        .annotate(n=Count("id"), value=Sum("written_off"))
        .order_by()
    )
    ins: dict[tuple[int, str], Tally] = {}
    outs: dict[tuple[int, str], Tally] = {}
    for year, kind, n, value in added:
        ins.setdefault((year, kind), Tally()).add(n, value)
    for year, kind, n, value in removed:
        outs.setdefault((year, kind), Tally()).add(n, value)
    years = [y for y, _k in (*ins, *outs) if y is not None]
    first = min([*years, last_year])
    ledger: dict[str, list[YearRow]] = {}
    for kind, _label in KINDS:
        carried = Tally()
        # Years before the first shown are carried into its opening balance.
        rows = []
        for year in range(first, last_year + 1):
            row = YearRow(year, start=Tally(carried.volumes, carried.value))
            row.added = ins.get((year, kind), Tally())
            row.removed = outs.get((year, kind), Tally())
            carried = row.end
            rows.append(row)
        # Copies dated after the last year shown are left out: the ledger stops there.
        ledger[kind] = rows
    return ledger


def year_changes(library: Library, year: int) -> dict[str, list[tuple[str, Tally]]]:
    """The year's changes (本年变动): copies added by source (采购, 捐赠, 调拨, 其他) and
    removed by reason, books and other materials together."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    sources = dict(Item.Source.choices)
    added = (
        _copies(library)
        .filter(entered__gte=first, entered__lte=last)
        .values_list("source")
        .annotate(n=Count("id"), value=Sum("worth"))
        .order_by("source")
    )
    removed = dict(
        (reason, Tally(n, value or 0))
        for reason, n, value in _gone(library)
        .filter(left__gte=first, left__lte=last)
        .values_list("reason")
        .annotate(n=Count("id"), value=Sum("written_off"))
        .order_by()
    )
    return {
        "added": [
            (str(sources.get(source, source)), Tally(n, value or 0)) for source, n, value in added
        ],
        "removed": [(str(label), removed[code]) for code, label in REASONS if code in removed],
    }


# -- 分类帐 -------------------------------------------------------------------------------


@dataclass
class ClassRow:
    """One CLC class (or major group) in the classified ledger: held at the year's end
    (volumes, titles, value), added and removed in the year (volumes, value)."""

    code: str
    label: str
    volumes: int = 0
    titles: int = 0
    value: int = 0
    added: Tally = field(default_factory=Tally)
    removed: Tally = field(default_factory=Tally)

    def take(self, other: ClassRow) -> None:
        self.volumes += other.volumes
        self.titles += other.titles
        self.value += other.value
        self.added.add(other.added.volumes, other.added.value)
        self.removed.add(other.removed.volumes, other.removed.value)


def _letter(value: str | None) -> str:
    return value if value in CLC_LETTERS else UNCLASSIFIED


def classified_ledger(library: Library, year: int) -> dict[str, list[ClassRow] | ClassRow]:
    """分类帐 of the books: held on 31 December of `year` (volumes, titles, value), and
    added and removed in the year, by the 22 CLC classes (copies without a valid class
    number on a row of their own) and by the five major groups. A title counts once
    in its class (a title has one class number)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    books = _copies(library).filter(circulation_type__in=BOOK_TYPES)
    left_by_then = Q(
        pk__in=_gone(library).filter(left__lte=last).values("pk"),
    )
    rows = {code: ClassRow(code, str(label)) for code, label in CLC_CLASSES}
    rows[UNCLASSIFIED] = ClassRow(UNCLASSIFIED, str(_("未分类")))
    for letter, n, titles, value in (
        books.filter(entered__lte=last)
        .exclude(left_by_then)
        .values_list("letter")
        .annotate(n=Count("id"), titles=Count("bib_id", distinct=True), value=Sum("worth"))
        .order_by()
    ):
        row = rows[_letter(letter)]
        row.volumes += n
        row.titles += titles
        row.value += value or 0
    for letter, n, value in (
        books.filter(entered__gte=first, entered__lte=last)
        .values_list("letter")
        .annotate(n=Count("id"), value=Sum("worth"))
        .order_by()
    ):
        rows[_letter(letter)].added.add(n, value)
    for letter, n, value in (
        _gone(library)
        .filter(circulation_type__in=BOOK_TYPES, left__gte=first, left__lte=last)
        .values_list("letter")
        .annotate(n=Count("id"), value=Sum("written_off"))
        .order_by()
    ):
        rows[_letter(letter)].removed.add(n, value)
    groups = []
    for code, label, letters in MAJOR_GROUPS:
        group = ClassRow(code, str(label))
        for letter in letters:
            group.take(rows[letter])
        groups.append(group)
    total = ClassRow("", str(_("合计")))
    for row in rows.values():
        total.take(row)
    classes = [rows[c] for c in CLC_LETTERS]
    if any((rows[UNCLASSIFIED].volumes, rows[UNCLASSIFIED].added.volumes)) or (
        rows[UNCLASSIFIED].removed.volumes
    ):
        classes.append(rows[UNCLASSIFIED])
    return {"classes": classes, "groups": groups, "total": total}


# -- 报损帐 -------------------------------------------------------------------------------


def loss_rows(library: Library, start: dt.date, end: dt.date) -> QuerySet:
    """报损帐's lines: every copy withdrawn or lost between `start` and `end` (local days,
    both included), with accession number, barcode, title, value written off, reason,
    day and batch, in the order they left."""
    return (
        _gone(library)
        .filter(left__gte=start, left__lte=end)
        .order_by("left", F("batch").asc(nulls_last=True), "accession_number", "barcode")
        .values(
            "accession_number",
            "barcode",
            "bib__title",
            "bib__clc",
            "written_off",
            "reason",
            "left",
            "batch",
            "status",
        )
    )


def loss_totals(library: Library, start: dt.date, end: dt.date) -> dict:
    """报损帐's totals: volumes and value by reason (in the order of REASONS) and in all."""
    found = {
        reason: Tally(n, value or 0)
        for reason, n, value in _gone(library)
        .filter(left__gte=start, left__lte=end)
        .values_list("reason")
        .annotate(n=Count("id"), value=Sum("written_off"))
        .order_by()
    }
    total = Tally()
    for tally in found.values():
        total.add(tally.volumes, tally.value)
    return {
        "by_reason": [(code, str(label), found[code]) for code, label in REASONS if code in found],
        "total": total,
    }


def reason_labels() -> dict[str, str]:
    return {code: str(label) for code, label in REASONS}


# -- 借阅登记 -----------------------------------------------------------------------------


def _bounds(library: Library, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = _zone(library)
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


def loan_rows(library: Library, start: dt.date, end: dt.date) -> QuerySet:
    """借阅登记's lines: the loans that went out from `start` to `end` (local days), in
    the order they went out, with the local day, the reader (name, category and class
    at the time, or the class of a class loan), the title, barcode, due date and the
    return."""
    first, after = _bounds(library, start, end)
    return (
        Loan.objects.filter(library=library, checked_out_at__gte=first, checked_out_at__lt=after)
        .annotate(
            day=LocalDay("checked_out_at", _zone(library), start),
            bib_title=F("item__bib__title"),
        )
        .order_by("checked_out_at", "pk")
        .values(
            "day",
            "checked_out_at",
            "patron__name",
            "patron__anonymous",
            "patron_category",
            "class_name_at_loan",
            "school_class__name",
            "bib_title",
            "item__barcode",
            "due_date",
            "returned_at",
            "status",
        )
    )


def loans_by_day(library: Library, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """How many loans went out on each local day of the span (days without loans left
    out)."""
    first, after = _bounds(library, start, end)
    return list(
        Loan.objects.filter(library=library, checked_out_at__gte=first, checked_out_at__lt=after)
        .annotate(day=LocalDay("checked_out_at", _zone(library), start))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
