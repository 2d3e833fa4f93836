"""Fixtures for circulation tests: a school with an opening calendar, a class, readers."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.core.models import CalendarDay, OpeningSlot, Term, Vacation

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


@pytest.fixture
def calendar_setup(library):
    """Open Monday to Friday at lunchtime; autumn term until 15 January, then winter."""
    for weekday in range(5):
        OpeningSlot.objects.create(
            library=library, weekday=weekday, opens=dt.time(12, 0), closes=dt.time(13, 30)
        )
    Term.objects.create(
        library=library, name="2026秋季学期", start=D("2026-09-01"), end=D("2027-01-15")
    )
    Term.objects.create(
        library=library, name="2027春季学期", start=D("2027-02-22"), end=D("2027-07-02")
    )
    Vacation.objects.create(
        library=library, name="寒假", start=D("2027-01-16"), end=D("2027-02-21")
    )
    Vacation.objects.create(
        library=library, name="暑假", start=D("2027-07-03"), end=D("2027-08-31")
    )
    CalendarDay.objects.create(library=library, date=D("2027-01-01"), kind="closed", note="元旦")
    return library


@pytest.fixture
def student(make_patron, school_class, calendar_setup):
    return make_patron(card="R200001", name="李小华", class_name=school_class.name)


@pytest.fixture
def teacher(make_patron, calendar_setup):
    return make_patron(card="R300001", name="王老师", category="teacher")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Password hashing at full strength costs half a second per login made; these
    tests make many logins and test no password security."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
