"""CQL for the SRU server: the parser's syntax trees, the mapping onto the search
engine's query tree, and the diagnostic each bad query gets. Pure tables, no database."""

from __future__ import annotations

import pytest

from shuxiang.search import query as nodes
from shuxiang.sru import cql
from shuxiang.sru.cql import Boolean, Clause, Diagnostic, Modifier


def T(field, text, exact=False):
    return nodes.Term(field=field, text=text, exact=exact)


def A(*parts):
    return nodes.And(parts=parts)


def O(*parts):  # noqa: E743
    return nodes.Or(parts=parts)


def N(positive, negative):
    return nodes.Not(positive=positive, negative=negative)


SC = "cql.serverChoice"

# -- the syntax tree ----------------------------------------------------------------------

PARSED = [
    ("西游记", Clause(SC, "=", "西游记")),
    ('"西游 记"', Clause(SC, "=", "西游 记")),
    ("dc.title=西游记", Clause("dc.title", "=", "西游记")),
    ("dc.title = 西游记", Clause("dc.title", "=", "西游记")),
    ('dc.title == "西游记"', Clause("dc.title", "==", "西游记")),
    ("dc.title exact 西游记", Clause("dc.title", "exact", "西游记")),
    ("dc.title EXACT 西游记", Clause("dc.title", "exact", "西游记")),
    ('dc.title all "西游 记"', Clause("dc.title", "all", "西游 记")),
    ('dc.title any "西游 红楼"', Clause("dc.title", "any", "西游 红楼")),
    ('dc.title adj "the old man"', Clause("dc.title", "adj", "the old man")),
    ("dc.date >= 2020", Clause("dc.date", ">=", "2020")),
    ("dc.date<>2020", Clause("dc.date", "<>", "2020")),
    # An escaped quote stays escaped in the tree; the mapping resolves it.
    (r'dc.title="呐喊 \"新版\""', Clause("dc.title", "=", r"呐喊 \"新版\"")),
    # Booleans are words in any case, left to right, one precedence.
    (
        "a and b or c",
        Boolean(
            "or", Boolean("and", Clause(SC, "=", "a"), Clause(SC, "=", "b")), Clause(SC, "=", "c")
        ),
    ),
    (
        "a AND (b OR c)",
        Boolean(
            "and", Clause(SC, "=", "a"), Boolean("or", Clause(SC, "=", "b"), Clause(SC, "=", "c"))
        ),
    ),
    ("a not b", Boolean("not", Clause(SC, "=", "a"), Clause(SC, "=", "b"))),
    ("((a))", Clause(SC, "=", "a")),
    # A boolean word in quotes, or after a relation, is a term.
    ('"and"', Clause(SC, "=", "and")),
    ("and", Clause(SC, "=", "and")),
    ("dc.title = or", Clause("dc.title", "=", "or")),
    # Modifiers on relations and booleans.
    (
        "dc.title =/cql.relevant/locale=zh 西游",
        Clause("dc.title", "=", "西游", (Modifier("cql.relevant"), Modifier("locale", "=", "zh"))),
    ),
    (
        "a or/rel.combine=sum b",
        Boolean(
            "or", Clause(SC, "=", "a"), Clause(SC, "=", "b"), (Modifier("rel.combine", "=", "sum"),)
        ),
    ),
    (
        "a prox/unit=word/distance>1 b",
        Boolean(
            "prox",
            Clause(SC, "=", "a"),
            Clause(SC, "=", "b"),
            (Modifier("unit", "=", "word"), Modifier("distance", ">", "1")),
        ),
    ),
    # Prefix assignments are read and dropped, also inside parentheses.
    ('> dc = "info:srw/cql-context-set/1/dc-v1.1" dc.title = x', Clause("dc.title", "=", "x")),
    ('>"info:srw/cql-context-set/1/dc-v1.1" x', Clause(SC, "=", "x")),
    ("(> dc = u dc.title = x)", Clause("dc.title", "=", "x")),
]


@pytest.mark.parametrize("text, tree", PARSED)
def test_parse(text, tree):
    assert cql.parse(text) == tree


BAD_SYNTAX = [
    ("", 10),
    ("   ", 10),
    ("dc.title =", 10),
    ("dc.title = (x)", 10),
    ("a and", 10),
    ("a b", 10),  # two words without a boolean: an index and a relation without a term
    ("= x", 10),
    ("a )", 13),
    (")", 13),
    ("(a", 13),
    ("(a and (b)", 13),
    ('"west', 14),
    ('dc.title="unclosed \\"', 14),
    ("a sortby dc.title", 80),
    ("dc.title =/ x", 10),
    ("(" * 25 + "a" + ")" * 25, 13),
    (" or ".join(["a"] * 40), 38),
    ("a" * 2001, 10),
]


@pytest.mark.parametrize("text, code", BAD_SYNTAX)
def test_bad_syntax_gets_its_diagnostic(text, code):
    with pytest.raises(Diagnostic) as raised:
        cql.parse(text)
    assert raised.value.code == code
    assert raised.value.uri == f"info:srw/diagnostic/1/{code}"
    assert raised.value.message == cql.MESSAGES[code]


# -- the engine's query tree --------------------------------------------------------------

MAPPED = [
    ("西游记", T("anywhere", "西游记")),
    ("cql.anywhere=西游记", T("anywhere", "西游记")),
    ("cql.serverChoice=西游记", T("anywhere", "西游记")),
    ("CQL.SERVERCHOICE=西游记", T("anywhere", "西游记")),
    ("dc.title=西游记", T("title", "西游记")),
    ("title=西游记", T("title", "西游记")),  # without its context set
    ("dc.creator=吴承恩", T("author", "吴承恩")),
    ("dc.author=吴承恩", T("author", "吴承恩")),
    ("bath.name=吴承恩", T("author", "吴承恩")),
    ("dc.subject=小说", T("subject", "小说")),
    ("dc.publisher=人民文学出版社", T("publisher", "人民文学出版社")),
    ("bath.isbn=9787020008735", T("isbn", "9787020008735")),
    ("dc.identifier=9787020008735", T("isbn", "9787020008735")),
    # Words: = and all find every word (one term: the engine matches each of its
    # words), any one of them; adj as all.
    ('dc.title="西游 记"', T("title", "西游 记")),
    ('dc.title all "西游\u3000记"', T("title", "西游 记")),
    ('dc.title any "西游记 红楼梦"', O(T("title", "西游记"), T("title", "红楼梦"))),
    ('dc.title adj "the  old man"', T("title", "the old man")),
    # Exact: the whole term, once.
    ('dc.title=="西游记"', T("title", "西游记", exact=True)),
    ('dc.title exact "西游 记"', T("title", "西游 记", exact=True)),
    (r'dc.title exact "呐喊 \"新版\""', T("title", '呐喊 "新版"', exact=True)),
    # Escaped masking characters are plain characters.
    (r"dc.title=C\+\+\*", T("title", "C++*")),
    ('dc.title =/cql.unmasked "a*b"', T("title", "a*b")),
    # Booleans, flattened where the same one repeats.
    ("a and b and c", A(T("anywhere", "a"), T("anywhere", "b"), T("anywhere", "c"))),
    ('dc.title="西游 记" and dc.creator=吴承恩', A(T("title", "西游 记"), T("author", "吴承恩"))),
    (
        'dc.title any "西游 红楼" and (a and b)',
        A(O(T("title", "西游"), T("title", "红楼")), T("anywhere", "a"), T("anywhere", "b")),
    ),
    ("a or b or c", O(T("anywhere", "a"), T("anywhere", "b"), T("anywhere", "c"))),
    ("a or (b and c)", O(T("anywhere", "a"), A(T("anywhere", "b"), T("anywhere", "c")))),
    ("dc.title=西游记 not dc.creator=吴承恩", N(T("title", "西游记"), T("author", "吴承恩"))),
    ("(a not b) not c", N(N(T("anywhere", "a"), T("anywhere", "b")), T("anywhere", "c"))),
    ("a or/rel.combine=sum b", O(T("anywhere", "a"), T("anywhere", "b"))),
    ("dc.title =/relevant/cql.ignoreCase 西游", T("title", "西游")),
]


@pytest.mark.parametrize("text, tree", MAPPED)
def test_maps_onto_the_engine_query(text, tree):
    assert cql.query_tree(text, nodes) == tree


UNSUPPORTED = [
    ("dc.date=2020", 16, "dc.date"),
    ("cql.allRecords=1", 16, "cql.allRecords"),
    ("publisherPlace=北京", 16, "publisherPlace"),
    ("marc.245=西游记", 15, "marc"),
    ("dc.title < 西游记", 19, "<"),
    ("dc.title within 西游记", 19, "within"),
    ("dc.title =/regexp 西.*", 20, "regexp"),
    ("dc.title =/cql.respectCase X", 20, "cql.respectCase"),
    ('dc.title=""', 27, "dc.title"),
    ("dc.title=西游*", 28, "*"),
    ("dc.title=西?记", 28, "?"),
    ("dc.title=^西游", 31, "^"),
    ("dc.title=" + "长" * 201, 23, "more than 200"),
    ("a prox b", 39, "prox"),
    ("a and/sort b", 46, "sort"),
    # A diagnostic deep inside the tree is found too.
    ("a and (b or dc.date=2020)", 16, "dc.date"),
]


@pytest.mark.parametrize("text, code, details", UNSUPPORTED)
def test_what_the_catalog_cannot_search_gets_its_diagnostic(text, code, details):
    with pytest.raises(Diagnostic) as raised:
        cql.query_tree(text, nodes)
    assert (raised.value.code, raised.value.details) == (code, details)


def test_every_diagnostic_has_the_standard_message():
    assert cql.MESSAGES[10] == "Query syntax error"
    assert cql.MESSAGES[16] == "Unsupported index"
    assert str(Diagnostic(16, "dc.date")) == "16 Unsupported index: dc.date"
