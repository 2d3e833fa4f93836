"""The search page's address, read and written: tables, no database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shuxiang.opac import search_params as sp

MAIN = "ABCDEFGHIJKNOPQRSTUVXZ"
TYPES = ("book", "periodical", "audio_visual", "e_resource")


def parse(**query):
    return sp.parse(query, main_classes=MAIN, material_types=TYPES, location_ids={7, 8})


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ({}, {}),
        ({"q": "  西游   记 "}, {"q": "西游 记"}),
        ({"q": "x" * 500}, {"q": "x" * 200}),
        ({"field": "author"}, {"field": "author"}),
        ({"clc": "i"}, {"clc": "I"}),
        ({"type": "periodical"}, {"type": "periodical"}),
        ({"year": "2010"}, {"year": "2010"}),
        ({"year_from": "2020", "year_to": "2010"}, {"year_from": "2010", "year_to": "2020"}),
        ({"loc": "7"}, {"loc": "7"}),
        ({"avail": "1"}, {"avail": "1"}),
        ({"avail": "0"}, {"avail": "0"}),
        ({"page": "3"}, {"page": "3"}),
        ({"page": "1"}, {}),
    ],
)
def test_good_values_are_kept(query, wanted):
    found = parse(**query)
    assert found.problems == []
    assert found.params == wanted


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"field": "barcode"}, "未知的检索字段：barcode"),
        ({"clc": "W"}, "中图法大类应为 22 个大类字母之一：W"),
        ({"clc": "I24"}, "中图法大类应为 22 个大类字母之一：I24"),
        ({"type": "vinyl"}, "未知的资料类型：vinyl"),
        ({"year": "abc"}, "出版年应为 1000 到 2100 之间的年份：abc"),
        ({"year_to": "99999"}, "出版年应为 1000 到 2100 之间的年份：99999"),
        ({"loc": "9"}, "没有这个馆藏地点：9"),
        ({"loc": "-1"}, "没有这个馆藏地点：-1"),
        ({"loc": "9" * 30}, "没有这个馆藏地点：" + "9" * 30),
        ({"avail": "yes"}, "在架筛选应为 1 或 0：yes"),
        ({"page": "abc"}, "页码应为 1 到 10000 之间的整数：abc"),
        ({"page": "0"}, "页码应为 1 到 10000 之间的整数：0"),
        ({"page": "-2"}, "页码应为 1 到 10000 之间的整数：-2"),
        (
            {"page": "99999999999999999999999"},
            "页码应为 1 到 10000 之间的整数：99999999999999999999999",
        ),
        ({"page": "1e3"}, "页码应为 1 到 10000 之间的整数：1e3"),
    ],
)
def test_a_bad_value_is_named_and_dropped(query, problem):
    found = parse(q="西游记", **query)
    assert found.problems == [problem]
    assert found.params == {"q": "西游记"}
    assert found.page == 1


def test_filters_for_the_engine():
    found = parse(q="x", clc="I", type="book", year="2010", loc="8", avail="1")
    f = found.filters
    assert (f.clc_top, f.material_type, f.year_from, f.year_to) == ("I", "book", 2010, 2010)
    assert (f.location_id, f.available) == (8, True)
    assert found.has_filters
    assert not parse(q="x", field="title").has_filters


@pytest.mark.parametrize(
    ("params", "changes", "address"),
    [
        ({"q": "西游", "page": "3"}, {"clc": "I"}, "?q=%E8%A5%BF%E6%B8%B8&clc=I"),
        ({"q": "x", "clc": "I", "page": "2"}, {"clc": None}, "?q=x"),
        ({"q": "x", "page": "2"}, {"page": "3"}, "?q=x&page=3"),
        ({"q": "x", "avail": "1"}, {"type": "book"}, "?q=x&type=book&avail=1"),
        ({}, {}, "?"),
    ],
)
def test_addresses(params, changes, address):
    assert sp.address(params, **changes) == address


@pytest.mark.parametrize(
    ("total", "last"), [(0, 1), (1, 1), (20, 1), (21, 2), (10_000, 500), (1_000_000, 500)]
)
def test_last_page(total, last):
    assert sp.last_page(total) == last


@pytest.mark.parametrize(
    ("page", "last", "shown"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (5, 20, [1, None, 3, 4, 5, 6, 7, None, 20]),
        (1, 20, [1, 2, 3, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
        (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),
    ],
)
def test_pages_around(page, last, shown):
    assert sp.pages_around(page, last) == shown


@dataclass
class Value:
    value: str
    label: str
    count: int
    capped: bool = False


def test_facets_become_links_that_add_their_filter():
    facets = {
        "clc": [Value("I", "文学", 12), Value("", "未分类", 2)],
        "available": [Value("1", "在架可借", 9, capped=True)],
        "year": [Value("2010", "2010", 3), Value("2018", "2018", 1)],
        "location": [Value("7", "书库", 4)],
    }
    groups = {g.name: g for g in sp.facet_groups(facets, {"q": "x", "year": "2010", "page": "2"})}
    # One value alone narrows nothing: left out (location, available).
    assert set(groups) == {"clc", "year"}
    clc = groups["clc"].links
    assert (clc[0].label, clc[0].count, clc[0].url) == ("文学", "12", "?q=x&clc=I&year=2010")
    assert clc[1].url == ""  # titles without a class cannot be chosen
    year = groups["year"].links
    assert year[0].active and year[0].url == ""
    assert year[1].url == "?q=x&year=2018"
    capped = sp.facet_groups({"available": [Value("1", "在架", 9, True), Value("0", "无", 1)]}, {})
    assert capped[0].links[0].count == "9+"


def test_chips_remove_one_filter_each():
    found = parse(q="x", clc="I", loc="7", avail="0", year_from="2000")
    chips = sp.chips(
        found,
        clc_caption=lambda c: "文学",
        material_labels={},
        location_labels={7: "书库"},
    )
    assert [(c.label, c.url) for c in chips] == [
        ("I 文学", "?q=x&year_from=2000&loc=7&avail=0"),
        ("2000 年及以后出版", "?q=x&clc=I&loc=7&avail=0"),
        ("馆藏地点：书库", "?q=x&clc=I&year_from=2000&avail=0"),
        ("暂无在架", "?q=x&clc=I&year_from=2000&loc=7"),
    ]
