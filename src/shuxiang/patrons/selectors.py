"""Reader reads that several screens share; every lookup is scoped to one library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shuxiang.core import clock
from shuxiang.core.errors import Conflict, NotFound
from shuxiang.core.models import Library
from shuxiang.core.money import yuan_text
from shuxiang.patrons import grades, obligations
from shuxiang.patrons.models import Patron, ReaderSettings, RetiredCard, SchoolClass


def class_by_name(library_id: int, name: str, school_year: int) -> SchoolClass | None:
    return SchoolClass.objects.filter(
        library_id=library_id, school_year=school_year, name=name.strip()
    ).first()


def class_by_any_name(
    library: Library, name: str, school_year: int | None = None
) -> SchoolClass | None:
    """A class by its canonical name or any usual spelling (初一(3)班, 七(3)班 ...)."""
    year = school_year or library.current_school_year
    found = class_by_name(library.pk, name, year)
    if found is None:
        canonical = grades.canonical_class_name(grades.system(library.grade_system), name)
        if canonical:
            found = class_by_name(library.pk, canonical, year)
    return found


def patron_by_card(library_id: int, card: str) -> Patron:
    card = (card or "").strip()
    patron = (
        Patron.objects.select_related("school_class")
        .filter(library_id=library_id, card_number=card)
        .first()
    )
    if patron is None:
        retired = RetiredCard.objects.filter(library_id=library_id, card_number=card).first()
        if retired is not None:
            raise Conflict(
                _("借书证 %(card)s 已挂失停用（新证号 %(new)s）。")
                % {"card": card, "new": retired.replaced_by or "-"},
                code="card_lost",
            )
        raise NotFound(
            _("没有借书证号为 %(card)s 的读者。") % {"card": card}, code="patron_not_found"
        )
    return patron


def patron_get(library_id: int, patron_id: int) -> Patron:
    patron = (
        Patron.objects.select_related("school_class")
        .filter(library_id=library_id, pk=patron_id, anonymous=False)
        .first()
    )
    if patron is None:
        raise NotFound(_("找不到这位读者。"), code="patron_not_found")
    return patron


def class_get(library_id: int, class_id: int) -> SchoolClass:
    school_class = (
        SchoolClass.objects.select_related("homeroom_teacher")
        .filter(library_id=library_id, pk=class_id)
        .first()
    )
    if school_class is None:
        raise NotFound(_("找不到这个班级。"), code="class_not_found")
    return school_class


def reader_settings(library: Library) -> ReaderSettings:
    """The library's reader settings (defaults until a librarian changes them)."""
    found = ReaderSettings.objects.filter(library=library).first()
    return found or ReaderSettings(library=library)


def patrons_search(
    library_id: int,
    query: str,
    *,
    class_id: int | None = None,
    class_ids: set[int] | None = None,
    limit: int = 100,
) -> QuerySet[Patron]:
    """Readers by name, pinyin (full or initials), card number, student number or class
    name. Several words narrow the result (张 七年级3班)."""
    qs = Patron.objects.select_related("school_class").filter(
        library_id=library_id, anonymous=False
    )
    if class_id:
        qs = qs.filter(school_class_id=class_id)
    if class_ids is not None:  # a student assistant: their own classes only
        qs = qs.filter(school_class_id__in=class_ids)
    library = Library.objects.filter(pk=library_id).first()
    for word in grades.normalize(query).split():
        lowered = word.lower()
        condition = (
            Q(name__icontains=word)
            | Q(card_number__iexact=word)
            | Q(student_number=word)
            | Q(school_class__name=word)
            | Q(retired_cards__card_number__iexact=word)
        )
        if lowered.isascii() and lowered.isalpha():
            condition |= Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        if library is not None:
            canonical = grades.canonical_class_name(grades.system(library.grade_system), word)
            if canonical:
                condition |= Q(
                    school_class__name=canonical,
                    school_class__school_year=library.current_school_year,
                )
        qs = qs.filter(condition)
    return qs.distinct().order_by("school_class__grade", "school_class__number", "name_pinyin")[
        :limit
    ]


def classes_of_year(library: Library, school_year: int | None = None) -> QuerySet[SchoolClass]:
    year = school_year or library.current_school_year
    return (
        SchoolClass.objects.filter(library=library, school_year=year)
        .select_related("homeroom_teacher")
        .annotate(
            students=Count(
                "patrons", filter=Q(patrons__category="student", patrons__anonymous=False)
            )
        )
        .order_by("grade", "number")
    )


@dataclass
class StudentLine:
    patron: Patron
    open_loans: int
    overdue: int


def class_roster(school_class: SchoolClass) -> list[StudentLine]:
    """The readers of a class with their open and overdue loan counts (two queries: the
    readers, then their loans grouped, from the loans' owner through the port)."""
    patrons = list(
        Patron.objects.filter(school_class=school_class, anonymous=False).order_by(
            "category", "name_pinyin"
        )
    )
    counts = obligations.loan_counts(
        school_class.library_id, [p.pk for p in patrons], clock.today()
    )
    return [StudentLine(p, counts[p.pk].open_loans, counts[p.pk].overdue) for p in patrons]


def clearance_list(library: Library) -> list[dict]:
    """Graduating and leaving readers still holding books or owing fees (毕业离校清还),
    grouped by class: [{"class": SchoolClass|None, "patrons": [{patron, loans, fees,
    fees_yuan}]}]. What they owe is the loans' owner's answer (patrons.obligations)."""
    pending = list(
        Patron.objects.filter(library=library, anonymous=False)
        .exclude(departure="")
        .select_related("school_class")
        .order_by("school_class__grade", "school_class__number", "name_pinyin")
    )
    ids = [p.pk for p in pending]
    loans: dict[int, list] = {}
    for loan in obligations.open_loans(library, patron_ids=ids):
        loans.setdefault(loan.patron_id, []).append(loan)
    owed = obligations.reader_obligations(library, ids)
    groups: dict[int | None, dict] = {}
    for patron in pending:
        group = groups.setdefault(
            patron.school_class_id, {"class": patron.school_class, "patrons": []}
        )
        fees = owed[patron.pk].unpaid_fen
        group["patrons"].append(
            {
                "patron": patron,
                "loans": loans.get(patron.pk, []),
                "fees": fees,
                "fees_yuan": yuan_text(fees),
            }
        )
    return list(groups.values())


def patron_history(patron: Patron) -> Sequence[Any]:
    """A reader's loans, newest first (callers decide who may see it and audit the view)."""
    return obligations.history(patron)


def patron_export_data(patron: Patron) -> dict:
    """Everything the library keeps about a reader, for the reader (个人信息查阅/复制)."""
    return {
        "library": patron.library.name,
        "card": patron.card_number,
        "name": patron.name,
        "gender": patron.gender,
        "category": patron.category,
        "class_name": patron.school_class.name if patron.school_class_id else None,
        "student_number": patron.student_number,
        "campus_card": patron.campus_card,
        "valid_until": patron.valid_until.isoformat() if patron.valid_until else None,
        "status": patron.status,
        "keep_history": patron.keep_history,
        "created_at": patron.created_at.isoformat(),
        "retired_cards": [
            {"card": c.card_number, "retired_at": c.retired_at.isoformat(), "reason": c.reason}
            for c in patron.retired_cards.all()
        ],
        "loans": [
            {
                "title": loan.item.bib.title,
                "barcode": loan.item.barcode,
                "checked_out_at": loan.checked_out_at.isoformat(),
                "due_date": loan.due_date.isoformat(),
                "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
                "status": loan.status,
            }
            for loan in patron_history(patron)
        ],
    }
