"""A class's staff: its homeroom teacher and student assistants. Classes themselves
come from roster imports (services.roster) and promotion (services.school_year)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Invalid, NotFound
from shuxiang.patrons.models import Patron, SchoolClass


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
