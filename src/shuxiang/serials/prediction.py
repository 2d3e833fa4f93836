"""Which issues of a periodical to expect, and when (pure: values in, dates out).

A title's publication pattern is its frequency, the months it skips (a school magazine's
summer break), the weekday a weekly comes out and the day of the month a monthly (or
bimonthly, quarterly) does. Issues are numbered twice, as Chinese periodicals print
them: within the year (2026年第3期, restarting every January) and by running total
(总第123期, continuing across years). The dates are publication dates; an issue counts
as late once `claim_after_days(frequency)` have passed without it arriving.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

DAILY = "daily"
WEEKLY = "weekly"
TEN_DAILY = "ten_daily"  # 旬刊: the 1st, 11th and 21st
SEMIMONTHLY = "semimonthly"  # 半月刊: the 1st and 16th
MONTHLY = "monthly"
BIMONTHLY = "bimonthly"  # 双月刊: odd months
QUARTERLY = "quarterly"  # 季刊: January, April, July, October
IRREGULAR = "irregular"  # 不定期: issues are added by hand as they come

FREQUENCIES = (
    DAILY,
    WEEKLY,
    TEN_DAILY,
    SEMIMONTHLY,
    MONTHLY,
    BIMONTHLY,
    QUARTERLY,
    IRREGULAR,
)

# Days after the publication date before an issue is listed for claiming (催缺): a
# daily that has not come in two days is late, a quarterly only after six weeks.
CLAIM_AFTER_DAYS = {
    DAILY: 2,
    WEEKLY: 7,
    TEN_DAILY: 7,
    SEMIMONTHLY: 10,
    MONTHLY: 15,
    BIMONTHLY: 30,
    QUARTERLY: 45,
    IRREGULAR: 30,
}


@dataclass(frozen=True, slots=True)
class Pattern:
    frequency: str
    skip_months: frozenset[int] = field(default_factory=frozenset)
    weekday: int = 0  # weekly: Monday 0 … Sunday 6
    day: int = 1  # monthly, bimonthly, quarterly: the day of the month (1–28)
    # daily: the weekdays it does not come out (many dailies skip the weekend: {5, 6})
    skip_weekdays: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Expected:
    year: int
    number: int  # within the year
    total: int | None  # running number, when the title's is known
    date: dt.date

    @property
    def label(self) -> str:
        return issue_label(self.year, self.number, self.total)


def issue_label(year: int, number: int, total: int | None = None) -> str:
    """ "2026年第3期", with "（总第123期）" when the running number is known."""
    text = _("%(year)s年第%(number)s期") % {"year": year, "number": number}
    if total is not None:
        text += _("（总第%(total)s期）") % {"total": total}
    return text


def pattern_problem(
    frequency: str,
    skip_months: Iterable[int] = (),
    weekday: int = 0,
    day: int = 1,
    skip_weekdays: Iterable[int] = (),
) -> str | None:
    """The code of what is wrong with a pattern, or None: invalid_frequency,
    invalid_skip_months (not 1–12, or every month), invalid_weekday (also a skipped
    weekday not 0–6, or all seven), invalid_day."""
    if frequency not in FREQUENCIES:
        return "invalid_frequency"
    months = list(skip_months)
    if any(not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12 for m in months):
        return "invalid_skip_months"
    if len(set(months)) == 12:
        return "invalid_skip_months"
    if not 0 <= weekday <= 6:
        return "invalid_weekday"
    days = list(skip_weekdays)
    if any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in days):
        return "invalid_weekday"
    if len(set(days)) == 7:
        return "invalid_weekday"
    if not 1 <= day <= 28:
        return "invalid_day"
    return None


def _dates(pattern: Pattern, year: int) -> list[dt.date]:
    """Every publication date of the year, before skipped months are taken out."""
    f = pattern.frequency
    if f == DAILY:
        first = dt.date(year, 1, 1)
        days = 366 if calendar.isleap(year) else 365
        every = (first + dt.timedelta(days=i) for i in range(days))
        return [d for d in every if d.weekday() not in pattern.skip_weekdays]
    if f == WEEKLY:
        first = dt.date(year, 1, 1)
        first += dt.timedelta(days=(pattern.weekday - first.weekday()) % 7)
        out = []
        while first.year == year:
            out.append(first)
            first += dt.timedelta(days=7)
        return out
    if f == TEN_DAILY:
        return [dt.date(year, m, d) for m in range(1, 13) for d in (1, 11, 21)]
    if f == SEMIMONTHLY:
        return [dt.date(year, m, d) for m in range(1, 13) for d in (1, 16)]
    months = {MONTHLY: range(1, 13), BIMONTHLY: range(1, 13, 2), QUARTERLY: range(1, 13, 3)}
    if f in months:
        return [dt.date(year, m, pattern.day) for m in months[f]]
    return []  # irregular


def year_issues(pattern: Pattern, year: int, *, total_start: int | None = None) -> list[Expected]:
    """The issues of one year, numbered from 1 (skipped months have none and take no
    number); `total_start` is the running number of the year's first issue."""
    dates = [d for d in _dates(pattern, year) if d.month not in pattern.skip_months]
    return [
        Expected(
            year=year,
            number=i + 1,
            total=None if total_start is None else total_start + i,
            date=d,
        )
        for i, d in enumerate(dates)
    ]


def next_total_start(pattern: Pattern, year: int, total_start: int | None) -> int | None:
    """The running number of the following year's first issue."""
    if total_start is None:
        return None
    return total_start + len(year_issues(pattern, year))


def issues_between(
    pattern: Pattern, first: dt.date, last: dt.date, *, total_start: int | None = None
) -> list[Expected]:
    """The issues published from `first` to `last` (inclusive), across years: the year's
    number restarts each January, the running number (from `total_start`, the number of
    the first issue in the range) goes on."""
    out: list[Expected] = []
    total = total_start
    for year in range(first.year, last.year + 1):
        for issue in year_issues(pattern, year):
            if first <= issue.date <= last:
                out.append(
                    Expected(year=issue.year, number=issue.number, total=total, date=issue.date)
                )
                total = None if total is None else total + 1
    return out


def claim_after_days(frequency: str) -> int:
    return CLAIM_AFTER_DAYS.get(frequency, 30)


def is_late(status: str, expected: dt.date | None, frequency: str, today: dt.date) -> bool:
    """An issue still expected whose claim period has passed. A claimed issue stays
    claimed (it was chased already) until it comes in."""
    if status != "expected" or expected is None:
        return False
    return today > expected + dt.timedelta(days=claim_after_days(frequency))


def shown_status(status: str, expected: dt.date | None, frequency: str, today: dt.date) -> str:
    """The status a list shows: the stored one, or "late" for a late expected issue."""
    return "late" if is_late(status, expected, frequency, today) else status
