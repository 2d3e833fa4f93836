"""Statistics (统计): the headline figures of a period for the school, a grade or a class.
Thin over `shuxiang.reports`; for the capability view_reports (librarians, the admin and
school leaders). Every rate comes with its numerator and denominator."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from shuxiang.api.api import api
from shuxiang.api.auth import require
from shuxiang.api.schemas import ErrorOut
from shuxiang.core import clock
from shuxiang.reports import report

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class RateOut(Schema):
    value: float | None = Field(description="比率（百分比类为百分数），分母为 0 时为 null")
    numerator: int = Field(description="分子")
    denominator: int = Field(description="分母")


class PeriodOut(Schema):
    start: str
    end: str
    label: str


class GroupOut(Schema):
    kind: str = Field(description="school 全校, grade 年级, class 班级")
    grade: int | None = None
    class_name: str | None = None
    label: str


class SummaryOut(Schema):
    period: PeriodOut
    group: GroupOut
    borrowing_rate: RateOut = Field(description="借书率（%）")
    loans_per_student: RateOut = Field(description="生均借阅量")
    loans_per_teacher: RateOut = Field(description="师均借阅量")
    circulation_rate: RateOut = Field(description="藏书流通率（%）")
    turnover: RateOut = Field(description="藏书周转次数")
    card_coverage: RateOut = Field(description="借书证覆盖率（%）")
    books_per_student: RateOut = Field(description="生均藏书")
    new_books_per_student: RateOut = Field(description="年生均新增图书")
    loans: int
    student_loans: int
    teacher_loans: int
    active_readers: int
    students: int
    teachers: int
    items: int
    items_lent: int
    books: int
    new_books: int
    valid_cards: int
    definitions: dict[str, str] = Field(description="每个比率的计算公式")


@api.get("/reports/summary", response={200: SummaryOut, **ERRORS}, tags=["reports"])
def reports_summary(
    request: HttpRequest,
    start: str = "",
    end: str = "",
    period: str = "",
    grade: str = "",
    class_: str = Query("", alias="class"),
) -> Any:
    """The headline figures between `start` and `end` (YYYY-MM-DD, both included), or of a
    `period` (term 本学期, school_year, month, week; this term by default), for the
    school, a grade (`grade=七年级`) or a class (`class=七年级1班`)."""
    actor = require(request, "view_reports")
    today = clock.today()
    chosen = report.period_of(actor.library, today, kind=period, start=start, end=end)
    group = report.group_of(actor.library, grade=grade, class_name=class_)
    return report.summary_json(report.build(actor.library, chosen, group, today, full=False))
