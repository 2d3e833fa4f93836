"""Setting up a library (its default locations, the roles and the apps' own steps), and
changing its details and its card and barcode formats from the settings pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, formats, grade_systems, setup_steps
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Library, Location
from shuxiang.core.permissions import ROLE_CAPABILITIES, ROLES

DEFAULT_LOCATIONS = [
    ("stacks", "书库", Location.Kind.STACKS),
    ("reading", "阅览室", Location.Kind.READING_ROOM),
    ("teachers", "教师阅览室", Location.Kind.TEACHER_ROOM),
]


@transaction.atomic
def roles_sync() -> None:
    """Make the role groups and give each exactly its capabilities."""
    content_type = ContentType.objects.get_for_model(Library)
    perms = {p.codename: p for p in Permission.objects.filter(content_type=content_type)}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in ROLE_CAPABILITIES[role]])


@transaction.atomic
def library_setup(*, code: str = "main", name: str = "", school_name: str = "") -> Library:
    """Create (or complete) a library with its default locations and roles, and run the
    steps the apps register (core.setup_steps: the loan rules, ...). Safe to run again:
    nothing that exists is changed."""
    library, created = Library.objects.get_or_create(
        code=code, defaults={"name": name or _("学校图书馆"), "school_name": school_name}
    )
    for loc_code, loc_name, kind in DEFAULT_LOCATIONS:
        Location.objects.get_or_create(
            library=library, code=loc_code, defaults={"name": loc_name, "kind": kind}
        )
    roles_sync()
    setup_steps.run_all(library)  # the apps' own defaults (loan rules, ...)
    return library


def library_school_year_set(*, actor: Actor, year: int) -> None:
    """Move the library to another school year (学年), as promotion does once a year; runs
    inside the caller's transaction, whose audit event records the promotion."""
    Library.objects.filter(pk=actor.library.pk).update(current_school_year=year)
    actor.library.current_school_year = year


# -- the settings pages: the library's details and its card and barcode formats ----------


def _locked_library(actor: Actor) -> Library:
    if actor.library is None:
        raise NotFound(_("没有找到图书馆。"), code="library_not_found")
    return Library.objects.select_for_update().get(pk=actor.library.pk)


def _text(value: str, *, label: str, max_length: int, required: bool) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise Invalid(_("请填写%(field)s。") % {"field": label}, code="required")
    if len(text) > max_length:
        raise Invalid(
            _("%(field)s太长（最多 %(n)s 个字）。") % {"field": label, "n": max_length},
            code="too_long",
        )
    return text


@transaction.atomic
def library_update(
    *,
    actor: Actor,
    name: str | None = None,
    school_name: str | None = None,
    grade_system: str | None = None,
    vacation_loans: bool | None = None,
) -> Library:
    """Change the library's details (name, school, grade system (学制), vacation loans
    (假期借阅)); a value left None stays. One audit event lists what changed."""
    library = _locked_library(actor)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _text(name, label=_("图书馆名称"), max_length=200, required=True)
    if school_name is not None:
        changes["school_name"] = _text(
            school_name, label=_("学校名称"), max_length=200, required=False
        )
    if grade_system is not None and grade_system != library.grade_system:
        known = [code for code, _label in grade_systems.choices()]
        if grade_system not in known:
            raise Invalid(_("请从列表中选择学制。"), code="unknown_grade_system")
        changes["grade_system"] = grade_system
    if vacation_loans is not None:
        changes["vacation_loans"] = bool(vacation_loans)
    changed = {k: v for k, v in changes.items() if getattr(library, k) != v}
    if not changed:
        return library
    _save_changes(actor, library, changed, "library.update")
    return library


def _save_changes(
    actor: Actor, library: Library, changed: dict[str, Any], action: str, *, reason: str = ""
) -> None:
    """Write the changed fields of the library with one audit event (before and after)."""
    before = {k: getattr(library, k) for k in changed}
    for field, value in changed.items():
        setattr(library, field, value)
    library.save(update_fields=list(changed))
    audit.record(actor, action, library, before=before, after=changed, reason=reason)
    _refresh(actor, library, changed)


def _refresh(actor: Actor, library: Library, changed: dict[str, Any]) -> None:
    """Show the change on the caller's copy of the library (request.library) too."""
    if actor.library is not None and actor.library is not library:
        for field, value in changed.items():
            setattr(actor.library, field, value)


@dataclass(frozen=True)
class FormatsCheck:
    """What saving these card and barcode patterns would mean: the problems that refuse
    them, and how the existing cards and barcodes fit (for the patterns that change)."""

    card_pattern: str
    barcode_pattern: str
    problems: list[tuple[str, str]]  # (code, message)
    card_fit: formats.Fit | None  # None: the pattern does not change
    barcode_fit: formats.Fit | None

    @property
    def misfits(self) -> int:
        return sum(f.misfits for f in (self.card_fit, self.barcode_fit) if f is not None)


def formats_check(*, library: Library, card_pattern: str, barcode_pattern: str) -> FormatsCheck:
    """Check new card and barcode patterns without saving them (the page's preview; the
    service asks the same before it saves)."""
    card_pattern, barcode_pattern = card_pattern.strip(), barcode_pattern.strip()
    problems: list[tuple[str, str]] = []
    for label, pattern in ((_("借书证号格式"), card_pattern), (_("条码号格式"), barcode_pattern)):
        problem = formats.pattern_problem(pattern)
        if problem:
            problems.append(("invalid_pattern", f"{label}：{problem}"))
    if not problems and (
        card_pattern == barcode_pattern or formats.patterns_overlap(card_pattern, barcode_pattern)
    ):
        problems.append(
            (
                "patterns_overlap",
                _(
                    "借书证号和条码号的格式有重叠，扫描时无法区分读者证和图书。请用不同的前缀或位数。"
                ),
            )
        )
    card_fit = barcode_fit = None
    if not problems:
        if card_pattern != library.card_pattern:
            card_fit = formats.check(formats.CARD, library, card_pattern)
        if barcode_pattern != library.barcode_pattern:
            barcode_fit = formats.check(formats.BARCODE, library, barcode_pattern)
    return FormatsCheck(card_pattern, barcode_pattern, problems, card_fit, barcode_fit)


@transaction.atomic
def library_formats_set(
    *, actor: Actor, card_pattern: str, barcode_pattern: str, accept_misfits: bool = False
) -> Library:
    """Change the card and barcode patterns. Refused when an expression is wrong, when
    the two overlap, and — unless `accept_misfits` (the librarian saw the preview) — when
    existing cards or barcodes would not fit."""
    library = _locked_library(actor)
    checked = formats_check(
        library=library, card_pattern=card_pattern, barcode_pattern=barcode_pattern
    )
    if checked.problems:
        code, message = checked.problems[0]
        raise Invalid(message, code=code)
    if checked.misfits and not accept_misfits:
        raise Conflict(
            _("有 %(n)s 个现有的借书证号或条码号不符合新格式，请先查看检查结果再确认保存。")
            % {"n": checked.misfits},
            code="pattern_misfits",
        )
    changed = {
        k: v
        for k, v in (
            ("card_pattern", checked.card_pattern),
            ("barcode_pattern", checked.barcode_pattern),
        )
        if getattr(library, k) != v
    }
    if not changed:
        return library
    misfits = _("%(n)s 个现有号码不符合") % {"n": checked.misfits} if checked.misfits else ""
    _save_changes(actor, library, changed, "library.formats", reason=misfits)
    return library
