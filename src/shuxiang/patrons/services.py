"""Reader write operations: one function per use case, one transaction each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.circulation.selectors import open_loan_counts
from shuxiang.circulation.services import loans_detach_reader
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Library
from shuxiang.core.services import library_school_year_set
from shuxiang.patrons import grades, roster
from shuxiang.patrons.models import Patron, PromotionRun, ReaderSettings, RetiredCard, SchoolClass
from shuxiang.patrons.selectors import (
    class_by_name,
    open_fee_totals,
    patron_get,
    reader_settings,
)

ANONYMOUS_CARD = "ANONYMOUS"
ANONYMOUS_NAME = "已匿名读者"


# -- card numbers -----------------------------------------------------------------------


def card_shape(pattern: str) -> tuple[str, int] | None:
    """(prefix, digits) for generating numbers that fit a card pattern such as
    ^R\\d{4,10}$ → ("R", 6); None when the pattern is not prefix + digits."""
    if not pattern:
        return ("R", 6)
    match = re.fullmatch(r"\^?([A-Za-z0-9-]*)\\d(?:\{(\d+)(?:,(\d*))?\}|\+)?\$?", pattern)
    if not match:
        return None
    low = int(match[2]) if match[2] else 1
    high = int(match[3]) if match[3] else (low if match[2] and match[3] is None else 12)
    if match[2] and match[3] == "":
        high = 12
    width = min(max(low, 6), high)
    return match[1], width


class CardNumbers:
    """Hands out the next free card numbers of a library, in pattern order: the prefix
    and the highest number in use (current or retired) plus one."""

    def __init__(self, library: Library) -> None:
        self.shape = card_shape(library.card_pattern)
        self.pattern = library.card_pattern
        self.next = 1
        if self.shape is None:
            return
        prefix, _width = self.shape
        numbers = list(
            Patron.objects.filter(library=library, card_number__startswith=prefix).values_list(
                "card_number", flat=True
            )
        )
        numbers += list(
            RetiredCard.objects.filter(library=library, card_number__startswith=prefix).values_list(
                "card_number", flat=True
            )
        )
        for number in numbers:
            tail = number[len(prefix) :]
            if tail.isdigit():
                self.next = max(self.next, int(tail) + 1)

    def take(self) -> str | None:
        if self.shape is None:
            return None
        prefix, width = self.shape
        card = f"{prefix}{self.next:0{width}d}"
        if self.pattern and not re.fullmatch(self.pattern, card):
            return None
        self.next += 1
        return card


def _check_card_free(library: Library, card: str) -> None:
    if library.card_pattern and not re.fullmatch(library.card_pattern, card):
        raise Invalid(
            _("借书证号 %(card)s 不符合本馆的格式 %(pattern)s。")
            % {"card": card, "pattern": library.card_pattern},
            code="invalid_card",
        )
    if Patron.objects.filter(library=library, card_number=card).exists():
        raise Conflict(_("借书证号 %(card)s 已被使用。") % {"card": card}, code="duplicate_card")
    if RetiredCard.objects.filter(library=library, card_number=card).exists():
        raise Conflict(
            _("借书证号 %(card)s 已挂失停用，不能再发给读者。") % {"card": card},
            code="card_retired",
        )


@transaction.atomic
def patron_create(
    *,
    actor: Actor,
    card: str,
    name: str,
    category: str = Patron.Category.STUDENT,
    class_name: str | None = None,
    student_number: str | None = None,
    gender: str = "",
    valid_until: dt.date | None = None,
) -> Patron:
    """Register a reader. The card number must fit the library's card pattern so that one
    scan field can tell cards from barcodes; the class must exist."""
    library = actor.library
    card = (card or "").strip()
    name = (name or "").strip()
    if not card:
        raise Invalid(_("借书证号不能为空。"), code="card_required")
    if not name:
        raise Invalid(_("姓名不能为空。"), code="name_required")
    if category not in Patron.Category.values:
        raise Invalid(_("未知的读者类型：%(value)s") % {"value": category}, code="invalid_category")
    if library.card_pattern and not re.fullmatch(library.card_pattern, card):
        raise Invalid(
            _("借书证号 %(card)s 不符合本馆的格式 %(pattern)s。")
            % {"card": card, "pattern": library.card_pattern},
            code="invalid_card",
        )
    school_class = None
    if class_name:
        school_class = class_by_name(library.pk, class_name, library.current_school_year)
        if school_class is None:
            canonical = grades.canonical_class_name(grades.system(library.grade_system), class_name)
            if canonical:
                school_class = class_by_name(library.pk, canonical, library.current_school_year)
        if school_class is None:
            raise Invalid(
                _("班级 %(name)s 不存在。") % {"name": class_name}, code="class_not_found"
            )
    _check_card_free(library, card)
    student_number = (student_number or "").strip() or None
    if (
        student_number
        and Patron.objects.filter(library=library, student_number=student_number).exists()
    ):
        raise Conflict(
            _("学号 %(number)s 已存在。") % {"number": student_number},
            code="duplicate_student_number",
        )
    try:
        with transaction.atomic():
            patron = Patron.objects.create(
                library=library,
                card_number=card,
                name=name,
                category=category,
                school_class=school_class,
                student_number=student_number,
                gender=gender,
                valid_until=valid_until,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("借书证号 %(card)s 已被使用。") % {"card": card}, code="duplicate_card"
        ) from exc
    audit.record(actor, "patron.create", patron, after={"card": card, "status": patron.status})
    return patron


# -- roster import ----------------------------------------------------------------------


@dataclass
class RowOutcome:
    row: int
    action: str  # create, update, skip, reject
    name: str
    student_number: str | None = None
    card: str | None = None
    class_name: str | None = None
    reason: str = ""
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowOutcome]
    notes: list[str]
    sheet: str
    dry_run: bool
    classes_created: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "skip", "reject")}

    @property
    def ordered_rows(self) -> list[RowOutcome]:
        """Rejected rows first (they need the librarian), then creates, updates, skips."""
        order = {"reject": 0, "create": 1, "update": 2, "skip": 3}
        return sorted(self.rows, key=lambda r: (order[r.action], r.row))

    @property
    def rejected(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.action == "reject"]


UPDATABLE = ["name", "gender", "category", "school_class_id", "valid_until", "campus_card"]


def roster_import(
    *,
    actor: Actor,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    create_classes: bool = False,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a roster file (花名册). A dry run writes nothing and says what a real run
    would do; a real run writes every valid row in one transaction and none of the
    rejected ones. Raises roster.RosterError for a file that cannot be read at all."""
    library = actor.library
    system = grades.system(library.grade_system)
    table = roster.read(content, filename, system=system, sheet=sheet)
    if dry_run:
        # Reads only: no transaction, so a preview never holds the write lock that the
        # circulation desk needs (SQLite transactions start IMMEDIATE).
        plan = _roster_plan(library, table, create_classes=create_classes, progress=progress)
        return _roster_report(plan, table, dry_run=True)
    with transaction.atomic():
        plan = _roster_plan(library, table, create_classes=create_classes, progress=progress)
        report = _roster_report(plan, table, dry_run=False)
        _roster_apply(actor, plan)
        audit.record(
            actor,
            "patrons.import",
            library,
            after={
                **report.counts,
                "file": filename[:100],
                "classes_created": report.classes_created,
            },
        )
    return report


def _roster_report(plan: _Plan, table: roster.Roster, *, dry_run: bool) -> ImportReport:
    report = ImportReport(rows=plan.outcomes, notes=table.notes, sheet=table.sheet, dry_run=dry_run)
    report.classes_created = sorted(plan.new_classes, key=lambda n: plan.new_classes[n])
    return report


@dataclass
class _Plan:
    outcomes: list[RowOutcome]
    creates: list[tuple[RowOutcome, dict[str, Any]]]
    updates: list[tuple[RowOutcome, Patron, dict[str, Any]]]
    new_classes: dict[str, tuple[int, int]]


def _roster_plan(
    library: Library,
    table: roster.Roster,
    *,
    create_classes: bool,
    progress: Callable[[int], None] | None,
) -> _Plan:
    year = library.current_school_year
    existing = list(Patron.objects.filter(library=library, anonymous=False))
    by_number = {p.student_number: p for p in existing if p.student_number}
    by_card = {p.card_number.upper(): p for p in existing}
    by_campus = {p.campus_card: p for p in existing if p.campus_card}
    by_name: dict[tuple[str, int | None, str], list[Patron]] = {}
    for p in existing:
        by_name.setdefault((p.name, p.school_class_id, p.category), []).append(p)
    retired = {
        c.upper()
        for c in RetiredCard.objects.filter(library=library).values_list("card_number", flat=True)
    }
    classes = {c.name: c for c in SchoolClass.objects.filter(library=library, school_year=year)}
    cards = CardNumbers(library)
    plan = _Plan([], [], [], {})
    seen_numbers: dict[str, int] = {}
    seen_cards: dict[str, int] = {}
    seen_campus: dict[str, int] = {}

    for index, row in enumerate(table.rows):
        if progress is not None:
            progress(index)
        out = RowOutcome(
            row=row.row,
            action="reject",
            name=row.name,
            student_number=row.student_number,
            card=row.card,
            class_name=row.class_name,
        )
        plan.outcomes.append(out)
        # Duplicates within the file: the first row wins, even when it is itself
        # rejected, so that a repeat never slips in in its place.
        duplicate = ""
        if row.student_number and row.student_number in seen_numbers:
            duplicate = _("学号 %(n)s 与第 %(row)s 行重复（保留第 %(row)s 行）。") % {
                "n": row.student_number,
                "row": seen_numbers[row.student_number],
            }
        elif row.card and row.card in seen_cards:
            duplicate = _("借书证号 %(c)s 与第 %(row)s 行重复（保留第 %(row)s 行）。") % {
                "c": row.card,
                "row": seen_cards[row.card],
            }
        elif row.campus_card and row.campus_card in seen_campus:
            duplicate = _("一卡通号 %(c)s 与第 %(row)s 行重复（保留第 %(row)s 行）。") % {
                "c": row.campus_card,
                "row": seen_campus[row.campus_card],
            }
        for key, seen in (
            (row.student_number, seen_numbers),
            (row.card, seen_cards),
            (row.campus_card, seen_campus),
        ):
            if key:
                seen.setdefault(key, row.row)
        if not row.ok:
            out.reason = "；".join(
                [str(p) for p in row.problems] + ([duplicate] if duplicate else [])
            )
            continue
        if duplicate:
            out.reason = duplicate
            continue

        class_id: int | None = None
        if row.class_name:
            found = classes.get(row.class_name)
            if found is not None:
                class_id = found.pk
            elif row.class_name in plan.new_classes or create_classes:
                plan.new_classes.setdefault(row.class_name, (row.grade, row.class_number))
            else:
                out.reason = _(
                    "班级 %(c)s 不存在（本学年 %(y)s）；要自动新建班级，请勾选“新建不存在的班级”（命令行：--create-classes）。"
                ) % {"c": row.class_name, "y": year}
                continue

        # Who is this row? By student number, else card, else name + class + category.
        patron = None
        if row.student_number:
            patron = by_number.get(row.student_number)
        if patron is None and row.card:
            patron = by_card.get(row.card)
            if (
                patron is not None
                and row.student_number
                and patron.student_number
                and patron.student_number != row.student_number
            ):
                out.reason = _("借书证号 %(c)s 已属于学号为 %(n)s 的读者 %(name)s。") % {
                    "c": row.card,
                    "n": patron.student_number,
                    "name": patron.name,
                }
                continue
            # A card alone identifies a reader only when the name agrees too.
            if patron is not None and patron.name != row.name:
                out.reason = _("借书证号 %(c)s 已被读者 %(name)s 使用。") % {
                    "c": row.card,
                    "name": patron.name,
                }
                continue
        if (
            patron is None
            and not row.student_number
            and not row.card
            and row.class_name not in plan.new_classes
        ):
            matches = by_name.get((row.name, class_id, row.category), [])
            if len(matches) == 1:
                patron = matches[0]

        if row.card:
            if row.card in retired:
                out.reason = _("借书证号 %(c)s 已挂失停用。") % {"c": row.card}
                continue
            if library.card_pattern and not re.fullmatch(library.card_pattern, row.card):
                out.reason = _("借书证号 %(c)s 不符合本馆的格式 %(p)s。") % {
                    "c": row.card,
                    "p": library.card_pattern,
                }
                continue
            if patron is not None and patron.card_number.upper() != row.card:
                out.reason = _(
                    "学号 %(n)s 的读者 %(name)s 已有借书证号 %(old)s，与表中的 %(c)s 不一致；换证请用“挂失补办”。"
                ) % {
                    "n": row.student_number,
                    "name": patron.name,
                    "old": patron.card_number,
                    "c": row.card,
                }
                continue
            if patron is None and row.card in by_card:
                out.reason = _("借书证号 %(c)s 已被读者 %(name)s 使用。") % {
                    "c": row.card,
                    "name": by_card[row.card].name,
                }
                continue
        if row.campus_card:
            owner = by_campus.get(row.campus_card)
            if owner is not None and owner is not patron:
                out.reason = _("一卡通号 %(c)s 已被读者 %(name)s 使用。") % {
                    "c": row.campus_card,
                    "name": owner.name,
                }
                continue

        values: dict[str, Any] = {
            "name": row.name,
            "category": row.category,
            "student_number": row.student_number,
        }
        if row.gender:
            values["gender"] = row.gender
        if row.class_name:
            values["school_class_id"] = class_id
            values["class_name"] = row.class_name
        if row.valid_until:
            values["valid_until"] = row.valid_until
        if row.campus_card:
            values["campus_card"] = row.campus_card

        if patron is None:
            card = row.card or cards.take()
            if card is None:
                out.reason = _(
                    "表中没有借书证号，本馆的借书证号格式 %(p)s 又无法自动生成；请在表中填写借书证号。"
                ) % {"p": library.card_pattern}
                continue
            out.action, out.card = "create", card
            values["card_number"] = card
            plan.creates.append((out, values))
            by_card[card.upper()] = Patron(name=row.name, card_number=card)
        else:
            out.card = patron.card_number
            changes = [
                key for key in UPDATABLE if key in values and values[key] != getattr(patron, key)
            ]
            if "school_class_id" in values and values["school_class_id"] is None:
                changes.append("school_class_id")  # a class created by this import
            if row.student_number and not patron.student_number:
                changes.append("student_number")
            if changes:
                out.action = "update"
                out.changes = [_field_label(c) for c in changes]
                out.reason = _("已有此读者，更新：%(f)s") % {"f": "、".join(out.changes)}
                plan.updates.append((out, patron, values))
            else:
                out.action = "skip"
                out.reason = _("已有此读者，内容相同。")
    return plan


def _field_label(name: str) -> str:
    return {
        "name": _("姓名"),
        "gender": _("性别"),
        "category": _("类型"),
        "school_class_id": _("班级"),
        "valid_until": _("有效期"),
        "campus_card": _("一卡通号"),
        "student_number": _("学号"),
    }.get(name, name)


def _roster_apply(actor: Actor, plan: _Plan) -> None:
    library = actor.library
    created_classes: dict[str, SchoolClass] = {}
    for name, (grade, number) in plan.new_classes.items():
        school_class = SchoolClass.objects.create(
            library=library,
            school_year=library.current_school_year,
            grade=grade,
            number=number,
            name=name,
        )
        audit.record(
            actor,
            "class.create",
            school_class,
            after={"name": name, "school_year": library.current_school_year},
        )
        created_classes[name] = school_class

    def class_id(values: dict[str, Any]) -> int | None:
        if values.get("school_class_id") is None and values.get("class_name"):
            return created_classes[values["class_name"]].pk
        return values.get("school_class_id")

    new_patrons = []
    for _out, values in plan.creates:
        patron = Patron(
            library=library,
            card_number=values["card_number"],
            name=values["name"],
            category=values["category"],
            student_number=values.get("student_number"),
            gender=values.get("gender", ""),
            school_class_id=class_id(values),
            valid_until=values.get("valid_until"),
            campus_card=values.get("campus_card"),
        )
        patron.fill_pinyin()
        new_patrons.append(patron)
    # One INSERT per batch instead of one per reader: a school's roster is thousands.
    for patron in Patron.objects.bulk_create(new_patrons, batch_size=500):
        audit.record(
            actor,
            "patron.create",
            patron,
            after={"card": patron.card_number, "status": patron.status, "via": "import"},
        )
    for _out, patron, values in plan.updates:
        before = {k: _plain(getattr(patron, k)) for k in UPDATABLE + ["student_number"]}
        for key in UPDATABLE:
            if key in values:
                setattr(patron, key, class_id(values) if key == "school_class_id" else values[key])
        if values.get("student_number") and not patron.student_number:
            patron.student_number = values["student_number"]
        patron.save()
        after = {k: _plain(getattr(patron, k)) for k in before}
        audit.record(
            actor,
            "patron.update",
            patron,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
            reason="import",
        )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# -- status, cards, departure -----------------------------------------------------------


def _set_status(
    actor: Actor, patron: Patron, status: str, *, reason: str = "", action: str = "patron.status"
) -> None:
    before = {"status": patron.status, "departure": patron.departure}
    patron.status = status
    if status == Patron.Status.BLOCKED:
        patron.block_reason = reason[:200]
    elif status == Patron.Status.ACTIVE:
        patron.block_reason = ""
    if status in (Patron.Status.GRADUATED, Patron.Status.LEFT):
        patron.departure = ""
        patron.left_on = clock.today()
    patron.save(update_fields=["status", "block_reason", "departure", "left_on", "updated_at"])
    audit.record(
        actor,
        action,
        patron,
        before=before,
        after={"status": status, "departure": patron.departure},
        reason=reason,
    )


@transaction.atomic
def patron_set_status(*, actor: Actor, patron_id: int, status: str, reason: str = "") -> Patron:
    """Block (停借, with a reason) or reactivate a reader. Graduation and leaving go
    through patron_depart, so that open loans are cleared first."""
    patron = Patron.objects.select_for_update().get(pk=patron_get(actor.library.pk, patron_id).pk)
    if status not in (Patron.Status.ACTIVE, Patron.Status.BLOCKED):
        raise Invalid(_("毕业或离校请使用“离校”操作。"), code="invalid_status")
    if status == Patron.Status.BLOCKED and not reason.strip():
        raise Invalid(_("停借需要填写原因。"), code="reason_required")
    if patron.status == status:
        return patron
    _set_status(actor, patron, status, reason=reason)
    return patron


PENDING_REASON = "毕业离校清还：尚有未还图书或欠费"


def _depart(actor: Actor, patrons: list[Patron], kind: str, *, reason: str = "") -> tuple[int, int]:
    """Graduate (or let leave) these readers: clear ones at once, the others onto the
    clearance list, blocked from new loans. Returns (departed, pending)."""
    ids = [p.pk for p in patrons]
    loans = open_loan_counts(ids)
    fees = open_fee_totals(ids)
    departed = pending = 0
    for patron in patrons:
        if loans.get(patron.pk) or fees.get(patron.pk):
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
                    "open_loans": loans.get(patron.pk, 0),
                    "fees": fees.get(patron.pk, 0),
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
    ids = [p.pk for p in pending]
    loans = open_loan_counts(ids)
    fees = open_fee_totals(ids)
    cleared = 0
    for patron in pending:
        if not loans.get(patron.pk) and not fees.get(patron.pk):
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
    loans = open_loan_counts([patron.pk]).get(patron.pk, 0)
    fees = open_fee_totals([patron.pk]).get(patron.pk, 0)
    _set_status(
        actor,
        patron,
        patron.departure,
        reason=_("豁免：%(reason)s（未还 %(loans)s 册，欠费 %(fees)s 分）")
        % {"reason": reason.strip(), "loans": loans, "fees": fees},
        action="patron.clearance_waive",
    )
    return patron


@transaction.atomic
def card_report_lost(*, actor: Actor, patron_id: int, new_card: str | None = None) -> Patron:
    """挂失补办: the reader gets a new card number; the old one is blocked for good
    (a scan of it says so) and kept on record. Loans stay with the reader."""
    patron = Patron.objects.select_for_update().get(pk=patron_get(actor.library.pk, patron_id).pk)
    library = actor.library
    new_card = (new_card or "").strip().upper() or CardNumbers(library).take()
    if not new_card:
        raise Invalid(_("请填写新的借书证号（本馆的格式无法自动生成）。"), code="card_required")
    _check_card_free(library, new_card)
    old = patron.card_number
    RetiredCard.objects.create(
        library=library,
        patron=patron,
        card_number=old,
        reason="lost",
        retired_at=clock.now(),
        replaced_by=new_card,
    )
    patron.card_number = new_card
    patron.save(update_fields=["card_number", "updated_at"])
    audit.record(
        actor,
        "patron.card_lost",
        patron,
        before={"card": old},
        after={"card": new_card},
        reason=_("挂失补办"),
    )
    return patron


# -- classes and promotion --------------------------------------------------------------


@transaction.atomic
def class_create(*, actor: Actor, name: str, school_year: int | None = None) -> SchoolClass:
    """A class from any usual spelling of its name (初一(3)班 → 七年级3班)."""
    library = actor.library
    system = grades.system(library.grade_system)
    parsed = grades.parse_class(system, name)
    if parsed is None:
        raise Invalid(_("无法识别的班级名称：%(name)s") % {"name": name}, code="invalid_class")
    year = school_year or library.current_school_year
    canonical = system.class_name(*parsed)
    if SchoolClass.objects.filter(library=library, school_year=year, name=canonical).exists():
        raise Conflict(_("班级 %(name)s 已存在。") % {"name": canonical}, code="duplicate_class")
    school_class = SchoolClass.objects.create(
        library=library, school_year=year, grade=parsed[0], number=parsed[1], name=canonical
    )
    audit.record(
        actor, "class.create", school_class, after={"name": canonical, "school_year": year}
    )
    return school_class


@transaction.atomic
def class_set_staff(
    *,
    actor: Actor,
    class_id: int,
    homeroom_card: str | None = None,
    assistant_cards: list[str] | None = None,
) -> SchoolClass:
    """Set a class's homeroom teacher (a teacher's card) and its student assistants
    (students of that class)."""
    school_class = (
        SchoolClass.objects.select_for_update().filter(library=actor.library, pk=class_id).first()
    )
    if school_class is None:
        raise NotFound(_("找不到这个班级。"), code="class_not_found")
    before = {
        "homeroom": school_class.homeroom_teacher.card_number
        if school_class.homeroom_teacher_id
        else None,
        "assistants": sorted(school_class.assistants.values_list("card_number", flat=True)),
    }
    if homeroom_card is not None:
        teacher = None
        if homeroom_card.strip():
            teacher = Patron.objects.filter(
                library=actor.library, card_number=homeroom_card.strip().upper(), anonymous=False
            ).first()
            if teacher is None or teacher.category == Patron.Category.STUDENT:
                raise Invalid(
                    _("班主任必须是本馆的教师读者：%(c)s") % {"c": homeroom_card},
                    code="invalid_homeroom",
                )
        school_class.homeroom_teacher = teacher
        school_class.save(update_fields=["homeroom_teacher"])
    if assistant_cards is not None:
        cards = [c.strip().upper() for c in assistant_cards if c.strip()]
        students = list(
            Patron.objects.filter(
                library=actor.library, card_number__in=cards, school_class=school_class
            )
        )
        missing = set(cards) - {s.card_number for s in students}
        if missing:
            raise Invalid(
                _("以下借书证号不是本班学生：%(c)s") % {"c": "、".join(sorted(missing))},
                code="invalid_assistant",
            )
        school_class.assistants.set(students)
    audit.record(
        actor,
        "class.staff",
        school_class,
        before=before,
        after={
            "homeroom": school_class.homeroom_teacher.card_number
            if school_class.homeroom_teacher_id
            else None,
            "assistants": sorted(school_class.assistants.values_list("card_number", flat=True)),
        },
    )
    return school_class


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
    loans = open_loan_counts(graduating_ids)
    fees = open_fee_totals(graduating_ids)
    lines = []
    for move in plan:
        school_class = by_key[(move.grade, move.number)]
        members = students.get(school_class.pk, [])
        pending = sum(1 for p in members if move.graduates and (loans.get(p.pk) or fees.get(p.pk)))
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
    system = grades.system(library.grade_system)
    classes = list(
        SchoolClass.objects.filter(library=library, school_year=year).prefetch_related("assistants")
    )
    by_key = {(c.grade, c.number): c for c in classes}
    students = _class_students([c.pk for c in classes])
    run = PromotionRun(
        library=library, from_year=year, to_year=year + 1, at=clock.now(), by_name=actor.name[:150]
    )
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


# -- privacy ----------------------------------------------------------------------------


@transaction.atomic
def reader_settings_update(
    *, actor: Actor, homeroom_sees_history: bool, anonymize_after_years: int
) -> ReaderSettings:
    if not 0 <= anonymize_after_years <= 50:
        raise Invalid(_("匿名化年限应在 0 到 50 年之间。"), code="invalid_years")
    current = reader_settings(actor.library)
    before = {
        "homeroom_sees_history": current.homeroom_sees_history,
        "anonymize_after_years": current.anonymize_after_years,
    }
    current.homeroom_sees_history = homeroom_sees_history
    current.anonymize_after_years = anonymize_after_years
    current.save()
    audit.record(
        actor,
        "library.reader_settings",
        actor.library,
        before=before,
        after={
            "homeroom_sees_history": homeroom_sees_history,
            "anonymize_after_years": anonymize_after_years,
        },
    )
    return current


def history_view_record(*, actor: Actor, patron: Patron) -> None:
    """Every staff view of a reader's reading history leaves an audit event."""
    audit.record(actor, "patron.history_view", patron)


def anonymous_patron(library: Library) -> Patron:
    """The library's one placeholder reader (已匿名读者) that anonymized loans point to,
    so a loan keeps a borrower (the loan_one_borrower constraint) and its snapshots."""
    found = Patron.objects.filter(library=library, anonymous=True).first()
    if found is not None:
        return found
    return Patron.objects.create(
        library=library,
        card_number=ANONYMOUS_CARD,
        name=ANONYMOUS_NAME,
        category=Patron.Category.STUDENT,
        status=Patron.Status.LEFT,
        keep_history=False,
        anonymous=True,
    )


def _anonymize_loans(actor: Actor, patron: Patron, placeholder: Patron) -> int:
    count = loans_detach_reader(actor=actor, patron_id=patron.pk, placeholder_id=placeholder.pk)
    if count:
        audit.record(actor, "patron.history_anonymize", patron, after={"loans": count})
    return count


@transaction.atomic
def patron_set_keep_history(*, actor: Actor, patron_id: int, keep: bool) -> Patron:
    """A reader asks to keep no reading history: their finished loans are anonymized now
    (and by each run of anonymize-history afterwards)."""
    patron = patron_get(actor.library.pk, patron_id)
    if patron.keep_history != keep:
        patron.keep_history = keep
        patron.save(update_fields=["keep_history", "updated_at"])
        audit.record(
            actor,
            "patron.keep_history",
            patron,
            before={"keep_history": not keep},
            after={"keep_history": keep},
        )
    if not keep:
        _anonymize_loans(actor, patron, anonymous_patron(actor.library))
    return patron


@dataclass
class AnonymizeResult:
    patrons: int
    loans: int


@transaction.atomic
def history_anonymize(*, actor: Actor, dry_run: bool = False) -> AnonymizeResult:
    """Detach readers from their finished loans where the library keeps them no longer:
    graduates and leavers whose departure is older than the configured number of years,
    and readers who asked to keep no history. Open loans are never touched."""
    library = actor.library
    years = reader_settings(library).anonymize_after_years
    today = clock.today()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    Loan = apps.get_model("circulation", "Loan")
    departed = Patron.objects.filter(
        library=library,
        anonymous=False,
        status__in=[Patron.Status.GRADUATED, Patron.Status.LEFT],
        left_on__lte=cutoff,
    )
    opted_out = Patron.objects.filter(library=library, anonymous=False, keep_history=False)
    candidates = (departed | opted_out).distinct()
    with_loans = list(
        candidates.filter(
            pk__in=Loan.objects.filter(library=library)
            .exclude(status="on_loan")
            .values("patron_id")
        )
    )
    if dry_run:
        loans = Loan.objects.filter(patron__in=with_loans).exclude(status="on_loan").count()
        return AnonymizeResult(patrons=len(with_loans), loans=loans)
    placeholder = anonymous_patron(library)
    total = sum(_anonymize_loans(actor, patron, placeholder) for patron in with_loans)
    return AnonymizeResult(patrons=len(with_loans), loans=total)
