"""The reports' queries: raw counts for a library, a period and a group, turned into
figures by `reports.metrics`. Every page, export, API answer and the public page reads
`summary()` and the few tables beside it, so a figure is counted once, in one place.

Counting rules (each also written beside its formula in `metrics`):
- students (学生) are readers of category student who are active or suspended today:
  graduates and leavers are not students any more, but their loans in the period stay in
  the loan counts, which read the loan's own snapshot of the reader (category, grade and
  class at the time), so statistics survive promotion;
- a class's or grade's students are the readers now in that class or grade (this school
  year's classes); its loans are those made by students of that class or grade;
- copies held on a day: entered (入藏日期, else the day the copy was created) by then and
  not withdrawn or lost before it (the day of withdrawal or loss is the day the copy's
  status last changed); books (图书) are copies of circulation type 普通外借 or 参考工具书;
  loanable copies are every type but 参考工具书.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Substr

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Fee, Loan, Payment
from shuxiang.core import clock
from shuxiang.core.models import Library, OpeningSlot, Term
from shuxiang.patrons.grades import system as grade_system
from shuxiang.patrons.models import Patron, SchoolClass
from shuxiang.reports import metrics
from shuxiang.reports.facts import LoanFacts, loan_facts
from shuxiang.reports.models import ReportSettings
from shuxiang.serials.models import Subscription

CURRENT = (Patron.Status.ACTIVE, Patron.Status.BLOCKED)
GONE = (Item.Status.WITHDRAWN, Item.Status.LOST)
BOOK_TYPES = (Item.CirculationType.NORMAL, Item.CirculationType.REFERENCE)


@dataclass(frozen=True)
class Group:
    """The whole school, one grade, or one class (this school year's)."""

    grade: int | None = None
    school_class: SchoolClass | None = None

    @property
    def kind(self) -> str:
        return "class" if self.school_class else ("grade" if self.grade else "school")


def settings_of(library: Library) -> ReportSettings:
    found = ReportSettings.objects.filter(library=library).first()
    return found or ReportSettings(library=library)


def terms_of(library: Library) -> list[tuple[str, dt.date, dt.date]]:
    return list(Term.objects.filter(library=library).values_list("name", "start", "end"))


def bounds(library: Library, period: metrics.Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes in the library's time zone: [start 00:00, end+1 00:00)."""
    return clock.day_bounds(library.time_zone, period.start, period.end)


def grade_label(library: Library, grade: int) -> str:
    return grade_system(library.grade_system).grade_label(grade)


def grade_by_name(library: Library, name: str) -> int | None:
    from shuxiang.patrons.grades import parse_grade

    return parse_grade(grade_system(library.grade_system), name)


def class_by_name(library: Library, name: str) -> SchoolClass | None:
    return SchoolClass.objects.filter(
        library=library, school_year=library.current_school_year, name=name.strip()
    ).first()


def classes_of(library: Library, grade: int | None = None) -> list[SchoolClass]:
    qs = SchoolClass.objects.filter(library=library, school_year=library.current_school_year)
    if grade:
        qs = qs.filter(grade=grade)
    return list(qs.order_by("grade", "number"))


def _students(library: Library, group: Group, category: str = Patron.Category.STUDENT):
    qs = Patron.objects.filter(library=library, category=category, status__in=CURRENT)
    if category != Patron.Category.STUDENT:
        return qs
    if group.school_class is not None:
        qs = qs.filter(school_class=group.school_class)
    elif group.grade:
        qs = qs.filter(
            school_class__grade=group.grade,
            school_class__school_year=library.current_school_year,
        )
    return qs


def _loans(library: Library, start: dt.datetime, end: dt.datetime, group: Group):
    qs = Loan.objects.filter(library=library, checked_out_at__gte=start, checked_out_at__lt=end)
    if group.school_class is not None:
        qs = qs.filter(class_at_loan=group.school_class)
    elif group.grade:
        qs = qs.filter(patron_category=Patron.Category.STUDENT, patron_grade=group.grade)
    return qs


def _held_q(day_start: dt.datetime, day_end: dt.datetime) -> Q:
    """Copies entered before `day_end` and not gone before `day_start`."""
    arrived = Q(acquired_on__lt=day_end.date()) | Q(
        acquired_on__isnull=True, created_at__lt=day_end
    )
    stayed = ~Q(status__in=GONE) | Q(updated_at__gte=day_start)
    return arrived & stayed


def _held(library: Library, day_start: dt.datetime, day_end: dt.datetime):
    """Copies entered before `day_end` and not gone before `day_start`."""
    return Item.objects.filter(library=library).filter(_held_q(day_start, day_end))


def facts_of(
    library: Library, period: metrics.Period, today: dt.date | None = None, *, slim: bool = False
) -> LoanFacts:
    """The period's loans, read once (reports.facts); `slim` for a headline summary."""
    from shuxiang.core import clock

    start, end = bounds(library, period)
    cutoff = min(period.end, today or clock.today())
    return loan_facts(library, start, end, cutoff=cutoff, slim=slim)


def _current_students(library: Library) -> dict[int, int | None]:
    """{patron id: class id (this school year's, else None)} of the students in school."""
    year = library.current_school_year
    return {
        pk: (class_id if class_year == year else None)
        for pk, class_id, class_year in Patron.objects.filter(
            library=library, category=Patron.Category.STUDENT, status__in=CURRENT
        ).values_list("id", "school_class_id", "school_class__school_year")
    }


def _copies(library: Library, period: metrics.Period) -> dict[str, int]:
    """The period's copy counts in one pass over the copies: loanable copies held in it
    (`items`), books held at its end (`books`), books entered in the calendar year of its
    end up to its end (`new_books`)."""
    start, end = bounds(library, period)
    zone = zoneinfo.ZoneInfo(library.time_zone)
    year_start = dt.datetime.combine(dt.date(period.end.year, 1, 1), dt.time(), tzinfo=zone)
    book = Q(circulation_type__in=BOOK_TYPES)
    entered = Q(acquired_on__gte=year_start.date(), acquired_on__lte=period.end) | Q(
        acquired_on__isnull=True, created_at__gte=year_start, created_at__lt=end
    )
    return Item.objects.filter(library=library).aggregate(
        items=Count(
            "id", filter=_held_q(start, end) & ~Q(circulation_type=Item.CirculationType.REFERENCE)
        ),
        books=Count("id", filter=_held_q(end, end) & book),
        new_books=Count("id", filter=book & entered),
    )


def summary(
    library: Library,
    period: metrics.Period,
    group: Group = Group(),
    facts: LoanFacts | None = None,
) -> dict[str, Any]:
    """Every headline figure of a period for a group: the counts and the rates."""
    settings = settings_of(library)
    start, end = bounds(library, period)
    facts = facts if facts is not None else facts_of(library, period, slim=True)
    students = list(_students(library, group).values_list("id", "status", "valid_until"))
    student_ids = {pk for pk, _status, _valid in students}
    n_students = len(student_ids)
    teacher_ids = set(
        _students(library, group, Patron.Category.TEACHER).values_list("id", flat=True)
    )
    n_teachers = len(teacher_ids)
    n_valid = sum(
        1
        for _pk, status, valid_until in students
        if status == Patron.Status.ACTIVE and (valid_until is None or valid_until >= period.end)
    )
    rows = facts.of_group(group.grade, group.school_class.pk if group.school_class else None)
    categories = facts.by_category if rows is facts.rows else Counter(r[3] for r in rows)
    loans = len(rows)
    items_lent = facts.items_lent if rows is facts.rows else len({r[1] for r in rows})
    active_students = sum(1 for pk in facts.patrons if pk in student_ids)
    active_teachers = sum(1 for pk in facts.patrons if pk in teacher_ids)
    copies = _copies(library, period)
    items, books, new_books = copies["items"], copies["books"], copies["new_books"]
    if settings.borrowing_rate_basis == ReportSettings.Basis.READERS and group.kind == "school":
        borrowing = metrics.borrowing_rate(
            active_students + active_teachers, n_students + n_teachers
        )
    else:
        borrowing = metrics.borrowing_rate(active_students, n_students)
    student_loans = categories.get(Patron.Category.STUDENT, 0)
    teacher_loans = categories.get(Patron.Category.TEACHER, 0)
    return {
        "period": period,
        "group": group,
        "students": n_students,
        "teachers": n_teachers,
        "active_readers": active_students,
        "loans": loans,
        "student_loans": student_loans,
        "teacher_loans": teacher_loans,
        "items_lent": items_lent,
        "items": items,
        "books": books,
        "new_books": new_books,
        "valid_cards": n_valid,
        "borrowing_rate": borrowing,
        "loans_per_student": metrics.loans_per_student(student_loans, n_students),
        "loans_per_teacher": metrics.loans_per_teacher(teacher_loans, n_teachers),
        "circulation_rate": metrics.circulation_rate(items_lent, items),
        "turnover": metrics.turnover(loans, items),
        "card_coverage": metrics.card_coverage(n_valid, n_students),
        "books_per_student": metrics.books_per_student(books, n_students),
        "new_books_per_student": metrics.new_books_per_student(new_books, n_students),
    }


def overdue(
    library: Library, period: metrics.Period, today: dt.date, facts: LoanFacts | None = None
) -> metrics.Rate:
    """Loans of the period returned after their due date (by the local date of the
    return), or still out past it on the period's last day (or today, if sooner)."""
    facts = facts if facts is not None else facts_of(library, period, today)
    return metrics.overdue_rate(facts.late, facts.loans)


def class_league(
    library: Library,
    period: metrics.Period,
    grade: int | None = None,
    facts: LoanFacts | None = None,
) -> list[dict]:
    """Each class (of a grade, or all) with its students, readers who borrowed, loans,
    borrowing rate and loans per student, best loans per student first. A class with no
    students shows its loans and no rates."""
    facts = facts if facts is not None else facts_of(library, period)
    classes = classes_of(library, grade)
    current = _current_students(library)
    students = Counter(current.values())
    active = Counter(current[pk] for pk in facts.patrons if pk in current)
    loans = facts.student_loans_by_class
    rows = []
    for c in classes:
        n = students.get(c.pk, 0)
        rows.append(
            {
                "class": c,
                "name": c.name,
                "grade": c.grade,
                "students": n,
                "active_readers": active.get(c.pk, 0),
                "loans": loans.get(c.pk, 0),
                "borrowing_rate": metrics.borrowing_rate(active.get(c.pk, 0), n),
                "loans_per_student": metrics.loans_per_student(loans.get(c.pk, 0), n),
            }
        )
    rows.sort(key=lambda r: (-(r["loans_per_student"].value or -1), r["grade"], r["class"].number))
    return rows


def grade_rows(
    library: Library, period: metrics.Period, facts: LoanFacts | None = None
) -> list[dict]:
    """Each grade's totals, from the class league."""
    grades: dict[int, dict] = {}
    for row in class_league(library, period, facts=facts):
        g = grades.setdefault(
            row["grade"],
            {
                "grade": row["grade"],
                "name": grade_label(library, row["grade"]),
                "students": 0,
                "active_readers": 0,
                "loans": 0,
            },
        )
        for key in ("students", "active_readers", "loans"):
            g[key] += row[key]
    out = []
    for g in sorted(grades.values(), key=lambda g: g["grade"]):
        g["borrowing_rate"] = metrics.borrowing_rate(g["active_readers"], g["students"])
        g["loans_per_student"] = metrics.loans_per_student(g["loans"], g["students"])
        out.append(g)
    return out


def _rows(query: Any) -> list[tuple]:
    """A values_list query's rows, read on a plain cursor: for the hundred thousand rows
    of a large school the queryset's iterator costs twice as much."""
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def copies_by_item(library: Library) -> dict[int, tuple[int, str]]:
    """{item id: (bib id, CLC top class)} of every copy of the library.

    The copies and the titles are read apart and put together here, each class
    number's top class worked out once: SQLite joins them by walking the titles in class
    order and reading each title's copies at random, which cost more than both reads."""
    from shuxiang.catalog.models import Bib

    items = _rows(Item.objects.filter(library=library).values_list("id", "bib_id").order_by())
    titles = _rows(Bib.objects.filter(library=library).values_list("id", "clc").order_by())
    known = {bib_id for bib_id, _clc in titles}
    strays = {bib_id for _pk, bib_id in items if bib_id not in known}
    if strays:  # a copy of another library's title: read those titles too
        titles += _rows(Bib.objects.filter(pk__in=strays).values_list("id", "clc").order_by())
    tops: dict[str, str] = {}
    top_of: dict[int, str] = {}
    for bib_id, clc in titles:
        top = tops.get(clc)
        if top is None:
            top = tops[clc] = metrics.clc_top(clc)
        top_of[bib_id] = top
    return {pk: (bib_id, top_of[bib_id]) for pk, bib_id in items}


def clc_balance(
    library: Library,
    period: metrics.Period,
    facts: LoanFacts | None = None,
    item_bibs: dict | None = None,
) -> list[dict]:
    """Holdings at the period's end and loans in it by CLC top class, side by side, with
    each one's share (collection balance, 藏书结构)."""
    start, end = bounds(library, period)
    facts = facts if facts is not None else facts_of(library, period)
    item_bibs = item_bibs if item_bibs is not None else copies_by_item(library)
    held = (
        _held(library, end, end)
        .filter(circulation_type__in=BOOK_TYPES)
        .annotate(top=Substr("bib__clc", 1, 1))
        .values_list("top")
        .annotate(n=Count("id"))
        .order_by()
    )
    holdings: dict[str, int] = {}
    for top, n in held:
        key = metrics.clc_top(top)
        holdings[key] = holdings.get(key, 0) + n
    loans = facts.by_title_and_class(item_bibs)[1]
    total_h, total_l = sum(holdings.values()), sum(loans.values())
    keys = sorted(set(holdings) | set(loans), key=lambda k: (k == "", k))
    return [
        {
            "clc": key or "—",
            "holdings": holdings.get(key, 0),
            "holdings_share": metrics.share(holdings.get(key, 0), total_h),
            "loans": loans.get(key, 0),
            "loans_share": metrics.share(loans.get(key, 0), total_l),
        }
        for key in keys
    ]


def lost_and_damaged(library: Library, period: metrics.Period) -> dict[str, int]:
    """Copies lost (遗失) and withdrawn (注销) in the period (their status changed then),
    and the lost and damaged bills raised in it."""
    start, end = bounds(library, period)
    changed = Item.objects.filter(library=library, updated_at__gte=start, updated_at__lt=end)
    fees = Fee.objects.filter(library=library, created_at__gte=start, created_at__lt=end)
    return {
        "lost": changed.filter(status=Item.Status.LOST).count(),
        "withdrawn": changed.filter(status=Item.Status.WITHDRAWN).count(),
        "lost_bills": fees.filter(kind=Fee.Kind.LOST).count(),
        "damaged_bills": fees.filter(kind=Fee.Kind.DAMAGED).count(),
    }


def fees(library: Library, period: metrics.Period) -> dict[str, int]:
    """Fen: billed (fees raised in the period), paid, waived and refunded (payments in it)."""
    start, end = bounds(library, period)
    billed = Fee.objects.filter(library=library, created_at__gte=start, created_at__lt=end)
    paid = Payment.objects.filter(library=library, at__gte=start, at__lt=end)
    by_kind = dict(paid.values_list("kind").annotate(s=Sum("amount")).order_by())
    return {
        "billed": billed.aggregate(s=Sum("amount"))["s"] or 0,
        "paid": by_kind.get(Payment.Kind.PAYMENT, 0) or 0,
        "waived": by_kind.get(Payment.Kind.WAIVER, 0) or 0,
        "refunded": by_kind.get(Payment.Kind.REFUND, 0) or 0,
    }


def top_books(
    library: Library,
    period: metrics.Period,
    limit: int = 10,
    facts: LoanFacts | None = None,
    item_bibs: dict | None = None,
) -> list[dict]:
    """The titles lent most (all copies of a title together)."""
    from shuxiang.catalog.models import Bib

    facts = facts if facts is not None else facts_of(library, period)
    item_bibs = item_bibs if item_bibs is not None else copies_by_item(library)
    by_bib = facts.by_title_and_class(item_bibs)[0]
    candidates = [(b, n) for b, n in by_bib.most_common(limit * 3 + 1) if b is not None]
    candidates = candidates[: limit * 3]
    titles = dict(Bib.objects.filter(pk__in=[b for b, _n in candidates]).values_list("id", "title"))
    ranked = sorted(candidates, key=lambda kv: (-kv[1], titles.get(kv[0], "")))
    return [{"title": titles[b], "loans": n} for b, n in ranked if b in titles][:limit]


def top_readers(
    library: Library, period: metrics.Period, limit: int = 10, facts: LoanFacts | None = None
) -> list[dict]:
    """Staff only: the readers who borrowed most (name, class now, loans)."""
    facts = facts if facts is not None else facts_of(library, period)
    candidates = [pk for pk, _n in facts.patrons.most_common(limit * 3)]
    people = {
        pk: (name, class_name)
        for pk, name, class_name in Patron.objects.filter(
            pk__in=candidates, anonymous=False
        ).values_list("id", "name", "school_class__name")
    }
    ranked = sorted(
        (pk for pk in candidates if pk in people),
        key=lambda pk: (-facts.patrons[pk], people[pk][0]),
    )[:limit]
    return [
        {"name": people[pk][0], "class_name": people[pk][1] or "", "loans": facts.patrons[pk]}
        for pk in ranked
    ]


def busiest(
    library: Library, period: metrics.Period, facts: LoanFacts | None = None
) -> dict[str, list[tuple[int, int]]]:
    """Loans by hour of the day (0–23) and by weekday (1 Monday … 7 Sunday), local time."""
    facts = facts if facts is not None else facts_of(library, period)
    return {"hours": sorted(facts.hours.items()), "days": sorted(facts.weekdays.items())}


def periodicals(library: Library, year: int) -> dict[str, int]:
    """Titles subscribed (种数) in a year: periodicals, newspapers, both."""
    subs = Subscription.objects.filter(library=library, year=year, active=True)
    by_kind = dict(subs.values_list("kind").annotate(n=Count("id")).order_by())
    p = by_kind.get(Subscription.Kind.PERIODICAL, 0)
    n = by_kind.get(Subscription.Kind.NEWSPAPER, 0)
    return {"periodicals": p, "newspapers": n, "total": p + n}


def opening_hours_per_week(library: Library) -> float:
    total = 0.0
    for opens, closes in OpeningSlot.objects.filter(library=library).values_list("opens", "closes"):
        minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
        total += max(0, minutes) / 60
    return round(total, 2)


def level_of(library: Library) -> str:
    chosen = settings_of(library).school_level
    if chosen:
        return chosen
    grades = set(
        SchoolClass.objects.filter(library=library, school_year=library.current_school_year)
        .values_list("grade", flat=True)
        .distinct()
    )
    return metrics.school_level(grades)


def new_arrivals(library: Library, today: dt.date, days: int = 60, limit: int = 20) -> list[dict]:
    """Titles with a copy entered in the last `days` days, newest first (新书通报)."""
    from shuxiang.catalog.models import Bib

    since = today - dt.timedelta(days=days)
    rows = (
        Item.objects.filter(library=library, acquired_on__gte=since, acquired_on__lte=today)
        .exclude(status__in=GONE)
        .exclude(circulation_type=Item.CirculationType.PERIODICAL)
        .values("bib_id")
        .annotate(last=Max("acquired_on"), n=Count("id"))
        .order_by("-last", "bib_id")[:limit]
    )
    rows = list(rows)
    bibs = {b.pk: b for b in Bib.objects.filter(pk__in=[r["bib_id"] for r in rows])}
    return [
        {
            "title": bibs[r["bib_id"]].title,
            "responsibility": bibs[r["bib_id"]].responsibility,
            "acquired_on": r["last"],
            "copies": r["n"],
        }
        for r in rows
        if r["bib_id"] in bibs
    ]


def holdings_table(library: Library, day_end: dt.datetime) -> list[dict]:
    """Copies held at `day_end` by CLC top class and circulation type, with their value
    (fen), one row per class (分类帐's 22 classes; no class number: "—")."""
    rows = (
        _held(library, day_end, day_end)
        .annotate(top=Substr("bib__clc", 1, 1))
        .values_list("top", "circulation_type")
        .annotate(n=Count("id"), value=Sum("price"))
        .order_by()
    )
    table: dict[str, dict] = {}
    for top, kind, n, value in rows:
        key = metrics.clc_top(top) or "—"
        row = table.setdefault(key, {"clc": key, "total": 0, "value": 0, "types": Counter()})
        row["types"][kind] += n
        row["total"] += n
        row["value"] += value or 0
    return [table[k] for k in sorted(table, key=lambda k: (k == "—", k))]


def accessions_by_year(library: Library) -> list[tuple[int, int, int]]:
    """(year, copies entered, their value in fen) by the year of 入藏日期 (总括登记)."""
    from django.db.models.functions import ExtractYear

    return list(
        Item.objects.filter(library=library, acquired_on__isnull=False)
        .annotate(year=ExtractYear("acquired_on"))
        .values_list("year")
        .annotate(n=Count("id"), value=Sum("price"))
        .order_by("year")
    )


def gone_by_year(library: Library) -> list[tuple[int, str, int, int]]:
    """(year, status, copies, value in fen): copies withdrawn (注销) or lost (遗失), by the
    year their status changed (报损帐)."""
    from django.db.models.functions import ExtractYear

    return [
        (year, status, n, value or 0)
        for year, status, n, value in Item.objects.filter(library=library, status__in=GONE)
        .annotate(year=ExtractYear("updated_at"))
        .values_list("year", "status")
        .annotate(n=Count("id"), value=Sum("price"))
        .order_by("year", "status")
    ]
