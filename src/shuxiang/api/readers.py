"""Reader endpoints beyond the foundation's: classes and class rosters."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema

from shuxiang.api.api import api
from shuxiang.api.auth import require
from shuxiang.api.schemas import ErrorOut
from shuxiang.core.errors import Forbidden, NotFound
from shuxiang.core.permissions import assisted_class_ids, can, can_view_class
from shuxiang.patrons.models import Patron
from shuxiang.patrons.selectors import class_by_any_name, class_roster, classes_of_year

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    number: int
    school_year: int
    homeroom_teacher: str | None
    students: int


class ClassPatronOut(Schema):
    card: str
    name: str
    category: str
    class_name: str
    student_number: str | None
    status: str
    open_loans: int
    overdue: int


@api.get("/classes", response={200: list[ClassOut], **ERRORS}, tags=["patrons"])
def classes_list(request: HttpRequest, year: int | None = None) -> list[dict]:
    """This school year's classes (or `?year=2025`'s). A student assistant sees only the
    classes they act for."""
    actor = require(request, "circulate")
    classes = classes_of_year(actor.library, year)
    if not can(request.user, "circulate_any_class"):
        classes = classes.filter(pk__in=assisted_class_ids(request.user))
    return [
        {
            "id": c.pk,
            "name": c.name,
            "grade": c.grade,
            "number": c.number,
            "school_year": c.school_year,
            "homeroom_teacher": c.homeroom_teacher.name if c.homeroom_teacher_id else None,
            "students": c.students,
        }
        for c in classes
    ]


@api.get(
    "/classes/{name}/patrons", response={200: list[ClassPatronOut], **ERRORS}, tags=["patrons"]
)
def class_patrons(request: HttpRequest, name: str, year: int | None = None) -> list[dict]:
    """The readers of a class by its name (七年级3班; 初一(3)班 and other spellings work too)."""
    actor = require(request, "circulate")
    school_class = class_by_any_name(actor.library, name, year)
    if school_class is None:
        raise NotFound(_("没有班级 %(name)s。") % {"name": name}, code="class_not_found")
    if not can_view_class(request.user, school_class):
        raise Forbidden(_("您只能查看自己负责的班级。"), code="forbidden")
    return [
        {
            "card": line.patron.card_number,
            "name": line.patron.name,
            "category": line.patron.category,
            "class_name": school_class.name,
            "student_number": line.patron.student_number,
            "status": line.patron.status,
            "open_loans": line.open_loans,
            "overdue": line.overdue,
        }
        for line in class_roster(school_class)
        if line.patron.category == Patron.Category.STUDENT or can(request.user, "manage_patrons")
    ]
