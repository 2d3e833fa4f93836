"""The engine on a real database: these tests run on SQLite (FTS5) and again on
PostgreSQL (GIN) in the PostgreSQL pass, and must give the same results on both."""

from __future__ import annotations

import pytest

from shuxiang.core.errors import Invalid
from shuxiang.search import engine
from shuxiang.search.engine import And, Filters, Not, Or, Term

from .conftest import XIYOUJI_ISBN


def titles(page):
    return [h.title for h in page.hits]


@pytest.mark.parametrize(
    "typed",
    [
        "xyj",
        "西游",
        "西遊記",
        "xiyouji",
        "西游记",
        XIYOUJI_ISBN,
        "978-7-02-000220-7",
        "702000220X",
        "ＸＹＪ",
        "XiYouJi",
    ],
)
def test_a_child_finds_journey_to_the_west_first(corpus, library, typed):
    page = engine.search(library, typed)
    assert page.hits, typed
    first = page.hits[0]
    assert first.title == "西游记"
    assert first.call_number == ""  # copies made without a call number
    assert (first.available, first.copies) == (3, 3)
    assert first.authors == ["吴承恩"]


def test_ranking_exact_then_prefix_then_title_then_the_rest(corpus, library):
    # exact title, then titles starting with it, then title matches (the one on loan
    # after), then a match elsewhere would come last.
    assert titles(engine.search(library, "西游记")) == ["西游记", "西游记故事", "少年读西游记"]


def test_available_copies_come_before_unavailable_on_ties(add, library):
    lent = add("海底两万里", copies=1, on_loan=1)
    shelf = add("海底两万里", copies=1)
    assert [h.bib_id for h in engine.search(library, "海底两万里").hits] == [shelf.pk, lent.pk]
    # in a run ordered newest first, the older title on the shelf still comes first
    old = add("神奇的海底世界", copies=1)
    new = add("奇妙的海底探险", copies=1, on_loan=1)
    ids = [h.bib_id for h in engine.search(library, "海底").hits]
    assert ids.index(old.pk) < ids.index(new.pk)


def test_title_before_author_before_subject(add, library):
    subject = add("散文选", subjects=["鲁迅研究"])
    author = add("野草", authors=["鲁迅"])
    title = add("鲁迅传")
    ids = [h.bib_id for h in engine.search(library, "鲁迅").hits]
    assert ids == [title.pk, author.pk, subject.pk]


@pytest.mark.parametrize(
    "typed, title",
    [
        ("zgf", "曾国藩家书"),
        ("zengguofan", "曾国藩家书"),
        ("chongqing", "重庆的故事"),
        ("changcheng", "长城"),
        ("I24", "西游记"),
        ("I242.4", "西游记"),
        ("i242.4", "西游记"),
        ("harry potter", "Harry Potter and the Philosopher's Stone"),
        ("HARRY", "Harry Potter and the Philosopher's Stone"),
        ("哈利", "哈利·波特与魔法石"),
    ],
)
def test_words_pinyin_and_class_numbers(corpus, library, typed, title):
    assert titles(engine.search(library, typed))[0] == title


def test_one_character_query(corpus, library):
    found = titles(engine.search(library, "游"))
    assert set(found) == {"西游记", "西游记故事", "少年读西游记"}


@pytest.mark.parametrize(
    "field, text, expected",
    [
        ("author", "鲁迅", {"朝花夕拾"}),
        ("title", "鲁迅", {"回忆鲁迅"}),
        ("anywhere", "鲁迅", {"朝花夕拾", "回忆鲁迅"}),
        ("subject", "散文", {"朝花夕拾"}),
        ("series", "思维训练", {"小学数学思维训练"}),
        ("series", "swxl", {"小学数学思维训练"}),
        ("publisher", "人民文学", {"西游记"}),
        ("clc", "I242.4", {"西游记"}),
        ("isbn", XIYOUJI_ISBN, {"西游记"}),
        ("clc", "I2", {"西游记", "许愿井", "西游记故事", "少年读西游记", "朝花夕拾", "回忆鲁迅"}),
        ("clc", "K82", {"曾国藩家书"}),
        ("author", "wce", {"西游记"}),
    ],
)
def test_fields(corpus, library, field, text, expected):
    assert set(titles(engine.search(library, text, field=field))) == expected


def test_query_trees(corpus, library):
    assert set(titles(engine.search(library, Term("title", "西游记", exact=True)))) == {"西游记"}
    assert set(titles(engine.search(library, Term("author", "吴承恩", exact=True)))) == {"西游记"}
    assert titles(engine.search(library, Term("author", "吴承", exact=True))) == []
    both = And((Term("title", "西游"), Term("author", "张三")))
    assert titles(engine.search(library, both)) == ["西游记故事"]
    either = Or((Term("author", "鲁迅"), Term("author", "萧红")))
    assert set(titles(engine.search(library, either))) == {"朝花夕拾", "回忆鲁迅"}
    without = Not(Term("title", "西游"), Term("author", "李四"))
    assert set(titles(engine.search(library, without))) == {"西游记", "西游记故事"}


def test_withdrawn_titles_are_for_staff_only(corpus, library):
    assert "西游记连环画" not in titles(engine.search(library, "西游记"))
    staff = engine.search(library, "西游记连环画", staff=True)
    assert titles(staff) == ["西游记连环画"]
    assert (staff.hits[0].available, staff.hits[0].copies) == (0, 0)


def test_filters(corpus, library):
    from shuxiang.core.models import Location

    assert set(titles(engine.search(library, "", filters=Filters(clc_top="K")))) == {
        "曾国藩家书",
        "重庆的故事",
        "长城",
    }
    assert titles(engine.search(library, "", filters=Filters(material_type="audio_visual"))) == [
        "长城"
    ]
    assert set(
        titles(engine.search(library, "", filters=Filters(year_from=2019, year_to=2020)))
    ) == {
        "许愿井",
        "重庆的故事",
    }
    reading = Location.objects.get(library=library, code="reading")
    assert titles(engine.search(library, "", filters=Filters(location_id=reading.pk))) == ["长城"]
    assert titles(engine.search(library, "西游", filters=Filters(available=False))) == [
        "少年读西游记"
    ]
    assert "少年读西游记" not in titles(
        engine.search(library, "西游", filters=Filters(available=True))
    )


def test_staff_filters(corpus, library):
    from shuxiang.catalog.models import Item

    lent = Item.objects.get(bib=corpus["reading_xiyou"])
    on_loan = Filters(item_status="on_loan")
    assert titles(engine.search(library, "", filters=on_loan, staff=True)) == ["少年读西游记"]
    # not for the public: the staff filters are ignored there
    assert engine.search(library, "", filters=on_loan).total == 12
    by_accession = Filters(accession_number=lent.accession_number)
    assert titles(engine.search(library, "", filters=by_accession, staff=True)) == ["少年读西游记"]
    by_prefix = Filters(barcode_prefix=lent.barcode[:-1])
    assert "少年读西游记" in titles(
        engine.search(library, "", filters=by_prefix, staff=True, per_page=50)
    )
    from shuxiang.core import clock

    today = clock.today()
    assert (
        engine.search(library, "", filters=Filters(catalogued_from=today), staff=True).total == 13
    )
    assert (
        engine.search(
            library, "", filters=Filters(catalogued_to=today.replace(year=2000)), staff=True
        ).total
        == 0
    )


def test_facets_count_exactly(corpus, library):
    page = engine.search(library, "")
    assert page.total == 12
    clc = {v.value: v.count for v in page.facets["clc"]}
    assert clc == {"G": 1, "I": 8, "K": 3}
    assert {v.value: v.label for v in page.facets["clc"]}["I"] == "文学"
    assert {v.value: v.count for v in page.facets["material_type"]} == {
        "book": 11,
        "audio_visual": 1,
    }
    assert {v.value: v.count for v in page.facets["available"]} == {"1": 11, "0": 1}
    assert [v.count for v in page.facets["location"]] == [1]
    assert sum(v.count for v in page.facets["year"]) == 12
    assert not any(v.capped for values in page.facets.values() for v in values)
    narrowed = engine.search(library, "西游", filters=Filters(clc_top="I"))
    assert {v.value: v.count for v in narrowed.facets["available"]} == {"1": 2, "0": 1}


def _counts(page, name):
    return {v.value: v.count for v in page.facets[name]}


def test_facets_kept_in_memory_count_as_sql_does(corpus, library, monkeypatch):
    """A school's facets come from the values kept in memory; with a year filter (an SQL
    condition) they are counted in SQL. Both give the same counts."""
    from shuxiang.search import facet_values

    calls = []
    real = facet_values.sums
    monkeypatch.setattr(facet_values, "sums", lambda *a: calls.append(1) or real(*a))
    for query in ("", "西游", "xyj", "故事"):
        fast = engine.search(library, query)
        slow = engine.search(library, query, filters=Filters(year_to=3000))
        assert fast.total == slow.total
        for name in ("clc", "material_type", "location", "available"):
            assert _counts(fast, name) == _counts(slow, name), (query, name)
        # The year filter leaves out titles without a year: compare the years alone.
        assert _counts(fast, "year") == _counts(slow, "year")
    assert len(calls) == 4  # the searches without the year filter


def test_facets_follow_every_change_of_the_catalog(add, corpus, library, actor):
    from shuxiang.catalog.services import item_status_set
    from shuxiang.core.models import Location

    before = engine.search(library, "西游")
    literature = _counts(before, "clc")["I"]
    assert _counts(before, "clc") == {"I": literature}
    # A new title in another class: the kept values are read again.
    bib = add("西游地理", copies=1, clc="K928.6", year=2022)
    after = engine.search(library, "西游")
    assert _counts(after, "clc") == {"I": literature, "K": 1}
    assert _counts(after, "year")["2022"] == 1
    # A loan changes availability, which is never kept: counted from the index.
    item = bib.items.get()
    item_status_set(item_id=item.pk, status="on_loan")
    lent = engine.search(library, "西游")
    assert _counts(lent, "available") == {
        "1": _counts(after, "available")["1"] - 1,
        "0": _counts(after, "available").get("0", 0) + 1,
    }
    # A copy moved to another room: the location facet follows.
    room = Location.objects.get(library=library, code="reading")
    item.location = room
    item.save(update_fields=["location"])
    from shuxiang.catalog import search_port

    search_port.holdings_changed([bib.pk])
    moved = engine.search(library, "西游地理")
    assert [v.label for v in moved.facets["location"]] == ["阅览室"]
    # Every copy withdrawn: the title leaves the readers' result and its counts.
    item_status_set(item_id=item.pk, status="withdrawn")
    gone = engine.search(library, "西游")
    assert _counts(gone, "clc") == {"I": literature}


def test_capped_facets_say_so_and_are_never_too_high(corpus, library, monkeypatch):
    monkeypatch.setattr(engine, "EXACT_FACETS_UP_TO", 10)  # as if this were a district
    monkeypatch.setattr(engine, "FACET_LIMIT", 5)
    engine._sizes.clear()
    page = engine.search(library, "")
    assert page.total == 12
    values = [v for vs in page.facets.values() for v in vs]
    assert values and all(v.capped for v in values)
    exact = {"G": 1, "I": 8, "K": 3}
    assert all(v.count <= exact[v.value] for v in page.facets["clc"])
    assert sum(v.count for v in page.facets["available"]) == 5
    engine._sizes.clear()


def test_paging_walks_the_same_order(add, library):
    for i in range(7):
        add(f"森林里的故事{i}", copies=1, on_loan=1 if i % 2 else 0)
    add("森林", copies=1)
    whole = [h.bib_id for h in engine.search(library, "森林", per_page=100).hits]
    assert len(whole) == 8
    pages = [
        h.bib_id
        for p in range(1, 4)
        for h in engine.search(library, "森林", page=p, per_page=3).hits
    ]
    assert pages == whole
    assert engine.search(library, "森林", page=9, per_page=3).hits == []


def test_a_small_run_read_whole_is_put_in_the_order_of_its_halves(add, library, monkeypatch):
    """A relevance run of fewer than SPLIT_READ titles is read at once and ordered in
    Python; walked half by half (on the shelf, then not) it gives the same order."""
    for i in range(5):
        add(f"湖边{i}", copies=1, on_loan=1 if i % 2 else 0, authors=["王小明"])
    for i in range(4):
        add(f"山里{i}", copies=1, on_loan=0 if i % 2 else 1, authors=[f"湖{i}生"])
    read_whole = [h.bib_id for h in engine.search(library, "湖", per_page=100).hits]
    read_whole_pages = [
        h.bib_id for p in range(1, 6) for h in engine.search(library, "湖", page=p, per_page=2).hits
    ]
    monkeypatch.setattr(engine, "SPLIT_READ", 1)  # every run walked half by half
    halves = [h.bib_id for h in engine.search(library, "湖", per_page=100).hits]
    halves_pages = [
        h.bib_id for p in range(1, 6) for h in engine.search(library, "湖", page=p, per_page=2).hits
    ]
    assert len(read_whole) == 9
    assert read_whole == halves == read_whole_pages == halves_pages
    titles = [h.title for h in engine.search(library, "湖", per_page=100).hits]
    # titles before authors; within each, the ones on the shelf first, newest first
    assert titles == [
        "湖边4",
        "湖边2",
        "湖边0",
        "湖边3",
        "湖边1",
        "山里3",
        "山里1",
        "山里2",
        "山里0",
    ]


def test_a_large_catalog_keeps_the_first_prefix_matches_and_pages_alike(add, library, monkeypatch):
    """In a catalog too large to read every match at once, the title-prefix tier keeps
    only its first KEY_TIER_KEEP titles; the others still come, later, exactly once."""
    for i in range(7):
        add(f"森林里的故事{i}", copies=1, on_loan=1 if i % 2 else 0)
    add("森林", copies=1)
    add("走进森林", copies=1)
    small = [h.bib_id for h in engine.search(library, "森林", per_page=100).hits]
    monkeypatch.setattr(engine, "EXACT_FACETS_UP_TO", 5)  # as if this were a district
    monkeypatch.setattr(engine, "WHOLE_MATCH_UP_TO", 5)  # too many matches to read whole
    monkeypatch.setattr(engine, "KEY_TIER_KEEP", 3)
    monkeypatch.setattr(engine, "KEY_TIER_CHECK", 2)
    engine._sizes.clear()
    large = [h.bib_id for h in engine.search(library, "森林", per_page=100).hits]
    assert sorted(large) == sorted(small) and len(large) == 9
    # The exact title, then the prefix tier's first three (the exact title among them).
    assert large[:3] == small[:3]
    pages = [
        h.bib_id
        for p in range(1, 5)
        for h in engine.search(library, "森林", page=p, per_page=3).hits
    ]
    assert pages == large
    engine._sizes.clear()


def test_libraries_do_not_see_each_other(corpus, library):
    from shuxiang.catalog.services import bib_create
    from shuxiang.core.audit import Actor
    from shuxiang.core.models import AuditEvent
    from shuxiang.core.services import library_setup

    other = library_setup(code="other", name="第二小学图书室", school_name="第二小学")
    bib_create(
        actor=Actor(library=other, user=None, channel=AuditEvent.Channel.CLI), title="西游记"
    )
    assert engine.search(other, "西游记").total == 1
    assert engine.search(library, "西游记").total == 3
    assert engine.suggest(other, "xyj") == ["西游记"]


def test_suggest(corpus, library, add):
    add("数学趣题", authors=["徐勇"])
    assert engine.suggest(library, "xyj")[0] == "西游记"
    assert engine.suggest(library, "xy")[0] == "西游记"  # before 徐勇, whose initials are xy
    assert engine.suggest(library, "西游")[:2] == ["西游记", "西游记故事"]
    assert "吴承恩" in engine.suggest(library, "wuch")
    assert "曾国藩家书" in engine.suggest(library, "zgf")
    assert "西游记连环画" not in engine.suggest(library, "西游", limit=20)
    assert engine.suggest(library, "") == []
    assert len(engine.suggest(library, "x", limit=2)) == 2


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"field": "nowhere"}, "invalid_field"),
        ({"page": 0}, "invalid_page"),
        ({"per_page": 1000}, "invalid_page"),
        ({"filters": Filters(clc_top="W")}, "invalid_clc"),
        ({"filters": Filters(material_type="scroll")}, "invalid_material_type"),
        ({"filters": Filters(item_status="eaten")}, "invalid_status"),
    ],
)
def test_bad_arguments(library, kwargs, code):
    with pytest.raises(Invalid) as err:
        engine.search(library, "x", **kwargs)
    assert err.value.code == code


def test_nothing_to_look_for(corpus, library):
    assert engine.search(library, "，。！").total == 0
    assert engine.search(library, "zzzzqqq").hits == []
