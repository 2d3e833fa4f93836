"""The opening calendar as plain values: which dates the library is open.

Pure Python (no ORM): the circulation rules place due dates and count overdue days with
it, and selectors build it from the database (weekly opening slots, closed days, make-up
open days (调休), vacations (寒假/暑假) and terms (学期)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)
# A school with no weekly slots entered yet is taken to open on school days.
SCHOOL_DAYS = frozenset({0, 1, 2, 3, 4})
# How far the calendar searches for an open day before giving up (a misconfigured
# calendar with no open day at all must not loop forever).
SEARCH_LIMIT = 800


@dataclass(frozen=True, slots=True)
class Period:
    """A named span of dates, both ends included (a vacation or a term)."""

    name: str
    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class OpeningCalendar:
    """open_weekdays: 0 = Monday … 6 = Sunday. closed_dates: public holidays and other
    closed days. open_dates: make-up days (调休) that open although the weekday or a
    holiday says otherwise. vacations: closed spans. terms: the school terms."""

    open_weekdays: frozenset[int] = SCHOOL_DAYS
    closed_dates: frozenset[dt.date] = frozenset()
    open_dates: frozenset[dt.date] = frozenset()
    vacations: tuple[Period, ...] = ()
    terms: tuple[Period, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        slot_weekdays: set[int] | frozenset[int] | list[int] = (),
        closed_dates: set[dt.date] | list[dt.date] = (),
        open_dates: set[dt.date] | list[dt.date] = (),
        vacations: list[Period] | tuple[Period, ...] = (),
        terms: list[Period] | tuple[Period, ...] = (),
    ) -> OpeningCalendar:
        """A calendar from the library's settings; no weekly slots at all means the
        library opens Monday to Friday."""
        weekdays = frozenset(slot_weekdays) or SCHOOL_DAYS
        return cls(
            open_weekdays=weekdays,
            closed_dates=frozenset(closed_dates),
            open_dates=frozenset(open_dates),
            vacations=tuple(sorted(vacations, key=lambda p: p.start)),
            terms=tuple(sorted(terms, key=lambda p: p.start)),
        )

    # --- single days ---------------------------------------------------------------

    def vacation_on(self, day: dt.date) -> Period | None:
        for vacation in self.vacations:
            if day in vacation:
                return vacation
        return None

    def is_open(self, day: dt.date) -> bool:
        """Open on this date? A make-up day (调休) opens even on a weekend; vacations and
        closed dates close; otherwise the weekly pattern decides."""
        if day in self.open_dates:
            return True
        if day in self.closed_dates or self.vacation_on(day) is not None:
            return False
        return day.weekday() in self.open_weekdays

    def next_open(self, day: dt.date) -> dt.date:
        """The first open day on or after `day` (`day` itself if no open day is found)."""
        probe = day
        for _ in range(SEARCH_LIMIT):
            if self.is_open(probe):
                return probe
            probe += ONE_DAY
        return day

    def previous_open(self, day: dt.date) -> dt.date | None:
        """The last open day on or before `day`, or None."""
        probe = day
        for _ in range(SEARCH_LIMIT):
            if self.is_open(probe):
                return probe
            probe -= ONE_DAY
        return None

    def open_days_after(self, start: dt.date, end: dt.date) -> int:
        """How many open days lie in (start, end]: the days after `start` up to and
        including `end` on which the library was open."""
        if end <= start:
            return 0
        count = 0
        probe = start + ONE_DAY
        while probe <= end:
            if self.is_open(probe):
                count += 1
            probe += ONE_DAY
        return count

    # --- spans ---------------------------------------------------------------------

    def next_vacation(self, day: dt.date) -> Period | None:
        """The first vacation that starts after `day`."""
        for vacation in self.vacations:
            if vacation.start > day:
                return vacation
        return None

    def term_on(self, day: dt.date) -> Period | None:
        """The term that `day` falls in, else the next term to start (between terms)."""
        for term in self.terms:
            if day in term:
                return term
        for term in self.terms:
            if term.start > day:
                return term
        return None

    def school_year_end(self, day: dt.date) -> dt.date | None:
        """The end of the last term of the school year `day` belongs to (a school year
        runs from 1 September to 31 August): the leaving date of a graduating grade."""
        year_start = dt.date(day.year if day.month >= 9 else day.year - 1, 9, 1)
        year_end = dt.date(year_start.year + 1, 8, 31)
        ends = [t.end for t in self.terms if year_start <= t.end <= year_end]
        return max(ends) if ends else None
