"""Roster import (花名册): a dry run that writes nothing, or every valid row in one
transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.models import Library
from shuxiang.patrons import grades, roster
from shuxiang.patrons.models import Patron, RetiredCard, SchoolClass
from shuxiang.patrons.services.readers import CardNumbers


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
