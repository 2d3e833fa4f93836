"""Every figure of the reports, each a pure function over plain numbers with its formula
in its docstring. The pages, the exports, the API and the public page all read these
(through `reports.selectors.summary`), so a figure is computed in one place.

A rate is a `Rate`: numerator, denominator and value, so that every screen can show
what was divided by what. A denominator of zero gives no value (shown as "—"), never
an error and never 0 %.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SCHOOL_LEVELS = ("primary", "junior", "senior", "complete")


@dataclass(frozen=True)
class Rate:
    """numerator / denominator; `value` is None when the denominator is 0."""

    numerator: int
    denominator: int
    percent: bool = False  # shown as a percentage (借书率) or a ratio (生均 5.7 册)

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    def rounded(self, places: int = 2) -> float | None:
        """The value rounded half up, as a percentage for a percent rate (86.05)."""
        value = self.value
        if value is None:
            return None
        if self.percent:
            value *= 100
        scaled = value * 10**places
        whole = int(scaled + Fraction(1, 2)) if scaled >= 0 else -int(-scaled + Fraction(1, 2))
        return whole / 10**places

    def text(self, places: int = 1) -> str:
        shown = self.rounded(places)
        if shown is None:
            return "—"
        return f"{shown:.{places}f}%" if self.percent else f"{shown:.{places}f}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.rounded(4),
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


# -- the formulas ------------------------------------------------------------------------


def borrowing_rate(active_readers: int, readers: int) -> Rate:
    """借书率 = 本期借过至少一册的学生数 ÷ 学生数 × 100%.

    Students are those of the group on the report's day (graduates and leavers left
    out of both counts); a student who borrowed twice counts once. With the setting
    "全体读者" teachers count too."""
    return Rate(active_readers, readers, percent=True)


def loans_per_student(student_loans: int, students: int) -> Rate:
    """生均借阅量 = 本期学生借阅册次 ÷ 学生数 (renewals are not new loans)."""
    return Rate(student_loans, students)


def loans_per_teacher(teacher_loans: int, teachers: int) -> Rate:
    """师均借阅量 = 本期教师借阅册次 ÷ 教师数."""
    return Rate(teacher_loans, teachers)


def circulation_rate(distinct_items_lent: int, loanable_items: int) -> Rate:
    """藏书流通率 = 本期借出过的不同册数 ÷ 可外借册数 × 100%.

    Loanable copies are those held at some time in the period (a copy withdrawn or
    lost mid-period still counts) that are not reference-only (工具书不外借)."""
    return Rate(distinct_items_lent, loanable_items, percent=True)


def turnover(loans: int, items: int) -> Rate:
    """藏书周转次数 = 本期借阅册次 ÷ 可外借册数."""
    return Rate(loans, items)


def card_coverage(students_with_valid_card: int, students: int) -> Rate:
    """借书证覆盖率 = 持有效借书证的学生数 ÷ 学生数 × 100% (a valid card: the reader is
    not suspended and the card has not expired by the period's end)."""
    return Rate(students_with_valid_card, students, percent=True)


def books_per_student(books_held: int, students: int) -> Rate:
    """生均藏书 = 期末馆藏图书册数 ÷ 学生数 (books only: periodicals and audio-visual
    copies, withdrawn and lost copies left out)."""
    return Rate(books_held, students)


def new_books_per_student(new_books: int, students: int) -> Rate:
    """年生均新增图书 = 本年（报告期末所在自然年）入藏图书册数 ÷ 学生数."""
    return Rate(new_books, students)


def overdue_rate(overdue_loans: int, loans: int) -> Rate:
    """逾期率 = 本期借出且逾期归还或到期末仍逾期未还的册次 ÷ 本期借阅册次 × 100%."""
    return Rate(overdue_loans, loans, percent=True)


def share(part: int, whole: int) -> Rate:
    """占比 = 部分 ÷ 合计 × 100%."""
    return Rate(part, whole, percent=True)


class Formulas(Mapping):
    """{figure: (name, formula)}, each read in the language active when it is read: the
    page, the definitions sheet, the API and the exports all get plain text in their
    reader's language (a workbook cell takes no lazy translation)."""

    def __init__(self, formulas: dict[str, tuple[Any, Any]]) -> None:
        self._formulas = formulas

    def __getitem__(self, key: str) -> tuple[str, str]:
        name, formula = self._formulas[key]
        return str(name), str(formula)

    def __iter__(self) -> Iterator[str]:
        return iter(self._formulas)

    def __len__(self) -> int:
        return len(self._formulas)


# Every figure with its formula, for the pages and the definitions sheet.
FORMULAS = Formulas(
    {
        "borrowing_rate": (_("借书率"), _("本期借过至少一册的学生数 ÷ 学生数 × 100%")),
        "loans_per_student": (_("生均借阅量"), _("本期学生借阅册次 ÷ 学生数")),
        "loans_per_teacher": (_("师均借阅量"), _("本期教师借阅册次 ÷ 教师数")),
        "circulation_rate": (_("藏书流通率"), _("本期借出过的不同册数 ÷ 可外借册数 × 100%")),
        "turnover": (_("藏书周转次数"), _("本期借阅册次 ÷ 可外借册数")),
        "card_coverage": (_("借书证覆盖率"), _("持有效借书证的学生数 ÷ 学生数 × 100%")),
        "books_per_student": (_("生均藏书"), _("期末馆藏图书册数 ÷ 学生数")),
        "new_books_per_student": (_("年生均新增图书"), _("本年入藏图书册数 ÷ 学生数")),
        "overdue_rate": (_("逾期率"), _("逾期归还或逾期未还的册次 ÷ 本期借阅册次 × 100%")),
    }
)
FORMULAS_READERS = (
    _("借书率"),
    _("本期借过至少一册的读者数（学生和教师）÷ 读者数 × 100%"),
)


# -- periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # term, school_year, month, week, custom
    start: dt.date
    end: dt.date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


PERIOD_KINDS = ("term", "school_year", "month", "week", "custom")


def school_year_of(day: dt.date) -> int:
    """The school year a day falls in: it starts on 1 September (2026 = 2026—2027)."""
    return day.year if day.month >= 9 else day.year - 1


def period_for(
    kind: str,
    today: dt.date,
    *,
    terms: list[tuple[str, dt.date, dt.date]] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Period:
    """The period of a kind that holds `today`: the term on that day (else the last term
    that began before it; with no term at all, the half school year), the school year
    (1 September – 31 August), the month, the week (Monday – Sunday), or a custom span.
    Raises ValueError for an unknown kind or a custom span that ends before it starts."""
    if kind == "term":
        terms = sorted(terms, key=lambda t: t[1])
        current = [t for t in terms if t[1] <= today <= t[2]]
        past = [t for t in terms if t[1] <= today]
        chosen = (current or past or [None])[-1]
        if chosen is not None:
            return Period("term", chosen[1], chosen[2], chosen[0])
        year = school_year_of(today)
        if today.month >= 9 or today.month == 1:
            return Period(
                "term",
                dt.date(year, 9, 1),
                dt.date(year + 1, 1, 31),
                gettext("%(year)s学年第一学期") % {"year": year},
            )
        return Period(
            "term",
            dt.date(year + 1, 2, 1),
            dt.date(year + 1, 8, 31),
            gettext("%(year)s学年第二学期") % {"year": year},
        )
    if kind == "school_year":
        year = school_year_of(today)
        return Period(
            "school_year",
            dt.date(year, 9, 1),
            dt.date(year + 1, 8, 31),
            gettext("%(start)s—%(end)s学年") % {"start": year, "end": year + 1},
        )
    if kind == "month":
        last = stdlib_calendar.monthrange(today.year, today.month)[1]
        return Period(
            "month",
            today.replace(day=1),
            today.replace(day=last),
            gettext("%(year)s年%(month)s月") % {"year": today.year, "month": today.month},
        )
    if kind == "week":
        monday = today - dt.timedelta(days=today.weekday())
        sunday = monday + dt.timedelta(days=6)
        return Period("week", monday, sunday, f"{monday:%Y-%m-%d}—{sunday:%Y-%m-%d}")
    if kind == "custom":
        if start is None or end is None or end < start:
            raise ValueError("custom period")
        return Period("custom", start, end, f"{start:%Y-%m-%d}—{end:%Y-%m-%d}")
    raise ValueError(kind)


def previous_period(period: Period, terms: list[tuple[str, dt.date, dt.date]] = ()) -> Period:
    """The period before this one, for the trend: the previous term, school year, month
    or week; for a custom span, the span of the same length just before it."""
    before = period.start - dt.timedelta(days=1)
    if period.kind == "custom":
        return Period(
            "custom",
            period.start - dt.timedelta(days=period.days),
            before,
            f"{period.start - dt.timedelta(days=period.days):%Y-%m-%d}—{before:%Y-%m-%d}",
        )
    if period.kind == "term":
        earlier = [t for t in terms if t[2] < period.start]
        if earlier:
            chosen = max(earlier, key=lambda t: t[1])
            return Period("term", chosen[1], chosen[2], chosen[0])
    return period_for(period.kind, before, terms=[t for t in terms if t[2] < period.start])


# -- standards ---------------------------------------------------------------------------


def school_level(grades: set[int]) -> str:
    """The school's level from the grades it has (1—12): primary (1—6 only), junior (7—9
    only), senior (10—12 only), complete (junior and senior); a nine-year school
    (九年一贯制) is measured as junior. No classes: junior."""
    if not grades:
        return "junior"
    low, high = min(grades), max(grades)
    if high <= 6:
        return "primary"
    if low >= 10:
        return "senior"
    if high >= 10:
        return "complete"
    return "junior"


def clc_top(clc: str) -> str:
    """The CLC top class (A–Z) of a class number; "" for none or a malformed one."""
    first = (clc or "").strip()[:1].upper()
    return first if "A" <= first <= "Z" else ""


# The five major groups (五大部类) of the CLC's 22 classes.
MAJOR_GROUPS = (
    ("A", "马列毛邓", "A"),
    ("B", "哲学", "B"),
    ("C–K", "社会科学", "CDEFGHIJK"),
    ("N–X", "自然科学", "NOPQRSTUVX"),
    ("Z", "综合性图书", "Z"),
)


def major_group(top: str) -> str:
    for code, _name, letters in MAJOR_GROUPS:
        if top and top in letters:
            return code
    return ""
