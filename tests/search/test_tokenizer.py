"""The tokenizer and the query plan, by tables (pure: no database)."""

from __future__ import annotations

import pytest

from shuxiang.search import plan, tokenizer
from shuxiang.search.query import And, Not, Or, Term, parse_box


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("西遊記", "西游记"),
        ("三國演義", "三国演义"),
        ("ＡＢＣ１２３", "abc123"),
        ("Harry POTTER", "harry potter"),
        ("Café Noël", "cafe noel"),
        ("乾隆皇帝", "乾隆皇帝"),  # zhconv's phrase table keeps 乾 here
        ("", ""),
    ],
)
def test_fold(raw, folded):
    assert tokenizer.fold(raw) == folded


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("西游记", ["西", "游", "记", "西游", "游记"]),
        ("学", ["学"]),
        ("哈利·波特2", ["哈", "利", "哈利", "波", "特", "波特", "2"]),
        ("Harry Potter", ["harry", "potter"]),
        ("MP3播放器", ["mp3", "播", "放", "器", "播放", "放器"]),
    ],
)
def test_text_tokens(text, tokens):
    assert tokenizer.text_tokens(text) == tokens


@pytest.mark.parametrize(
    "text, is_name, full, initials",
    [
        ("西游记", False, "xiyouji", "xyj"),
        ("重庆", False, "chongqing", "cq"),
        ("长城", False, "changcheng", "cc"),
        ("曾国藩", True, "zengguofan", "zgf"),
        ("单田芳", True, "shantianfang", "stf"),
        ("绿野仙踪", False, "lvyexianzong", "lyxz"),
    ],
)
def test_pinyin_keys(text, is_name, full, initials):
    assert tokenizer.pinyin_keys(text, is_name=is_name) == (full, initials)


def test_pinyin_tokens_have_syllables_pairs_and_initial_runs():
    full, initials = tokenizer.pinyin_tokens("西游记")
    assert {"xi", "you", "ji", "xiyou", "youji"} == set(full)
    assert {"xy", "yj", "xyj"} == set(initials)


def test_a_surname_inside_a_title_is_read_both_ways():
    # pypinyin reads 曾国藩家书 as ceng...; the surname reading is indexed too.
    full, initials = tokenizer.pinyin_tokens("曾国藩家书")
    assert {"zengguo", "cengguo", "guofan"} <= set(full)
    assert {"zgf", "cgf"} <= set(initials)


@pytest.mark.parametrize(
    "word, segmentations",
    [
        ("xiyouji", (("xi", "you", "ji"),)),
        ("xian", (("xian",), ("xi", "an"))),
        ("xyj", ()),
        ("harry", ()),
    ],
)
def test_pinyin_segmentations(word, segmentations):
    assert tokenizer.segmentations(word) == segmentations


@pytest.mark.parametrize(
    "typed, isbn13",
    [
        ("9787020002207", "9787020002207"),
        ("978-7-02-000220-7", "9787020002207"),
        ("７０２０００２２０Ｘ", "9787020002207"),
        ("ISBN 7-02-000220-X", "9787020002207"),
        ("西游记", None),
    ],
)
def test_isbn_of(typed, isbn13):
    found = tokenizer.isbn_of(typed)
    assert (found[0] if found else None) == isbn13


def test_isbn_tokens_hold_both_forms():
    assert tokenizer.isbn_tokens(["9787020002207"], ["统一书号 10019-1234"]) == [
        "9787020002207",
        "702000220x",
        "100191234",
    ]


@pytest.mark.parametrize(
    "clc, tokens",
    [
        ("I242.4", ["i", "i2", "i24", "i242", "i2424"]),
        ("TP312", ["t", "tp", "tp3", "tp31", "tp312"]),
        ("K827=52", ["k", "k8", "k82", "k827"]),
        ("", []),
    ],
)
def test_clc_tokens(clc, tokens):
    assert tokenizer.clc_tokens(clc) == tokens


def test_exact_tokens_ignore_width_script_case_and_spacing():
    assert tokenizer.exact_token("t", "西遊記") == tokenizer.exact_token("t", " 西游记 ")
    assert tokenizer.exact_token("t", "Harry  Potter") == tokenizer.exact_token("t", "harry potter")
    assert tokenizer.exact_token("t", "西游记") != tokenizer.exact_token("a", "西游记")


def test_parse_box():
    assert parse_box("西游记") == Term("anywhere", "西游记")
    assert parse_box("鲁迅 朝花", "author") == And((Term("author", "鲁迅"), Term("author", "朝花")))
    assert parse_box("978 7 02 000220 7") == Term("anywhere", "9787020002207")
    assert parse_box("   ") is None


@pytest.mark.parametrize(
    "query, fts",
    [
        (Term("title", "西游"), 't : "西游"'),
        (Term("anywhere", "西游记"), '({t a s r p x} : "西游" AND {t a s r p x} : "游记")'),
        (Term("clc", "I24"), 'c : "i24"'),
        (Term("isbn", "978-7-02-000220-7"), 'n : "9787020002207"'),
        (Term("author", "xyj"), '(a : "xyj" OR ai : "xyj")'),
        (
            Not(Term("title", "西游"), Term("author", "吴承恩")),
            '(t : "西游" NOT (a : "吴承" AND a : "承恩"))',
        ),
        (Or((Term("title", "西游"), Term("title", "鲁迅"))), '(t : "西游" OR t : "鲁迅")'),
    ],
)
def test_fts5_rendering(query, fts):
    assert plan.to_fts5(plan.compile_query(query)) == fts


def test_a_tier_without_the_field_matches_nothing():
    assert plan.is_nothing(plan.compile_query(Term("author", "鲁迅"), plan.TITLE_COLUMNS))


def test_tsquery_rendering_quotes_lexemes():
    assert plan.to_tsquery(plan.compile_query(Term("title", "西游"))) == "'t:西游'"
    prefix = plan.Tok(("ti",), "xy", prefix=True)
    assert plan.to_tsquery(prefix) == "'ti:xy':*"
