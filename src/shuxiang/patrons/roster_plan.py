"""What a roster import would do with each row: create, update, skip or reject.

Plain values in, a plan out, no database: the service reads the facts (the readers the
library has, this year's classes, retired cards, the card pattern) before it plans, and
writes the plan afterwards. Each row is judged in file order, so a row sees the readers
and classes the rows above it would create."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.patrons.card_numbers import CardNumbers, card_problem
from shuxiang.patrons.roster import RosterRow

# The fields a re-import may change on a reader the library already has.
UPDATABLE = ["name", "gender", "category", "school_class_id", "valid_until", "campus_card"]


@dataclass(frozen=True)
class KnownReader:
    """A reader the library already has (not the anonymous reader), as the planner
    compares them; pk is None for a reader an earlier row of the file creates."""

    pk: int | None
    name: str
    card_number: str
    category: str = "student"
    student_number: str | None = None
    campus_card: str | None = None
    school_class_id: int | None = None
    gender: str = ""
    valid_until: dt.date | None = None


@dataclass
class RosterFacts:
    """What the planner needs to know about the library, read before planning."""

    school_year: int
    card_pattern: str = ""
    readers: list[KnownReader] = field(default_factory=list)
    classes: dict[str, int] = field(default_factory=dict)  # this year's: name → id
    retired_cards: set[str] = field(default_factory=set)


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
class RosterPlan:
    outcomes: list[RowOutcome] = field(default_factory=list)
    # The values of each reader to create, and of each reader to update (by pk). A
    # "school_class_id" of None with a "class_name" means a class this import creates.
    creates: list[tuple[RowOutcome, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[RowOutcome, int, dict[str, Any]]] = field(default_factory=list)
    new_classes: dict[str, tuple[int, int]] = field(default_factory=dict)  # name → grade, no.

    @property
    def classes_created(self) -> list[str]:
        return sorted(self.new_classes, key=lambda name: self.new_classes[name])


class _Reject(Exception):
    """A row cannot be imported; the message says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def plan_roster(
    rows: Iterable[RosterRow],
    facts: RosterFacts,
    *,
    create_classes: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RosterPlan:
    """The plan for these rows: rejected rows say why; the others become a new reader,
    an update of a known one, or nothing (the reader is already as the row says)."""
    planner = _Planner(facts, create_classes=create_classes)
    for index, row in enumerate(rows):
        if progress is not None:
            progress(index)
        planner.add(row)
    return planner.plan


def field_label(name: str) -> str:
    return {
        "name": _("姓名"),
        "gender": _("性别"),
        "category": _("类型"),
        "school_class_id": _("班级"),
        "valid_until": _("有效期"),
        "campus_card": _("一卡通号"),
        "student_number": _("学号"),
    }.get(name, name)


class _Planner:
    def __init__(self, facts: RosterFacts, *, create_classes: bool) -> None:
        self.facts = facts
        self.create_classes = create_classes
        readers = facts.readers
        self.by_number = {r.student_number: r for r in readers if r.student_number}
        self.by_card = {r.card_number.upper(): r for r in readers}
        self.by_campus = {r.campus_card: r for r in readers if r.campus_card}
        self.by_name: dict[tuple[str, int | None, str], list[KnownReader]] = {}
        for r in readers:
            self.by_name.setdefault((r.name, r.school_class_id, r.category), []).append(r)
        self.retired = {card.upper() for card in facts.retired_cards}
        self.cards = CardNumbers(
            facts.card_pattern, [r.card_number for r in readers] + sorted(facts.retired_cards)
        )
        self.seen: dict[str, dict[str, int]] = {"number": {}, "card": {}, "campus": {}}
        self.plan = RosterPlan()

    def add(self, row: RosterRow) -> None:
        out = RowOutcome(
            row=row.row,
            action="reject",
            name=row.name,
            student_number=row.student_number,
            card=row.card,
            class_name=row.class_name,
        )
        self.plan.outcomes.append(out)
        duplicate = self._duplicate(row)
        if not row.ok:
            out.reason = "；".join(
                [str(p) for p in row.problems] + ([duplicate] if duplicate else [])
            )
            return
        if duplicate:
            out.reason = duplicate
            return
        try:
            class_id = self._class_id(row)
            reader = self._identify(row, class_id)
            self._check_cards(row, reader)
        except _Reject as reject:
            out.reason = reject.reason
            return
        values = _values(row, class_id)
        if reader is None:
            self._create(row, out, values)
        else:
            self._update(row, out, reader, values)

    def _duplicate(self, row: RosterRow) -> str:
        """Why this row repeats an earlier one of the file, or "". The first row wins,
        even when it is itself rejected, so that a repeat never slips in in its place."""
        seen = self.seen
        duplicate = ""
        if row.student_number and row.student_number in seen["number"]:
            duplicate = _("学号 %(n)s 与第 %(row)s 行重复（保留第 %(row)s 行）。") % {
                "n": row.student_number,
                "row": seen["number"][row.student_number],
            }
        elif row.card and row.card in seen["card"]:
            duplicate = _("借书证号 %(c)s 与第 %(row)s 行重复（保留第 %(row)s 行）。") % {
                "c": row.card,
                "row": seen["card"][row.card],
            }
        elif row.campus_card and row.campus_card in seen["campus"]:
            duplicate = _("一卡通号 %(c)s 与第 %(row)s 行重复（保留第 %(row)s 行）。") % {
                "c": row.campus_card,
                "row": seen["campus"][row.campus_card],
            }
        for key, kind in (
            (row.student_number, "number"),
            (row.card, "card"),
            (row.campus_card, "campus"),
        ):
            if key:
                seen[kind].setdefault(key, row.row)
        return duplicate

    def _class_id(self, row: RosterRow) -> int | None:
        """The row's class: this year's, or one this import creates (None)."""
        if not row.class_name:
            return None
        found = self.facts.classes.get(row.class_name)
        if found is not None:
            return found
        if row.class_name in self.plan.new_classes or self.create_classes:
            self.plan.new_classes.setdefault(row.class_name, (row.grade, row.class_number))
            return None
        raise _Reject(
            _(
                "班级 %(c)s 不存在（本学年 %(y)s）；要自动新建班级，请勾选“新建不存在的班级”（命令行：--create-classes）。"
            )
            % {"c": row.class_name, "y": self.facts.school_year}
        )

    def _identify(self, row: RosterRow, class_id: int | None) -> KnownReader | None:
        """Who is this row? By student number, else by card (when the name agrees too),
        else by name + class + category when the row has neither number nor card."""
        if row.student_number:
            reader = self.by_number.get(row.student_number)
            if reader is not None:
                return reader
        if row.card:
            holder = self.by_card.get(row.card)
            if holder is None:
                return None
            if (
                row.student_number
                and holder.student_number
                and holder.student_number != row.student_number
            ):
                raise _Reject(
                    _("借书证号 %(c)s 已属于学号为 %(n)s 的读者 %(name)s。")
                    % {"c": row.card, "n": holder.student_number, "name": holder.name}
                )
            # A card alone identifies a reader only when the name agrees too; otherwise
            # the card check rejects a card that another reader holds.
            return holder if holder.name == row.name else None
        if not row.student_number and row.class_name not in self.plan.new_classes:
            matches = self.by_name.get((row.name, class_id, row.category), [])
            if len(matches) == 1:
                return matches[0]
        return None

    def _check_cards(self, row: RosterRow, reader: KnownReader | None) -> None:
        if row.card:
            holder = self.by_card.get(row.card) if reader is None else None
            problem = card_problem(
                row.card,
                pattern=self.facts.card_pattern,
                holder=holder.name if holder is not None else None,
                retired=row.card in self.retired,
            )
            if problem is not None:
                raise _Reject(problem.message)
            if reader is not None and reader.card_number.upper() != row.card:
                raise _Reject(
                    _(
                        "学号 %(n)s 的读者 %(name)s 已有借书证号 %(old)s，与表中的 %(c)s 不一致；换证请用“挂失补办”。"
                    )
                    % {
                        "n": row.student_number,
                        "name": reader.name,
                        "old": reader.card_number,
                        "c": row.card,
                    }
                )
        if row.campus_card:
            owner = self.by_campus.get(row.campus_card)
            if owner is not None and owner is not reader:
                raise _Reject(
                    _("一卡通号 %(c)s 已被读者 %(name)s 使用。")
                    % {"c": row.campus_card, "name": owner.name}
                )

    def _create(self, row: RosterRow, out: RowOutcome, values: dict[str, Any]) -> None:
        card = row.card or self.cards.take()
        if card is None:
            out.reason = _(
                "表中没有借书证号，本馆的借书证号格式 %(p)s 又无法自动生成；请在表中填写借书证号。"
            ) % {"p": self.facts.card_pattern}
            return
        out.action, out.card = "create", card
        values["card_number"] = card
        self.plan.creates.append((out, values))
        # A later row that names a card given out here repeats this row.
        self.seen["card"].setdefault(card.upper(), row.row)
        self.by_card[card.upper()] = KnownReader(pk=None, name=row.name, card_number=card)

    def _update(
        self, row: RosterRow, out: RowOutcome, reader: KnownReader, values: dict[str, Any]
    ) -> None:
        out.card = reader.card_number
        changes = [
            key for key in UPDATABLE if key in values and values[key] != getattr(reader, key)
        ]
        if "school_class_id" in values and values["school_class_id"] is None:
            changes.append("school_class_id")  # a class created by this import
        if row.student_number and not reader.student_number:
            changes.append("student_number")
        if not changes:
            out.action = "skip"
            out.reason = _("已有此读者，内容相同。")
            return
        out.action = "update"
        out.changes = [field_label(c) for c in changes]
        out.reason = _("已有此读者，更新：%(f)s") % {"f": "、".join(out.changes)}
        if reader.pk is not None:
            self.plan.updates.append((out, reader.pk, values))


def _values(row: RosterRow, class_id: int | None) -> dict[str, Any]:
    """The reader's fields as the row gives them (an empty cell changes nothing)."""
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
    return values
