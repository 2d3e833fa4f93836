"""Catalog maintenance, pure: which titles look like duplicates, and which new call
numbers a reclassification gives (tables, no database)."""

from __future__ import annotations

import pytest

from shuxiang.catalog.maintenance import merge
from shuxiang.catalog.maintenance import reclassify as rc
from shuxiang.catalog.maintenance.merge import BibFacts


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("《哈利·波特与魔法石》", "哈利波特与魔法石", True),
        ("三國演義", "三国演义", True),
        ("ＡＢＣ 英语", "abc英语", True),
        ("西游记 上", "西游记 下", False),
        ("哈利波特 1", "哈利波特 2", False),
    ],
)
def test_title_key(a, b, same):
    assert (merge.title_key(a) == merge.title_key(b)) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("曹文轩 著", "曹文轩", True), ("王力主编", "王力", True), ("鲁迅", "周作人", False)],
)
def test_author_key(a, b, same):
    assert (merge.author_key(a) == merge.author_key(b)) is same


GROUP_CASES = [
    # (titles, expected groups as (ids, reasons, doubts))
    (
        [
            BibFacts(1, "草房子", "曹文轩 著", ("9787530211809",), 2003),
            BibFacts(2, "《草房子》", "曹文轩", ("9787530211809",), 2003),
            BibFacts(3, "青铜葵花", "曹文轩"),
        ],
        [((1, 2), ("isbn", "title"), ())],
    ),
    (  # a set's ISBN shared by two volumes: found, but doubtful
        [
            BibFacts(1, "中国通史 上", "", ("9787000000001",)),
            BibFacts(2, "中国通史 下", "", ("9787000000001",)),
        ],
        [((1, 2), ("isbn",), ("titles_differ",))],
    ),
    (  # same title and author, different ISBNs and years: two editions, doubtful
        [
            BibFacts(5, "骆驼祥子", "老舍", ("9787020000001",), 2000, "人民文学出版社"),
            BibFacts(9, "骆驼祥子", "老舍", ("9787530000002",), 2010, "北京十月文艺出版社"),
        ],
        [((5, 9), ("title",), ("isbns_differ", "years_differ", "publishers_differ"))],
    ),
    (  # a migration's copy without ISBN meets the record with one
        [BibFacts(7, "朝花夕拾", "鲁迅", ("9787020000003",)), BibFacts(8, "朝花夕拾", "鲁迅 著")],
        [((7, 8), ("title",), ())],
    ),
    (  # three by title, two of them also by ISBN: two groups, the clean one first
        [
            BibFacts(1, "童年", "高尔基", (), 2001),
            BibFacts(2, "童年", "高尔基", (), 2005),
            BibFacts(3, "Childhood", "Gorky", ("9787000000009",)),
            BibFacts(4, "Childhood", "Gorky", ("9787000000009",)),
        ],
        [((3, 4), ("isbn", "title"), ()), ((1, 2), ("title",), ("years_differ",))],
    ),
    ([BibFacts(1, "无名", ""), BibFacts(2, "无名", "")], [((1, 2), ("title",), ("no_author",))]),
    ([BibFacts(1, "一本书", "甲"), BibFacts(2, "另一本书", "甲")], []),
]


@pytest.mark.parametrize(("bibs", "expected"), GROUP_CASES)
def test_candidate_groups(bibs, expected):
    groups = merge.candidate_groups(bibs)
    assert [(g.bib_ids, g.reasons, g.doubts) for g in groups] == expected


def test_doubtful_matches_of_an_import_join_the_candidates():
    bibs = [BibFacts(1, "小王子", "圣埃克苏佩里"), BibFacts(2, "小王子（插图本）", "圣-埃克苏佩里")]
    assert merge.candidate_groups(bibs) == []
    (group,) = merge.candidate_groups(bibs, imported=[(2, 1), (2, 99)])
    assert group.bib_ids == (1, 2) and group.reasons == ("import",)


T = rc.TitleCalls


PLAN_CASES = [
    (  # two titles of TP3 move to TP31: next free 种次号 there, in their old shelf order
        [T(1, "B", "TP3", (("", "TP3/11"),)), T(2, "A", "TP3", (("", "TP3/2"),))],
        {1: "TP31", 2: "TP31"},
        ["TP31/1", "TP31/7", "TP3/2", "TP3/11"],
        {1: [("", "TP3/11", "TP31/9")], 2: [("", "TP3/2", "TP31/8")]},
    ),
    (  # volumes keep their suffix; one 种次号 for the title
        [T(1, "西游记", "I242.4", (("", "I242.4/3"), ("2", "I242.4/3:2")))],
        {1: "I242.43"},
        [],
        {1: [("", "I242.4/3", "I242.43/1"), ("2", "I242.4/3:2", "I242.43/1:2")]},
    ),
    (  # an author mark is kept, with a digit when the new class has it already
        [T(1, "a", "K825", (("", "K825/LX"),)), T(2, "b", "K825", (("", "K825/WL"),))],
        {1: "K825.6", 2: "K825.6"},
        ["K825.6/LX"],
        {1: [("", "K825/LX", "K825.6/LX2")], 2: [("", "K825/WL", "K825.6/WL")]},
    ),
    (  # a title without a call number gets one; one already in the class keeps its own
        [T(1, "x", "", ()), T(2, "y", "TP31", (("", "TP31/4"),))],
        {1: "TP31", 2: "TP31"},
        ["TP31/4"],
        {1: [("", "", "TP31/5")], 2: [("", "TP31/4", "TP31/4")]},
    ),
    (  # a title that moves out frees nothing: its old number is never handed on
        [T(1, "x", "TP31", (("", "TP31/9"),)), T(2, "y", "TP32", (("", "TP32/1"),))],
        {1: "TP32", 2: "TP31"},
        ["TP31/9", "TP32/1"],
        {1: [("", "TP31/9", "TP32/2")], 2: [("", "TP32/1", "TP31/10")]},
    ),
]


@pytest.mark.parametrize(("titles", "classes", "taken", "expected"), PLAN_CASES)
def test_plan(titles, classes, taken, expected):
    moves = rc.plan(titles, classes, taken)
    got = {m.bib_id: [(c.volume, c.old, c.new) for c in m.calls] for m in moves}
    assert got == expected
    new_values = [c.new for m in moves for c in m.calls if c.new != c.old]
    assert len(new_values) == len(set(new_values))
    assert not set(new_values) & set(taken)


@pytest.mark.parametrize(
    ("old", "new_class", "expected"),
    [
        ("I247.5", "I287.45", "I287.45"),
        ("I247.5;K825", "I287.45", "I287.45;K825"),
        ("", "TP3", "TP3"),
    ],
)
def test_replace_class(old, new_class, expected):
    assert rc.replace_class(old, new_class) == expected


@pytest.mark.parametrize(
    ("cls", "low", "high", "inside"),
    [
        ("TP311.1", "TP3", "TP3", True),
        ("TP393", "TP3", "TP3", True),
        ("TP4", "TP3", "TP3", False),
        ("TP2", "TP3", "TP3", False),
        ("I247.5", "I2", "I3", True),
        ("I313", "I2", "I3", True),
        ("I4", "I2", "I3", False),
        ("A11", "", "A2", True),
        ("", "A", "Z", False),
    ],
)
def test_in_class_range(cls, low, high, inside):
    assert rc.in_class_range(cls, low, high) is inside
