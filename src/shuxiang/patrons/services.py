"""Reader write operations: one function per use case, one transaction each."""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.patrons.models import Patron
from shuxiang.patrons.selectors import class_by_name


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
            _("借书证号 %(card)s 不符合本馆的格式 %(pattern)s。") % {"card": card, "pattern": library.card_pattern},
            code="invalid_card",
        )
    school_class = None
    if class_name:
        school_class = class_by_name(library.pk, class_name, library.current_school_year)
        if school_class is None:
            raise Invalid(_("班级 %(name)s 不存在。") % {"name": class_name}, code="class_not_found")
    if Patron.objects.filter(library=library, card_number=card).exists():
        raise Conflict(_("借书证号 %(card)s 已被使用。") % {"card": card}, code="duplicate_card")
    student_number = (student_number or "").strip() or None
    if student_number and Patron.objects.filter(library=library, student_number=student_number).exists():
        raise Conflict(_("学号 %(number)s 已存在。") % {"number": student_number}, code="duplicate_student_number")
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
        raise Conflict(_("借书证号 %(card)s 已被使用。") % {"card": card}, code="duplicate_card") from exc
    audit.record(actor, "patron.create", patron, after={"card": card, "status": patron.status})
    return patron
