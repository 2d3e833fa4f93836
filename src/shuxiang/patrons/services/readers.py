"""Readers and their cards: registering a reader, card numbers, blocking, lost cards."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.core.models import Library
from shuxiang.patrons.card_numbers import CardNumbers, card_problem, card_shape
from shuxiang.patrons.models import Patron, RetiredCard
from shuxiang.patrons.selectors import class_by_any_name, patron_get

# -- card numbers -----------------------------------------------------------------------


def next_card_numbers(library: Library) -> CardNumbers:
    """The library's next free card numbers, after every current and retired card."""
    shape = card_shape(library.card_pattern)
    used: list[str] = []
    if shape is not None:
        for model in (Patron, RetiredCard):
            used += model.objects.filter(
                library=library, card_number__startswith=shape[0]
            ).values_list("card_number", flat=True)
    return CardNumbers(library.card_pattern, used)


def card_check(library: Library, card: str) -> None:
    """Raise unless this card number can be given to a reader (card_numbers.card_problem
    on the library's facts about it)."""
    holder = (
        Patron.objects.filter(library=library, card_number=card)
        .values_list("name", flat=True)
        .first()
    )
    retired = RetiredCard.objects.filter(library=library, card_number=card).exists()
    problem = card_problem(card, pattern=library.card_pattern, holder=holder, retired=retired)
    if problem is not None:
        raise problem


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
    card_check(library, card)
    school_class = None
    if class_name:
        school_class = class_by_any_name(library, class_name)
        if school_class is None:
            raise Invalid(
                _("班级 %(name)s 不存在。") % {"name": class_name}, code="class_not_found"
            )
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
    new_card = (new_card or "").strip().upper() or next_card_numbers(library).take()
    if not new_card:
        raise Invalid(_("请填写新的借书证号（本馆的格式无法自动生成）。"), code="card_required")
    card_check(library, new_card)
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
