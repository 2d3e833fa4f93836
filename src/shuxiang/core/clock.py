"""The one place the current time comes from, so tests can freeze it."""

from __future__ import annotations

import datetime as dt
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
