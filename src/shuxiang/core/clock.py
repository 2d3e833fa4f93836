"""The one place the current time comes from, so tests can freeze it."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current aware time (frozen in tests with `frozen_at`)."""
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    """Today's date in the server's time zone (Asia/Shanghai by default)."""
    return timezone.localdate(now())


def day_bounds(
    time_zone: str, first: dt.date, last: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The days `first`..`last` (default: `first` alone) in a library's time zone, as
    aware datetimes [first 00:00, last + 1 00:00). Counting "today's loans" this way
    lets the database walk an index on the time column; a filter on the column's local
    date (`__date=`) runs a function on every row instead."""
    zone = zoneinfo.ZoneInfo(time_zone)
    last = last or first
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


@contextmanager
def frozen_at(moment: dt.datetime | dt.date) -> Iterator[None]:
    """Freeze `now()` and `today()`; a date freezes at 10:00 local time."""
    global _frozen
    if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(10, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
