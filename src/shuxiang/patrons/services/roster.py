"""Roster import (花名册): a dry run that writes nothing, or every valid row in one
transaction. The file is read by patrons.roster and planned by patrons.roster_plan
(plain Python); this module reads the facts the planner needs and writes its plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.models import Library
from shuxiang.patrons import grades, roster
from shuxiang.patrons.models import Patron, RetiredCard, SchoolClass
from shuxiang.patrons.roster_plan import (
    UPDATABLE,
    KnownReader,
    RosterFacts,
    RosterPlan,
    RowOutcome,
    plan_roster,
)

__all__ = ["UPDATABLE", "ImportReport", "RowOutcome", "roster_import"]


@dataclass
class ImportReport:
    rows: list[RowOutcome]
    notes: list[str]
    sheet: str
    dry_run: bool
    classes_created: list[str] = field(default_factory=list)
    # The file cut down to the columns the import uses (roster.Roster.kept_csv): what
    # the web page keeps between preview and confirmation instead of the upload.
    kept_csv: bytes = b""

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


def roster_import(
    *,
    actor: Actor,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    create_classes: bool = False,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
    kept: bool = False,
) -> ImportReport:
    """Import a roster file (花名册). A dry run writes nothing and says what a real run
    would do; a real run writes every valid row in one transaction and none of the
    rejected ones. Raises roster.RosterError for a file that cannot be read at all.
    `kept`: the content is the kept table of an earlier preview (a CSV), whatever the
    original file's name."""
    library = actor.library
    system = grades.system(library.grade_system)
    table = roster.read(content, filename, system=system, sheet=sheet, as_csv=kept)
    if dry_run:
        # Reads only: no transaction, so a preview never holds the write lock that the
        # circulation desk needs (SQLite transactions start IMMEDIATE).
        plan = plan_roster(
            table.rows, roster_facts(library), create_classes=create_classes, progress=progress
        )
        return _roster_report(plan, table, dry_run=True)
    with transaction.atomic():
        plan = plan_roster(
            table.rows, roster_facts(library), create_classes=create_classes, progress=progress
        )
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


def roster_facts(library: Library) -> RosterFacts:
    """What the roster planner compares the rows with: the library's readers (not the
    anonymous reader), this school year's classes, retired cards, the card pattern."""
    year = library.current_school_year
    readers = [
        KnownReader(**values)
        for values in Patron.objects.filter(library=library, anonymous=False).values(
            "pk",
            "name",
            "card_number",
            "category",
            "student_number",
            "campus_card",
            "school_class_id",
            "gender",
            "valid_until",
        )
    ]
    return RosterFacts(
        school_year=year,
        card_pattern=library.card_pattern,
        readers=readers,
        classes=dict(
            SchoolClass.objects.filter(library=library, school_year=year).values_list("name", "pk")
        ),
        retired_cards=set(
            RetiredCard.objects.filter(library=library).values_list("card_number", flat=True)
        ),
    )


def _roster_report(plan: RosterPlan, table: roster.Roster, *, dry_run: bool) -> ImportReport:
    return ImportReport(
        rows=plan.outcomes,
        notes=table.notes,
        sheet=table.sheet,
        dry_run=dry_run,
        classes_created=plan.classes_created,
        kept_csv=table.kept_csv(),
    )


def _roster_apply(actor: Actor, plan: RosterPlan) -> None:
    created = _create_classes(actor, plan.new_classes)

    def class_id(values: dict[str, Any]) -> int | None:
        if values.get("school_class_id") is None and values.get("class_name"):
            return created[values["class_name"]].pk
        return values.get("school_class_id")

    _create_readers(actor, [values for _out, values in plan.creates], class_id)
    _update_readers(actor, [(pk, values) for _out, pk, values in plan.updates], class_id)


def _create_classes(
    actor: Actor, new_classes: dict[str, tuple[int, int]]
) -> dict[str, SchoolClass]:
    library = actor.library
    created: dict[str, SchoolClass] = {}
    for name, (grade, number) in new_classes.items():
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
        created[name] = school_class
    return created


def _create_readers(
    actor: Actor,
    creates: list[dict[str, Any]],
    class_id: Callable[[dict[str, Any]], int | None],
) -> None:
    new_patrons = []
    for values in creates:
        patron = Patron(
            library=actor.library,
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


def _update_readers(
    actor: Actor,
    updates: list[tuple[int, dict[str, Any]]],
    class_id: Callable[[dict[str, Any]], int | None],
) -> None:
    patrons = Patron.objects.in_bulk([pk for pk, _values in updates])
    for pk, values in updates:
        patron = patrons[pk]
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
