"""A small catalog built through the catalog's services (so the index is kept by the
same hooks as in production), shared by the engine tests on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from stdnum import ean


def isbn13(body: str) -> str:
    """A valid ISBN-13 from its first 12 digits."""
    return body + ean.calc_check_digit(body)


XIYOUJI_ISBN = isbn13("978702000220")


@pytest.fixture
def add(actor):
    """add(title, copies=1, on_loan=0, withdrawn=0, **bib values) -> Bib."""
    from shuxiang.catalog.services import bib_create, item_create, item_status_set

    counter = {"n": 0}

    def make(title, copies=1, on_loan=0, withdrawn=0, location=None, **values):
        bib = bib_create(actor=actor, title=title, **values)
        for i in range(copies):
            counter["n"] += 1
            item = item_create(
                actor=actor,
                bib_id=bib.pk,
                barcode=f"T{counter['n']:07d}",
                location_code=location,
            )
            if i < on_loan:
                item_status_set(item_id=item.pk, status="on_loan")
            elif i < on_loan + withdrawn:
                item_status_set(item_id=item.pk, status="withdrawn")
        return bib

    return make


@pytest.fixture
def corpus(add, library):
    """The titles the tests search, by a short name."""
    from shuxiang.core.models import Location

    Location.objects.get_or_create(library=library, code="reading", defaults={"name": "阅览室"})
    b = {}
    b["xiyouji"] = add(
        "西游记",
        copies=3,
        authors=["吴承恩"],
        isbn=XIYOUJI_ISBN,
        clc="I242.4",
        publisher="人民文学出版社",
        year=2010,
        subjects=["神话小说"],
        series="中国古典文学名著",
    )
    b["xuyuanjing"] = add("许愿井", copies=1, authors=["王小明"], clc="I287.5", year=2020)
    b["xiyou_story"] = add("西游记故事", copies=2, authors=["张三"], clc="I287.7", year=2018)
    b["reading_xiyou"] = add(
        "少年读西游记", copies=1, on_loan=1, authors=["李四"], clc="I287.7", year=2021
    )
    b["zeng"] = add(
        "曾国藩家书",
        copies=1,
        authors=["曾国藩"],
        clc="K827",
        year=2015,
        isbn=isbn13("978750000001"),
    )
    b["chongqing"] = add("重庆的故事", copies=1, authors=["赵六"], clc="K927.19", year=2019)
    b["changcheng"] = add(
        "长城",
        copies=1,
        authors=["孙七"],
        clc="K928.77",
        year=2012,
        material_type="audio_visual",
        location="reading",
    )
    b["harry"] = add("哈利·波特与魔法石", copies=2, authors=["J.K.罗琳"], clc="I561.84", year=2000)
    b["harry_en"] = add(
        "Harry Potter and the Philosopher's Stone",
        copies=1,
        authors=["J. K. Rowling"],
        clc="I561.84",
        year=1997,
    )
    b["luxun"] = add(
        "朝花夕拾", copies=2, authors=["鲁迅"], clc="I210.4", year=2006, subjects=["散文集"]
    )
    b["about_luxun"] = add("回忆鲁迅", copies=1, authors=["萧红"], clc="I266", year=2011)
    b["weeded"] = add(
        "西游记连环画", copies=1, withdrawn=1, authors=["佚名"], clc="J228.4", year=1985
    )
    b["math"] = add(
        "小学数学思维训练",
        copies=1,
        authors=["周八"],
        clc="G624.5",
        year=2022,
        series="思维训练丛书",
    )
    return b
