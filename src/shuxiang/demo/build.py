"""Build the demo school: calendar, classes, readers, a collection and a term of loans.

Everything is drawn from one `random.Random(seed)`, in a fixed order, so the same seed
and the same "today" give the same school. The plan is made in memory first (plain
Python), then written with `bulk_create` in batches: a full-size school (600 students,
20,000 copies, a term of loans) takes seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from shuxiang.catalog import search_port
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.circulation import rules
from shuxiang.circulation.models import Loan
from shuxiang.circulation.selectors import library_rules, rules_cache_clear
from shuxiang.core import audit, clock, pinyin
from shuxiang.core.models import (
    AuditEvent,
    CalendarDay,
    Library,
    Location,
    OpeningSlot,
    Term,
    Vacation,
)
from shuxiang.core.services import library_setup, user_create
from shuxiang.demo import names, titles
from shuxiang.patrons.models import Patron, SchoolClass

LIBRARY_NAME = "书香实验中学图书馆"
SCHOOL_NAME = "书香实验中学"
SCHOOL_YEAR = 2026
GRADES = (7, 8, 9)
GRADE_NAMES = {7: "七年级", 8: "八年级", 9: "九年级"}
CLASSES_PER_GRADE = 4
BATCH = 2000

TERMS = (
    ("2026—2027学年第一学期", dt.date(2026, 9, 1), dt.date(2027, 1, 22)),
    ("2026—2027学年第二学期", dt.date(2027, 2, 22), dt.date(2027, 7, 9)),
)
VACATIONS = (
    ("寒假", dt.date(2027, 1, 23), dt.date(2027, 2, 21)),
    ("暑假", dt.date(2027, 7, 10), dt.date(2027, 8, 31)),
)


def _span(start: dt.date, days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range(days)]


CLOSED_DAYS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2026, 9, 25), "中秋节"),
    *((day, "国庆节") for day in _span(dt.date(2026, 10, 1), 7)),
    (dt.date(2027, 1, 1), "元旦"),
    (dt.date(2027, 4, 5), "清明节"),
    *((day, "劳动节") for day in _span(dt.date(2027, 5, 1), 5)),
    (dt.date(2027, 6, 9), "端午节"),
)
MAKE_UP_DAYS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2026, 10, 10), "国庆节调休，按星期五上课"),
    (dt.date(2027, 5, 8), "劳动节调休，按星期五上课"),
)
# (weekday, opens, closes, audience): students at lunchtime, teachers all day.
OPENING_SLOTS = [
    (day, dt.time(12, 30), dt.time(13, 30), OpeningSlot.Audience.STUDENTS) for day in range(5)
] + [(day, dt.time(8, 0), dt.time(17, 0), OpeningSlot.Audience.TEACHERS) for day in range(5)]
EXTRA_LOCATIONS = (
    ("new", "新书展架", Location.Kind.OTHER),
    ("corner", "七年级1班图书角", Location.Kind.CLASS_CORNER),
)

# username, password, role, who it is (for the printed table)
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin123", "admin"),
    ("librarian", "librarian123", "librarian"),
    ("assistant", "assistant123", "assistant"),
    ("teacher", "teacher123", "teacher"),
    ("student", "student123", "student"),
    ("leader", "leader123", "leader"),
)

# How readers choose: students favour stories, history and popular science; teachers
# their teaching shelves. Weight by the first letter of the class number; G63 (teaching)
# separately.
STUDENT_TASTE = {
    "I": 5.0,
    "K": 2.0,
    "N": 2.0,
    "O": 1.2,
    "P": 2.0,
    "Q": 2.0,
    "J": 1.5,
    "T": 1.5,
    "V": 1.5,
    "H": 1.0,
}
TEACHER_TASTE = {"G": 3.0, "I": 2.0, "K": 2.0, "B": 1.5, "H": 1.5}


@dataclass
class DemoResult:
    library: Library
    counts: dict[str, int]
    logins: list[tuple[str, str, str, str]]  # username, password, role, who
    seconds: float
    today: dt.date
    notes: list[str] = field(default_factory=list)


@dataclass
class _BibPlan:
    shelf: titles.Shelf
    title: str
    authors: list[dict[str, str]]
    responsibility: str
    publisher: str
    year: int
    isbn: str
    price: int
    pages: str
    copies: int
    acquired_on: dt.date
    source: str


def database_is_empty() -> bool:
    """No readers and no copies anywhere in the database (a fresh install)."""
    return not Patron.objects.exists() and not Item.objects.exists()


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _price_fen(rng: random.Random, shelf: titles.Shelf, year: int) -> int:
    low, high = shelf.price_range
    # Prices rose over the years: a 1995 paperback cost about half of today's.
    factor = 0.55 + 0.45 * (year - 1990) / 36
    yuan = max(5, round(rng.randint(low, high) * factor))
    return yuan * 100 + rng.choice((0, 0, 0, 50, 80, 90))


class _IsbnMaker:
    """Unique ISBNs per publisher: 978-7, the publisher's code, a title number, a check digit."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, set[int]] = defaultdict(set)

    def make(self, publisher: str) -> str:
        code = titles.PUBLISHERS[publisher][0]
        width = 8 - len(code)
        used = self.used[code]
        number = self.rng.randrange(10**width)
        while number in used:
            number = (number + 1) % 10**width
        used.add(number)
        return titles.isbn13(f"9787{code}{number:0{width}d}")


def _plan_collection(rng: random.Random, n_items: int, *, today: dt.date) -> list[_BibPlan]:
    shelves, cumulative = titles.shelf_table()
    isbns = _IsbnMaker(rng)
    editions: Counter[str] = Counter()
    seen_titles: set[str] = set()
    years, year_weights = titles.PUBLISHED_YEARS, _cumulative(titles.YEAR_WEIGHTS)
    last_acquisition = min(today - dt.timedelta(days=7), dt.date(SCHOOL_YEAR, 9, 30))
    plans: list[_BibPlan] = []
    total = 0
    while total < n_items:
        shelf = rng.choices(shelves, cum_weights=cumulative, k=1)[0]
        year = rng.choices(years, cum_weights=year_weights, k=1)[0]
        work = None
        if shelf.works and (not shelf.templates or rng.random() < 0.15):
            work = rng.choice(shelf.works)
        translator = ""
        if work is not None:
            editions[work.title] += 1
            title = work.title
            author, country, role = work.author, work.country, work.role
            if country:
                translator = titles.chinese_author(rng)
            copies = rng.randint(2, 5) if shelf.reference else rng.randint(3, 8)
        else:
            title = titles.fill(rng, shelf)
            for _attempt in range(6):
                if title not in seen_titles:
                    break
                title = titles.fill(rng, shelf)
            seen_titles.add(title)
            role = "主编" if shelf.teaching or rng.random() < 0.1 else shelf.author_role
            if shelf.country:
                author, country = titles.foreign_name(rng, shelf.country), shelf.country
                translator = titles.chinese_author(rng)
            else:
                author, country = titles.chinese_author(rng), ""
            copies = rng.choices((1, 2, 3, 4), weights=(52, 30, 12, 6), k=1)[0]
        copies = min(copies, n_items - total)
        authors = [{"name": author, "role": role}]
        responsibility = f"{f'[{country}]' if country else ''}{author} {role}"
        if translator:
            authors.append({"name": translator, "role": "译"})
            responsibility += f"；{translator} 译"
        publisher = rng.choice(shelf.publishers)
        if work is not None and work.publisher and rng.random() < 0.7:
            publisher = work.publisher
        low_pages, high_pages = shelf.pages_range
        acquired = _random_day(
            rng, dt.date(max(year, 2005), 3, 1), min(dt.date(year + 1, 12, 31), last_acquisition)
        )
        plans.append(
            _BibPlan(
                shelf=shelf,
                title=title,
                authors=authors,
                responsibility=responsibility,
                publisher=publisher,
                year=year,
                isbn=isbns.make(publisher),
                price=_price_fen(rng, shelf, year),
                pages=f"{rng.randint(low_pages, high_pages)}页",
                copies=copies,
                acquired_on=min(acquired, last_acquisition),
                source=rng.choices(
                    (Item.Source.PURCHASE, Item.Source.DONATION, Item.Source.TRANSFER),
                    weights=(90, 8, 2),
                    k=1,
                )[0],
            )
        )
        total += copies
    # Catalogued in the order they arrived: ids, 种次号, barcodes and accession numbers
    # all follow the acquisition dates, as they would in a real library.
    plans.sort(key=lambda p: p.acquired_on)
    return plans


def _bulk(model: Any, rows: list[Any], tick: Callable[[int], None] | None = None) -> list[Any]:
    out = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        out.extend(model.objects.bulk_create(chunk, batch_size=BATCH))
        if tick is not None:
            tick(len(chunk))
    return out


def _calendar_setup(library: Library) -> None:
    if not OpeningSlot.objects.filter(library=library).exists():
        OpeningSlot.objects.bulk_create(
            OpeningSlot(library=library, weekday=w, opens=o, closes=c, audience=a)
            for w, o, c, a in OPENING_SLOTS
        )
    for name, start, end in TERMS:
        Term.objects.get_or_create(
            library=library, name=name, defaults={"start": start, "end": end}
        )
    for name, start, end in VACATIONS:
        Vacation.objects.get_or_create(
            library=library, name=name, start=start, defaults={"end": end}
        )
    for day, note in CLOSED_DAYS:
        CalendarDay.objects.get_or_create(
            library=library, date=day, defaults={"kind": "closed", "note": note}
        )
    for day, note in MAKE_UP_DAYS:
        CalendarDay.objects.get_or_create(
            library=library, date=day, defaults={"kind": "open", "note": note}
        )
    for code, name, kind in EXTRA_LOCATIONS:
        Location.objects.get_or_create(
            library=library, code=code, defaults={"name": name, "kind": kind}
        )


def _patron(library: Library, name: str, gender: str, **fields: Any) -> Patron:
    # bulk_create skips Patron.save(), which fills the pinyin used by the search box.
    return Patron(
        library=library,
        name=name,
        gender=gender,
        name_pinyin=pinyin.full(name, is_name=True),
        name_initials=pinyin.initials(name, is_name=True),
        **fields,
    )


def _aware(
    day: dt.date, minutes_from: int, minutes_to: int, rng: random.Random, tz: ZoneInfo
) -> dt.datetime:
    minute = rng.randint(minutes_from, minutes_to)
    return dt.datetime.combine(
        day, dt.time(minute // 60, minute % 60, rng.randint(0, 59)), tzinfo=tz
    )


@dataclass
class _Readers:
    teachers: list[Patron]
    classes: list[SchoolClass]
    students: list[Patron]
    by_class: dict[int, list[Patron]]
    assistants: list[Any]  # SchoolClass.assistants.through rows


@dataclass
class _Collection:
    bibs: list[Bib]
    items: list[Item]  # not yet written: the term's loans set the status of some
    # What students and teachers may borrow: (index into items, how much they like it).
    for_students: list[tuple[int, float]]
    for_teachers: list[tuple[int, float]]


@dataclass
class _LoanPlan:
    item: int  # index into the collection's items
    patron: Patron
    school_class: SchoolClass | None
    out: dt.datetime
    due: dt.date
    back: dt.date  # the day it comes back (may be after the last simulated day)


@transaction.atomic
def demo_build(
    *,
    library_code: str = "main",
    seed: int = 2026,
    students: int = 600,
    teachers: int = 40,
    items: int = 20000,
    progress: Callable[[int, str], None] | None = None,
) -> DemoResult:
    """Fill an empty database with the demo school. `progress(n, stage)` is called as
    rows are planned and written (n rows done since the last call).

    The parts run in a fixed order, each drawing from the one `rng`: readers, logins,
    collection, a term of loans."""
    started = time.perf_counter()
    tick = progress or (lambda _n, _stage: None)
    rng = random.Random(seed)
    today = clock.today()
    notes: list[str] = []

    library = _library_prepare(library_code)
    readers = _readers_create(library, rng, students=students, teachers=teachers, tick=tick)
    logins, users = _logins_create(library, readers, notes)
    collection = _collection_plan(library, rng, items, today=today)
    last_day = min(today - dt.timedelta(days=1), TERMS[0][2])
    loan_plans = _term_simulate(library, rng, readers, collection, last_day=last_day)
    for index in {plan.item for plan in loan_plans if plan.back > last_day}:
        collection.items[index].status = Item.Status.ON_LOAN  # still out when the term ends
    item_list = _bulk(Item, collection.items, lambda n: tick(n, "items"))
    loans = _bulk(
        Loan,
        _loans_create(
            library, rng, loan_plans, item_list, users.get("librarian"), last_day=last_day
        ),
        lambda n: tick(n, "loans"),
    )
    # bulk_create bypasses the catalog's services, so the demo tells the search index.
    search_port.bibs_changed([bib.pk for bib in collection.bibs])

    open_loans = [plan for plan in loan_plans if plan.back > last_day]
    counts = {
        "classes": len(readers.classes),
        "students": len(readers.students),
        "teachers": len(readers.teachers),
        "bibs": len(collection.bibs),
        "items": len(item_list),
        "reference_items": sum(
            1 for row in collection.items if row.circulation_type == Item.CirculationType.REFERENCE
        ),
        "loans": len(loans),
        "open_loans": len(open_loans),
        "overdue_loans": sum(1 for plan in open_loans if plan.due < today),
    }
    audit.record(
        audit.Actor(library=library, user=None, channel=AuditEvent.Channel.CLI),
        "demo.generate",
        library,
        after={"seed": seed, "today": today.isoformat(), **counts},
    )
    return DemoResult(
        library=library,
        counts=counts,
        logins=logins,
        seconds=time.perf_counter() - started,
        today=today,
        notes=notes,
    )


def _library_prepare(library_code: str) -> Library:
    """The library with its default rules, the demo school's name and its calendar."""
    library = library_setup(code=library_code, name=LIBRARY_NAME, school_name=SCHOOL_NAME)
    Library.objects.filter(pk=library.pk).update(
        name=LIBRARY_NAME, school_name=SCHOOL_NAME, current_school_year=SCHOOL_YEAR
    )
    library.refresh_from_db()
    _calendar_setup(library)
    return library


# --- readers: teachers, classes, students, class assistants ------------------------------


def _readers_create(
    library: Library,
    rng: random.Random,
    *,
    students: int,
    teachers: int,
    tick: Callable[[int, str], None],
) -> _Readers:
    teacher_list = _teachers_create(library, rng, teachers)
    tick(len(teacher_list), "readers")
    class_list = _classes_create(library, teacher_list)
    student_list = _students_create(library, rng, class_list, students)
    tick(len(student_list), "readers")
    by_class: dict[int, list[Patron]] = defaultdict(list)
    for student in student_list:
        by_class[student.school_class_id].append(student)
    assistants = _assistants_choose(rng, class_list, by_class)
    return _Readers(teacher_list, class_list, student_list, by_class, assistants)


def _teachers_create(library: Library, rng: random.Random, teachers: int) -> list[Patron]:
    rows = []
    for n in range(teachers):
        name, gender = names.person(rng, "f" if rng.random() < 0.65 else "m")
        rows.append(
            _patron(
                library,
                name,
                gender,
                card_number=f"R90{n + 1:04d}",
                category=Patron.Category.TEACHER,
                campus_card=f"66{n + 1:06d}",
                valid_until=dt.date(SCHOOL_YEAR + 3, 8, 31),
            )
        )
    return _bulk(Patron, rows)


def _classes_create(library: Library, teacher_list: list[Patron]) -> list[SchoolClass]:
    """Four classes a grade, each with a homeroom teacher (班主任) if there are teachers."""
    rows = []
    for g_index, grade in enumerate(GRADES):
        for number in range(1, CLASSES_PER_GRADE + 1):
            homeroom = (
                teacher_list[(g_index * CLASSES_PER_GRADE + number - 1) % len(teacher_list)]
                if teacher_list
                else None
            )
            rows.append(
                SchoolClass(
                    library=library,
                    school_year=SCHOOL_YEAR,
                    grade=grade,
                    number=number,
                    name=f"{GRADE_NAMES[grade]}{number}班",
                    homeroom_teacher=homeroom,
                )
            )
    return _bulk(SchoolClass, rows)


def _students_create(
    library: Library, rng: random.Random, class_list: list[SchoolClass], students: int
) -> list[Patron]:
    """The students shared out evenly over the classes, numbered by year of entry."""
    rows = []
    per_class = [
        students // len(class_list) + (1 if i < students % len(class_list) else 0)
        for i in range(len(class_list))
    ]
    serial: Counter[int] = Counter()
    for school_class, size in zip(class_list, per_class, strict=True):
        entry_year = SCHOOL_YEAR - (school_class.grade - GRADES[0])
        for seat in range(1, size + 1):
            name, gender = names.person(rng)
            serial[entry_year] += 1
            rows.append(
                _patron(
                    library,
                    name,
                    gender,
                    card_number=f"R{entry_year % 100:02d}{serial[entry_year]:04d}",
                    category=Patron.Category.STUDENT,
                    school_class=school_class,
                    student_number=f"{entry_year}{school_class.number:02d}{seat:03d}",
                    campus_card=f"88{entry_year % 100:02d}{serial[entry_year]:04d}",
                    valid_until=dt.date(entry_year + 3, 7, 31),
                )
            )
    return _bulk(Patron, rows)


def _assistants_choose(
    rng: random.Random, class_list: list[SchoolClass], by_class: dict[int, list[Patron]]
) -> list[Any]:
    """Two to four class library assistants (班级图书管理员) in each class."""
    through = SchoolClass.assistants.through
    rows = []
    for school_class in class_list:
        members = by_class[school_class.pk]
        for student in rng.sample(members, min(len(members), rng.randint(2, 4))):
            rows.append(through(schoolclass_id=school_class.pk, patron_id=student.pk))
    through.objects.bulk_create(rows)
    return rows


# --- logins ------------------------------------------------------------------------------


def _logins_create(
    library: Library, readers: _Readers, notes: list[str]
) -> tuple[list[tuple[str, str, str, str]], dict[str, Any]]:
    """The demo logins; the assistant, teacher and student ones are readers of the first
    class. Returns the rows to print (username, password, role, who) and the users by
    role. A login that exists already is left as it is (and noted)."""
    first_class = readers.classes[0]
    assistants_first = sorted(
        row.patron_id for row in readers.assistants if row.schoolclass_id == first_class.pk
    )
    members = readers.by_class[first_class.pk]
    links: dict[str, Patron | None] = {
        "assistant": next((s for s in members if s.pk in assistants_first), None),
        "teacher": first_class.homeroom_teacher,
        "student": next((s for s in members if s.pk not in assistants_first), None),
    }
    User = get_user_model()
    logins: list[tuple[str, str, str, str]] = []
    users: dict[str, Any] = {}
    for username, password, role in DEMO_LOGINS:
        patron = links.get(role)
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            users[role] = existing
            notes.append(f"login {username} already exists; left unchanged")
            continue
        user = user_create(
            library=library,
            username=username,
            role=role,
            password=password,
            full_name=patron.name if patron else "",
        )
        users[role] = user
        who = ""
        if patron is not None:
            Patron.objects.filter(pk=patron.pk).update(user=user)
            duty = {"assistant": "图书管理员", "teacher": "班主任"}.get(role, "")
            who = f"{patron.name}（{patron.card_number}，{first_class.name}{duty}）"
        logins.append((username, password, role, who))
    return logins, users


# --- the collection ----------------------------------------------------------------------


def _collection_plan(
    library: Library, rng: random.Random, items: int, *, today: dt.date
) -> _Collection:
    """Titles and call numbers written; the copies planned (written after the loans)."""
    plans = _plan_collection(rng, items, today=today)
    bib_list = _bibs_create(library, rng, plans)
    call_list = _call_numbers_create(library, plans, bib_list)
    return _items_plan(library, rng, plans, bib_list, call_list)


def _bibs_create(library: Library, rng: random.Random, plans: list[_BibPlan]) -> list[Bib]:
    return _bulk(
        Bib,
        [
            Bib(
                library=library,
                title=p.title,
                responsibility=p.responsibility,
                authors=p.authors,
                publisher=p.publisher,
                place=titles.PUBLISHERS[p.publisher][1],
                year=p.year,
                pages=p.pages,
                size=rng.choice(("21cm", "23cm", "24cm")) if not p.shelf.reference else "26cm",
                isbn=p.isbn,
                isbns=[p.isbn],
                price=p.price,
                clc=p.shelf.clc,
                language="chi",
            )
            for p in plans
        ],
    )


def _call_numbers_create(
    library: Library, plans: list[_BibPlan], bib_list: list[Bib]
) -> list[CallNumber]:
    """Class number / running number within the class (种次号), one per title."""
    sequence: Counter[str] = Counter()
    rows = []
    for plan, bib in zip(plans, bib_list, strict=True):
        sequence[plan.shelf.clc] += 1
        rows.append(
            CallNumber(
                library=library, bib=bib, value=f"{plan.shelf.clc}/{sequence[plan.shelf.clc]}"
            )
        )
    return _bulk(CallNumber, rows)


def _items_plan(
    library: Library,
    rng: random.Random,
    plans: list[_BibPlan],
    bib_list: list[Bib],
    call_list: list[CallNumber],
) -> _Collection:
    """The copies of each title: where they stand, a few in repair, missing or
    withdrawn, and which of them students and teachers would borrow, how gladly."""
    locations = {loc.code: loc for loc in Location.objects.filter(library=library)}
    rows: list[Item] = []
    for_students: list[tuple[int, float]] = []
    for_teachers: list[tuple[int, float]] = []
    new_shelf_from = dt.date(SCHOOL_YEAR, 6, 1)
    for plan, bib, call in zip(plans, bib_list, call_list, strict=True):
        shelf = plan.shelf
        for copy in range(plan.copies):
            index = len(rows)
            circulation = (
                Item.CirculationType.REFERENCE if shelf.reference else Item.CirculationType.NORMAL
            )
            if shelf.reference:
                location = locations["reading"]
            elif shelf.teaching:
                location = locations["teachers"]
            elif plan.acquired_on >= new_shelf_from and copy == 0:
                location = locations["new"]
            elif shelf.clc.startswith("I28") and rng.random() < 0.05:
                location = locations["corner"]
            else:
                location = locations["stacks"] if rng.random() < 0.9 else locations["reading"]
            status = Item.Status.AVAILABLE
            roll = rng.random()
            if roll < 0.002:
                status = Item.Status.IN_REPAIR
            elif roll < 0.003:
                status = Item.Status.MISSING
            elif roll < 0.005 and plan.year < 2005:
                status = Item.Status.WITHDRAWN
            paid = plan.price if plan.source != Item.Source.PURCHASE else round(plan.price * 0.78)
            rows.append(
                Item(
                    library=library,
                    bib=bib,
                    barcode=f"{index + 1:08d}",
                    accession_number=f"{plan.acquired_on.year}{index + 1:06d}",
                    call_number=call,
                    location=location,
                    circulation_type=circulation,
                    status=status,
                    price=paid,
                    acquired_on=plan.acquired_on,
                    source=plan.source,
                )
            )
            if circulation == Item.CirculationType.NORMAL and status == Item.Status.AVAILABLE:
                letter = shelf.clc[0]
                student_weight = 0.1 if shelf.teaching else STUDENT_TASTE.get(letter, 0.6)
                for_students.append((index, student_weight))
                for_teachers.append((index, TEACHER_TASTE.get(letter, 0.5)))
    return _Collection(bib_list, rows, for_students, for_teachers)


# --- a term of loans, simulated day by day (in memory) -----------------------------------


class _Term:
    """The autumn term up to `last_day`: each open day some readers borrow a book they
    like that is on the shelf (within their loan limit); each loan comes back on a day
    drawn from how students and teachers really keep books (most on time, a few late)."""

    def __init__(
        self,
        library: Library,
        rng: random.Random,
        readers: _Readers,
        collection: _Collection,
        last_day: dt.date,
    ) -> None:
        rules_cache_clear()
        self.library = library
        self.rng = rng
        self.rules = library_rules(library)
        self.tz = ZoneInfo(library.time_zone)
        self.last_day = last_day
        self.plans: list[_LoanPlan] = []
        self.open_by_patron: Counter[int] = Counter()
        self.item_out: set[int] = set()
        self.returns_on: dict[dt.date, list[int]] = defaultdict(list)
        self.class_of = {c.pk: c for c in readers.classes}
        matrix = self.rules.matrix
        self.limits = {
            p.pk: matrix.lookup(p.category, self._grade(p), Item.CirculationType.NORMAL).max_loans
            for p in (*readers.students, *readers.teachers)
        }

    def _grade(self, patron: Patron) -> int | None:
        school_class = self.class_of.get(patron.school_class_id)
        return school_class.grade if school_class else None

    def run(self, readers: _Readers, collection: _Collection, start: dt.date) -> list[_LoanPlan]:
        rng, calendar = self.rng, self.rules.calendar
        student_pool = [i for i, _w in collection.for_students]
        student_cum = _cumulative(w for _i, w in collection.for_students)
        teacher_pool = [i for i, _w in collection.for_teachers]
        teacher_cum = _cumulative(w for _i, w in collection.for_teachers)
        day = start
        while day <= self.last_day:
            for loan_index in self.returns_on.pop(day, ()):
                plan = self.plans[loan_index]
                self.item_out.discard(plan.item)
                self.open_by_patron[plan.patron.pk] -= 1
            if calendar.is_open(day):
                for _n in range(round(len(readers.students) * 0.09 * rng.uniform(0.7, 1.3))):
                    self.borrow(day, rng.choice(readers.students), student_pool, student_cum)
                for _n in range(round(len(readers.teachers) * 0.06 * rng.uniform(0.5, 1.5))):
                    self.borrow(day, rng.choice(readers.teachers), teacher_pool, teacher_cum)
            day += dt.timedelta(days=1)
        return self.plans

    def borrow(self, day: dt.date, patron: Patron, pool: list[int], cum: list[float]) -> None:
        rng = self.rng
        if self.open_by_patron[patron.pk] >= self.limits[patron.pk] or not pool:
            return
        for _attempt in range(8):
            index = rng.choices(pool, cum_weights=cum, k=1)[0]
            if index not in self.item_out:
                break
        else:
            return
        school_class = self.class_of.get(patron.school_class_id)
        grade = school_class.grade if school_class else None
        policy = self.rules.matrix.lookup(patron.category, grade, Item.CirculationType.NORMAL)
        due = rules.due_date(
            policy=policy,
            calendar=self.rules.calendar,
            today=day,
            vacation_loans=self.library.vacation_loans,
            leaving_date=self.rules.leaving_date(grade, day),
        )
        out_at, keep = self._habit(day, patron, due)
        back = self.rules.calendar.next_open(day + dt.timedelta(days=keep))
        self.plans.append(_LoanPlan(index, patron, school_class, out_at, due, back))
        self.item_out.add(index)
        self.open_by_patron[patron.pk] += 1
        if back <= self.last_day:
            self.returns_on[back].append(len(self.plans) - 1)

    def _habit(self, day: dt.date, patron: Patron, due: dt.date) -> tuple[dt.datetime, int]:
        """When the reader borrows (students at lunch break, teachers in the day) and
        how many days they keep the book."""
        rng = self.rng
        if patron.category == Patron.Category.STUDENT:
            out_at = _aware(day, 12 * 60 + 30, 13 * 60 + 29, rng, self.tz)
            roll = rng.random()
            if roll < 0.92:
                keep = rng.randint(2, max(2, (due - day).days))
            elif roll < 0.985:
                keep = (due - day).days + rng.randint(1, 20)
            else:
                keep = (due - day).days + rng.randint(20, 80)
        else:
            out_at = _aware(day, 8 * 60, 16 * 60 + 59, rng, self.tz)
            keep = rng.randint(5, 100)
        return out_at, keep


def _term_simulate(
    library: Library,
    rng: random.Random,
    readers: _Readers,
    collection: _Collection,
    *,
    last_day: dt.date,
) -> list[_LoanPlan]:
    term = _Term(library, rng, readers, collection, last_day)
    return term.run(readers, collection, start=TERMS[0][1])


def _loans_create(
    library: Library,
    rng: random.Random,
    plans: list[_LoanPlan],
    item_list: list[Item],
    librarian: Any,
    *,
    last_day: dt.date,
) -> list[Loan]:
    """The planned loans as rows: returned by `last_day`, or still out."""
    tz = ZoneInfo(library.time_zone)
    rows = []
    for plan in plans:
        patron, school_class = plan.patron, plan.school_class
        returned = plan.back <= last_day
        rows.append(
            Loan(
                library=library,
                item=item_list[plan.item],
                patron=patron,
                status=Loan.Status.RETURNED if returned else Loan.Status.ON_LOAN,
                checked_out_at=plan.out,
                due_date=plan.due,
                returned_at=_aware(plan.back, 12 * 60 + 30, 13 * 60 + 29, rng, tz)
                if returned
                else None,
                channel=AuditEvent.Channel.WEB,
                checkin_channel=AuditEvent.Channel.WEB if returned else "",
                checked_out_by=librarian,
                checked_in_by=librarian if returned else None,
                patron_category=patron.category,
                patron_grade=school_class.grade if school_class else None,
                class_at_loan=school_class,
                class_name_at_loan=school_class.name if school_class else "",
            )
        )
    return rows
