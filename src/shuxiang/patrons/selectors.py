"""Reader reads that several screens share; every lookup is scoped to one library."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.core.errors import NotFound
from shuxiang.patrons.models import Patron, SchoolClass


def class_by_name(library_id: int, name: str, school_year: int) -> SchoolClass | None:
    return SchoolClass.objects.filter(library_id=library_id, school_year=school_year, name=name.strip()).first()


def patron_by_card(library_id: int, card: str) -> Patron:
    patron = (
        Patron.objects.select_related("school_class")
        .filter(library_id=library_id, card_number=(card or "").strip())
        .first()
    )
    if patron is None:
        raise NotFound(_("没有借书证号为 %(card)s 的读者。") % {"card": card}, code="patron_not_found")
    return patron
