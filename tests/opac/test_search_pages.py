"""The public search through HTTP: what a twelve-year-old types finds 《西游记》 first, with
its shelf and whether a copy is in; facets, filter chips, paging, the suggestion list;
bad addresses answer 400 with a message, never 500. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from .conftest import XIYOUJI_ISBN


def hits(html: str) -> list[str]:
    """The titles of the results, in order."""
    block = html.split('data-test="hits"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<h3><a href="/record/\d+/">([^<]+)</a></h3>', block)


def first_hit(html: str) -> str:
    block = html.split('data-test="hits"', 1)[1]
    return block.split('<li class="hit">', 2)[1]


@pytest.mark.parametrize(
    "typed", ["xyj", "西游", "西遊記", "xiyouji", XIYOUJI_ISBN, "702000220X", "978-7-02-000220-7"]
)
def test_a_child_finds_journey_to_the_west_first(client, corpus, typed):
    response = client.get("/search/", {"q": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert hits(html)[0] == "西游记", typed
    first = first_hit(html)
    assert "I242.4/1" in first  # the call number on the spine
    assert "书库" in first  # where the copies stand
    assert "在架 3 册，共 3 册" in first
    assert "吴承恩" in first and "人民文学出版社" in first and "2010" in first


def test_a_title_with_no_copy_in_says_so(client, corpus, actor):
    from shuxiang.catalog.services import item_status_set

    for item in corpus["reading_xiyou"].items.all():
        item_status_set(item_id=item.pk, status="on_loan")
    html = client.get("/search/", {"q": "少年读西游记"}).content.decode()
    assert hits(html)[0] == "少年读西游记"
    assert "暂无在架，共 1 册" in first_hit(html)


def test_several_locations_are_listed(client, corpus, add):
    add("西游记", copies=1, location="reading", authors=["吴承恩"], year=2019)
    html = client.get("/search/", {"q": "西游记", "field": "title"}).content.decode()
    assert "书库" in html and "阅览室" in html


def test_field_select_and_no_results(client, corpus):
    html = client.get("/search/", {"q": "吴承恩", "field": "author"}).content.decode()
    assert set(hits(html)) == {"西游记", "射阳先生存稿"}
    assert '<option value="author" selected>' in html
    response = client.get("/search/", {"q": "哈利波特"})
    assert response.status_code == 200
    assert "没有找到与“哈利波特”相符的图书。" in response.content.decode()


def test_facets_are_links_that_add_a_filter_and_chips_remove_it(client, corpus):
    html = client.get("/search/", {"q": "西游"}).content.decode()
    assert "找到 3 种图书" in html
    # The location facet: 书库 (西游记) and 阅览室 (西游记故事).
    link = re.search(r'<a href="/search/\?q=%E8%A5%BF%E6%B8%B8&amp;loc=(\d+)">阅览室</a>', html)
    assert link, html
    narrowed = client.get("/search/", {"q": "西游", "loc": link.group(1)})
    assert narrowed.status_code == 200
    page = narrowed.content.decode()
    assert hits(page) == ["西游记故事"]
    assert 'data-test="chips"' in page and "馆藏地点：阅览室" in page
    assert 'href="/search/?q=%E8%A5%BF%E6%B8%B8"' in page  # the chip takes it away
    by_year = client.get("/search/", {"q": "西游", "year": "2018"}).content.decode()
    assert hits(by_year) == ["西游记故事"] and "2018 年出版" in by_year
    # A facet with one value narrows nothing and is left out (all three are class I).
    assert "clc=I" not in html
    shelf = client.get("/search/", {"avail": "1"}).content.decode()
    assert '<a href="/search/?clc=G&amp;avail=1">' in shelf
    assert '<a href="/search/?clc=I&amp;avail=1">' in shelf


def test_a_filter_alone_lists_the_class(client, corpus):
    html = client.get("/search/", {"clc": "G"}).content.decode()
    assert hits(html) == ["小学数学思维训练"]


def test_paging(client, add):
    for n in range(45):
        add(f"童话故事第{n + 1}集", copies=1, year=2000 + n % 20)
    first = client.get("/search/", {"q": "童话故事"}).content.decode()
    assert "找到 45 种图书" in first and "显示第 1–20 种" in first
    assert len(hits(first)) == 20
    assert 'href="/search/?q=%E7%AB%A5%E8%AF%9D%E6%95%85%E4%BA%8B&amp;page=2" rel="next"' in first
    third = client.get("/search/", {"q": "童话故事", "page": "3"}).content.decode()
    assert len(hits(third)) == 5 and "显示第 41–45 种" in third
    assert 'aria-current="page" class="current">3<' in third
    seen = (
        set(hits(first))
        | set(hits(client.get("/search/", {"q": "童话故事", "page": "2"}).content.decode()))
        | set(hits(third))
    )
    assert len(seen) == 45  # every title once over the three pages
    beyond = client.get("/search/", {"q": "童话故事", "page": "50"})
    assert beyond.status_code == 200
    assert "第 50 页没有结果：共 3 页。" in beyond.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": "abc"}, "页码应为 1 到 10000 之间的整数：abc"),
        ({"page": "99999999999999999999999999"}, "页码应为 1 到 10000 之间的整数"),
        ({"page": "-1"}, "页码应为 1 到 10000 之间的整数：-1"),
        ({"clc": "W"}, "中图法大类应为 22 个大类字母之一：W"),
        ({"clc": "<script>"}, "中图法大类应为 22 个大类字母之一：&lt;SCRIPT&gt;"),
        ({"type": "dvd"}, "未知的资料类型：dvd"),
        ({"loc": "999999999"}, "没有这个馆藏地点：999999999"),
        ({"loc": "abc"}, "没有这个馆藏地点：abc"),
        ({"year": "二〇一〇"}, "出版年应为 1000 到 2100 之间的年份"),
        ({"avail": "maybe"}, "在架筛选应为 1 或 0：maybe"),
        ({"field": "barcode"}, "未知的检索字段：barcode"),
    ],
)
def test_bad_addresses_answer_400_with_a_message_and_the_rest(client, corpus, query, message):
    response = client.get("/search/", {"q": "西游记", **query})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert hits(html)[0] == "西游记"  # the search still ran without the bad value


def test_a_huge_page_within_range_and_odd_text(client, corpus):
    assert client.get("/search/", {"q": "西游记", "page": "10000"}).status_code == 200
    for typed in ["%", "_", "'", '"', "\\", "*", "(", "OR 1=1", "\x00", "西" * 300, "   "]:
        assert client.get("/search/", {"q": typed}).status_code in (200, 400), typed


def test_suggestions_for_the_box(client, corpus):
    response = client.get("/suggest.json", {"q": "xyj"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    words = response.json()
    assert words[0] == "西游记"
    assert client.get("/suggest.json", {"q": "西游"}).json()[0] == "西游记"
    assert client.get("/suggest.json").json() == []
    assert client.get("/suggest.json", {"q": "   "}).json() == []
    assert client.get("/suggest.json", {"q": "x" * 5000}).status_code == 200
    assert client.post("/suggest.json", {"q": "xyj"}).status_code == 405


def test_the_home_page_has_the_box_with_suggestions(client, corpus):
    html = client.get("/").content.decode()
    assert 'role="combobox"' in html and 'aria-controls="q-suggestions"' in html
    assert 'data-suggest-url="/suggest.json"' in html
    assert '<script src="/static/opac/suggest.js" defer></script>' in html
    assert "<script>" not in html and " onclick=" not in html
    # New arrivals link to their records.
    assert f'href="/record/{corpus["math"].pk}/"' in html


def test_a_withdrawn_title_is_not_found_by_readers(client, add):
    from shuxiang.catalog.services import item_status_set

    gone = add("西游记连环画", copies=1)
    for item in gone.items.all():
        item_status_set(item_id=item.pk, status="withdrawn")
    html = client.get("/search/", {"q": "西游记连环画"}).content.decode()
    assert "西游记连环画</a>" not in html
