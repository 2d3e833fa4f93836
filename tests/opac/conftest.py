"""A small school for the public pages: an opening calendar, readers with logins, and a
catalog made through the catalog's services (so the search index is kept as in
production). The same fixtures serve the SQLite and the PostgreSQL pass."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum import ean

from shuxiang.core import clock

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


def isbn13(body: str) -> str:
    return body + ean.calc_check_digit(body)


XIYOUJI_ISBN = isbn13("978702000220")


@pytest.fixture
def calendar(library):
    """Open Monday to Friday at lunchtime, in the autumn term."""
    from shuxiang.core.models import OpeningSlot, Term

    for weekday in range(5):
        OpeningSlot.objects.create(
            library=library, weekday=weekday, opens=dt.time(12, 0), closes=dt.time(13, 30)
        )
    Term.objects.create(
        library=library, name="2026秋季学期", start=D("2026-09-01"), end=D("2027-01-15")
    )
    return library


@pytest.fixture
def reading_room(library):
    from shuxiang.core.models import Location

    return Location.objects.get_or_create(
        library=library, code="reading", defaults={"name": "阅览室", "kind": "reading_room"}
    )[0]


@pytest.fixture
def add(actor, reading_room):
    """add(title, copies=1, on_shelf=None, location=None, call_number=None, **bib values)
    -> Bib: copies made through the catalog's services."""
    from shuxiang.catalog.services import bib_create, item_create

    counter = {"n": 0}

    def make(title, copies=1, location=None, call_number=None, **values):
        bib = bib_create(actor=actor, title=title, **values)
        for _ in range(copies):
            counter["n"] += 1
            item_create(
                actor=actor,
                bib_id=bib.pk,
                barcode=f"3{counter['n']:07d}",
                location_code=location,
                call_number=call_number,
            )
        return bib

    return make


@pytest.fixture
def corpus(add):
    b = {}
    b["xiyouji"] = add(
        "西游记", copies=3, authors=["吴承恩"], isbn=XIYOUJI_ISBN, clc="I242.4",
        publisher="人民文学出版社", year=2010, call_number="I242.4/1", location="stacks",
    )  # fmt: skip
    b["xiyou_story"] = add(
        "西游记故事", copies=2, authors=["张三"], clc="I287.7", year=2018, location="reading"
    )
    b["reading_xiyou"] = add("少年读西游记", copies=1, authors=["李四"], clc="I287.7", year=2021)
    b["sanguo"] = add(
        "三国演义", copies=1, authors=["罗贯中"], clc="I242.4", year=2009, call_number="I242.4/2"
    )
    b["wu_poems"] = add("射阳先生存稿", copies=1, authors=["吴承恩"], clc="I214.82", year=1990)
    b["math"] = add("小学数学思维训练", copies=1, authors=["周八"], clc="G624.5", year=2022)
    return b


@pytest.fixture
def reader(make_patron, make_user, school_class, calendar):
    patron = make_patron(card="R100001", name="张小明", class_name=school_class.name)
    patron.user = make_user("student", "zhangxiaoming")
    patron.save()
    return patron


@pytest.fixture
def other_reader(make_patron, make_user, school_class, calendar):
    patron = make_patron(card="R100002", name="王小红", class_name=school_class.name)
    patron.user = make_user("student", "wangxiaohong")
    patron.save()
    return patron


@pytest.fixture
def monday():
    with clock.frozen_at(dt.datetime(2026, 11, 2, 12, 30)):
        yield MONDAY
