"""The school year: promotion (升级), graduation and leaving, and the clearance list
(毕业离校清还) of readers who still hold books or owe fees."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.core.models import Library
from shuxiang.core.money import yuan_text
from shuxiang.core.services import library_school_year_set
from shuxiang.patrons import grades
from shuxiang.patrons.models import Patron, PromotionRun, SchoolClass
from shuxiang.patrons.obligations import reader_obligations
from shuxiang.patrons.selectors import patron_get
from shuxiang.patrons.services.readers import _set_status

PENDING_REASON = "毕业离校清还：尚有未还图书或欠费"


def _depart(actor: Actor, patrons: list[Patron], kind: str, *, reason: str = "") -> tuple[int, int]:
    """Graduate (or let leave) these readers: clear ones at once, the others onto the
    clearance list, blocked from new loans. Returns (departed, pending)."""
    owed = reader_obligations(actor.library, [p.pk for p in patrons])
    departed = pending = 0
    for patron in patrons:
        if not owed[patron.pk].settled:
            before = {"status": patron.status, "departure": patron.departure}
            patron.departure = kind
            patron.status = Patron.Status.BLOCKED
            patron.block_reason = PENDING_REASON
            patron.save(update_fields=["departure", "status", "block_reason", "updated_at"])
            audit.record(
                actor,
                "patron.departure_pending",
                patron,
                before=before,
                after={
                    "status": patron.status,
                    "departure": kind,
                    "open_loans": owed[patron.pk].open_loans,
                    "fees": owed[patron.pk].unpaid_fen,
                },
                reason=reason,
            )
            pending += 1
        else:
            _set_status(actor, patron, kind, reason=reason)
            departed += 1
    return departed, pending


@transaction.atomic
def patron_depart(
    *, actor: Actor, patron_id: int, kind: str = Patron.Status.LEFT, reason: str = ""
) -> Patron:
    """A reader leaves mid-year (转学、离职) or graduates: at once when they hold nothing,
    else onto the clearance list until cleared or waived."""
    if kind not in (Patron.Status.LEFT, Patron.Status.GRADUATED):
        raise Invalid(_("未知的离校类型。"), code="invalid_departure")
    patron = Patron.objects.select_for_update().get(pk=patron_get(actor.library.pk, patron_id).pk)
    if patron.status in (Patron.Status.LEFT, Patron.Status.GRADUATED):
        raise Conflict(_("%(name)s 已离校。") % {"name": patron.name}, code="already_departed")
    _depart(actor, [patron], kind, reason=reason)
    return patron


@transaction.atomic
def graduation_clearance(*, actor: Actor) -> int:
    """Close the clearance of every pending reader who has now returned everything and
    owes nothing (毕业离校清还); returns how many were cleared."""
    pending = list(
        Patron.objects.select_for_update()
        .filter(library=actor.library, anonymous=False)
        .exclude(departure="")
    )
    owed = reader_obligations(actor.library, [p.pk for p in pending])
    cleared = 0
    for patron in pending:
        if owed[patron.pk].settled:
            _set_status(
                actor, patron, patron.departure, reason=_("已还清"), action="patron.clearance"
            )
            cleared += 1
    return cleared


@transaction.atomic
def clearance_waive(*, actor: Actor, patron_id: int, reason: str) -> Patron:
    """A librarian lets a pending reader go although books or fees are outstanding
    (e.g. the family paid elsewhere); the waiver and its reason are audited."""
    if not reason.strip():
        raise Invalid(_("豁免需要填写原因。"), code="reason_required")
    patron = Patron.objects.select_for_update().get(pk=patron_get(actor.library.pk, patron_id).pk)
    if not patron.departure:
        raise Conflict(
            _("%(name)s 不在离校清还名单上。") % {"name": patron.name}, code="not_pending"
        )
    owed = reader_obligations(actor.library, [patron.pk])[patron.pk]
    _set_status(
        actor,
        patron,
        patron.departure,
        reason=_("豁免：%(reason)s（未还 %(loans)s 册，欠费 %(yuan)s 元）")
        % {"reason": reason.strip(), "loans": owed.open_loans, "yuan": yuan_text(owed.unpaid_fen)},
        action="patron.clearance_waive",
    )
    return patron


@dataclass
class PromotionLine:
    move: grades.ClassMove
    class_id: int
    students: int
    pending: int  # graduates who still hold books or owe fees


@dataclass
class PromotionPreview:
    from_year: int
    to_year: int
    lines: list[PromotionLine]
    already_done: bool

    @property
    def moving(self) -> int:
        return sum(line.students for line in self.lines if not line.move.graduates)

    @property
    def graduating(self) -> int:
        return sum(line.students for line in self.lines if line.move.graduates)

    @property
    def pending(self) -> int:
        return sum(line.pending for line in self.lines)


def _class_students(school_class_ids: list[int]) -> dict[int, list[Patron]]:
    result: dict[int, list[Patron]] = {}
    for patron in Patron.objects.filter(
        school_class_id__in=school_class_ids,
        category=Patron.Category.STUDENT,
        status__in=[Patron.Status.ACTIVE, Patron.Status.BLOCKED],
        departure="",
        anonymous=False,
    ):
        result.setdefault(patron.school_class_id, []).append(patron)
    return result


def promotion_preview(library: Library) -> PromotionPreview:
    """What classes_promote would do now, without doing it."""
    year = library.current_school_year
    system = grades.system(library.grade_system)
    classes = list(SchoolClass.objects.filter(library=library, school_year=year))
    by_key = {(c.grade, c.number): c for c in classes}
    plan = grades.promotion_plan(system, [(c.grade, c.number, c.name) for c in classes])
    students = _class_students([c.pk for c in classes])
    graduating_ids = [
        p.pk
        for move in plan
        if move.graduates
        for p in students.get(by_key[(move.grade, move.number)].pk, [])
    ]
    owed = reader_obligations(library, graduating_ids)
    lines = []
    for move in plan:
        school_class = by_key[(move.grade, move.number)]
        members = students.get(school_class.pk, [])
        pending = sum(1 for p in members if move.graduates and not owed[p.pk].settled)
        lines.append(
            PromotionLine(
                move=move, class_id=school_class.pk, students=len(members), pending=pending
            )
        )
    done = PromotionRun.objects.filter(library=library, from_year=year).exists()
    return PromotionPreview(from_year=year, to_year=year + 1, lines=lines, already_done=done)


@transaction.atomic
def classes_promote(*, actor: Actor, from_year: int | None = None) -> PromotionRun:
    """升级: next school year's classes one grade up, the students moved into them, the
    last grade graduated (or put on the clearance list), the library's current school year
    advanced. Last year's classes and the loans' class snapshots stay as they were, so
    last year's statistics do not change. A second promotion of a year is refused."""
    library = Library.objects.select_for_update().get(pk=actor.library.pk)
    year = library.current_school_year
    if from_year is not None and from_year != year:
        raise Conflict(
            _("当前学年是 %(year)s，不能从 %(from)s 学年升级。")
            % {"year": year, "from": from_year},
            code="wrong_school_year",
        )
    if PromotionRun.objects.filter(library=library, from_year=year).exists():
        raise Conflict(
            _("%(year)s 学年已经升级过了，不能再次升级。") % {"year": year}, code="already_promoted"
        )
    run = PromotionRun(
        library=library, from_year=year, to_year=year + 1, at=clock.now(), by_name=actor.name[:150]
    )
    graduates = _move_up(library, year, run)
    departed, pending = _depart(
        actor, graduates, Patron.Status.GRADUATED, reason=_("%(year)s 学年毕业") % {"year": year}
    )
    run.students_graduated, run.students_pending = departed, pending
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(year)s 学年已经升级过了，不能再次升级。") % {"year": year}, code="already_promoted"
        ) from exc
    library_school_year_set(actor=actor, year=year + 1)
    audit.record(
        actor,
        "classes.promote",
        run,
        before={"school_year": year},
        after={
            "school_year": year + 1,
            "classes_created": run.classes_created,
            "students_moved": run.students_moved,
            "students_graduated": departed,
            "students_pending": pending,
        },
    )
    return run


def _move_up(library: Library, year: int, run: PromotionRun) -> list[Patron]:
    """Open next year's classes one grade up and move each class's students into them
    (counting both on the run); returns the students of the last grade, who graduate."""
    system = grades.system(library.grade_system)
    classes = list(
        SchoolClass.objects.filter(library=library, school_year=year).prefetch_related("assistants")
    )
    by_key = {(c.grade, c.number): c for c in classes}
    students = _class_students([c.pk for c in classes])
    graduates: list[Patron] = []
    for move in grades.promotion_plan(system, [(c.grade, c.number, c.name) for c in classes]):
        old = by_key[(move.grade, move.number)]
        members = students.get(old.pk, [])
        if move.graduates:
            graduates.extend(members)
            continue
        new, created = SchoolClass.objects.get_or_create(
            library=library,
            school_year=year + 1,
            grade=move.to_grade,
            number=move.number,
            defaults={"name": move.to_name, "homeroom_teacher_id": old.homeroom_teacher_id},
        )
        if created:
            run.classes_created += 1
            # The class's assistants move up with it (they are its students).
            new.assistants.set([a for a in old.assistants.all() if a.school_class_id == old.pk])
        Patron.objects.filter(pk__in=[p.pk for p in members]).update(
            school_class=new, updated_at=clock.now()
        )
        run.students_moved += len(members)
    return graduates
