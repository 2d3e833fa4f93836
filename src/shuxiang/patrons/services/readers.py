"""Readers and their cards: registering a reader, card numbers, blocking, lost cards."""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.core.models import Library
from shuxiang.patrons import grades
from shuxiang.patrons.models import Patron, RetiredCard
from shuxiang.patrons.selectors import class_by_name, patron_get

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


# -- status and lost cards -------------------------------------------------------------


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
