"""From a query tree to a match expression over index columns (pure).

A record's tokens sit in columns (title words, title pinyin, title initials, author
words ...). A query word becomes "any of its forms in any of the field's columns", and
the words of a Term are ANDed. The expression is rendered by each backend: an FTS5 MATCH
string on SQLite, a tsquery on PostgreSQL, so both answer the same question.
"""

from __future__ import annotations

from dataclasses import dataclass

from shuxiang.search import tokenizer
from shuxiang.search.query import And, Not, Or, Query, Term

# Index columns. Words: t title, a author, s subject, r series, p publisher, x summary
# and other text; pinyin: tp/ap/rp full, ti/ai/ri initials; n ISBN forms; c CLC
# prefixes; e whole-value tokens (exact); f filters (library, class, type, withdrawn).
COLUMNS = ("t", "tp", "ti", "a", "ap", "ai", "s", "r", "rp", "ri", "p", "n", "c", "x", "e", "f")

WORDS = {
    "anywhere": ("t", "a", "s", "r", "p", "x"),
    "title": ("t",),
    "author": ("a",),
    "subject": ("s",),
    "series": ("r",),
    "publisher": ("p",),
    "isbn": (),
    "clc": (),
}
FULL_PINYIN = {
    "anywhere": ("tp", "ap", "rp"),
    "title": ("tp",),
    "author": ("ap",),
    "series": ("rp",),
}
INITIALS = {"anywhere": ("ti", "ai", "ri"), "title": ("ti",), "author": ("ai",), "series": ("ri",)}
ISBN_COLUMNS = {"anywhere": ("n",), "isbn": ("n",)}
CLC_COLUMNS = {"anywhere": ("c",), "clc": ("c",)}
# The fields' codes in exact tokens (tokenizer.exact_token).
EXACT_CODES = {
    "title": "t",
    "author": "a",
    "subject": "s",
    "series": "r",
    "publisher": "p",
    "isbn": "n",
    "clc": "c",
}

# The columns of each relevance tier: a record whose title matches the whole query
# comes before one whose author does, and that before one whose subject does.
TITLE_COLUMNS = frozenset({"t", "tp", "ti", "e"})
AUTHOR_COLUMNS = frozenset({"a", "ap", "ai", "e"})
SUBJECT_COLUMNS = frozenset({"s", "e"})


@dataclass(frozen=True)
class Tok:
    columns: tuple[str, ...]
    token: str
    prefix: bool = False


@dataclass(frozen=True)
class All:
    parts: tuple


@dataclass(frozen=True)
class Any:
    parts: tuple


@dataclass(frozen=True)
class Without:
    positive: object
    negative: object


NOTHING = Any(())  # matches no record


def _all(parts: list) -> object:
    if any(p == NOTHING for p in parts):
        return NOTHING
    flat: list = []
    for p in parts:
        if p is None:
            continue
        flat.extend(p.parts if isinstance(p, All) else [p])
    flat = list(dict.fromkeys(flat))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else All(tuple(flat))


def _any(parts: list) -> object:
    if any(p is None for p in parts):  # "everything" swallows the rest
        return None
    flat: list = []
    for p in parts:
        if p == NOTHING:
            continue
        flat.extend(p.parts if isinstance(p, Any) else [p])
    flat = list(dict.fromkeys(flat))
    if not flat:
        return NOTHING
    return flat[0] if len(flat) == 1 else Any(tuple(flat))


def _cols(columns: tuple[str, ...], restrict: frozenset[str] | None) -> tuple[str, ...]:
    return columns if restrict is None else tuple(c for c in columns if c in restrict)


def _tokens(columns: tuple[str, ...], tokens: list[str], prefix_last: bool = False) -> object:
    if not columns or not tokens:
        return NOTHING
    last = len(tokens) - 1
    return _all([Tok(columns, t, prefix_last and i == last) for i, t in enumerate(tokens)])


def _word(field: str, word: str, restrict: frozenset[str] | None) -> object:
    """One query word in a field: all its runs, each in any of its forms."""
    parts = []
    for forms in tokenizer.query_runs(word):
        options = [_tokens(_cols(WORDS[field], restrict), forms.text)]
        if forms.isbn:
            columns = _cols(ISBN_COLUMNS.get(field, ()), restrict)
            options += [_tokens(columns, [t]) for t in forms.isbn]
        if forms.clc:
            options.append(_tokens(_cols(CLC_COLUMNS.get(field, ()), restrict), [forms.clc]))
        if forms.initials:
            options.append(_tokens(_cols(INITIALS.get(field, ()), restrict), forms.initials))
        for syllables in forms.pinyin:
            options.append(_tokens(_cols(FULL_PINYIN.get(field, ()), restrict), syllables))
        if field == "clc" and not forms.clc:
            options.append(_tokens(_cols(("c",), restrict), [tokenizer.fold(forms.text[0])]))
        parts.append(_any(options))
    return _all(parts) if parts else None  # None: nothing to look for in this word


def material_token(value: str) -> str:
    """The filter token of a material type (FTS5's ascii tokenizer splits at "_")."""
    return "m" + "".join(c for c in value if c.isalnum())


# A filter most titles pass (a copy on the shelf; a book) is asked as "without" the
# token of the few that fail it: FTS5 reads the whole list of titles of a token it must
# match, and checks a NOT's token only at the titles matched otherwise. At a million
# titles, "available book" as tokens of the many read 2 MB of lists per query.
OFF_SHELF = "u"  # no copy on the shelf (withdrawn ones are not counted)
NOT_BOOK = "nb"  # a material type other than book


def _exact(field: str, text: str, restrict: frozenset[str] | None) -> object:
    if not tokenizer.key(text):
        return NOTHING
    if "e" not in (restrict or {"e"}):
        return NOTHING
    if field == "anywhere":
        return _any([_exact(f, text, restrict) for f in EXACT_CODES])
    if field == "isbn":
        isbn = tokenizer.isbn_of(text)
        tokens = [t for t in (isbn or ("", tokenizer.key(text))) if t]
        return _any([Tok(("n",), t) for t in tokens])
    if field == "clc":
        return Tok(("e",), tokenizer.exact_token("c", clc_key(text)))
    return Tok(("e",), tokenizer.exact_token(EXACT_CODES[field], text))


def clc_key(text: str) -> str:
    return tokenizer.fold(text).replace(" ", "")


def compile_query(query: Query | None, restrict: frozenset[str] | None = None) -> object:
    """The match expression of a query tree (None: every record; NOTHING: none),
    limited to the columns in `restrict` when given (a relevance tier)."""
    if query is None:
        return None
    if isinstance(query, Term):
        if query.exact:
            return _exact(query.field, query.text, restrict)
        words = query.text.split()
        if query.field != "isbn" and len(words) > 1:
            joined = "".join(words).replace("-", "")
            if tokenizer.isbn_of(joined):
                words = [joined]
        parts = [p for p in (_word(query.field, w, restrict) for w in words) if p is not None]
        if not parts:
            return NOTHING if words else None
        return _all(parts)
    if isinstance(query, And):
        return _all([compile_query(p, restrict) for p in query.parts])
    if isinstance(query, Or):
        return _any([compile_query(p, restrict) for p in query.parts])
    if isinstance(query, Not):
        positive = compile_query(query.positive, restrict)
        # The negative is checked in every column, whatever the tier.
        negative = compile_query(query.negative)
        if positive == NOTHING or negative is None:
            return NOTHING
        if negative == NOTHING:
            return positive
        return Without(positive, negative)
    raise TypeError(f"not a query: {query!r}")


def is_nothing(expr: object) -> bool:
    return expr == NOTHING


# -- rendering ----------------------------------------------------------------------


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def to_fts5(expr: object) -> str:
    """An FTS5 MATCH expression (expr must not be None or NOTHING)."""
    if isinstance(expr, Tok):
        cols = expr.columns[0] if len(expr.columns) == 1 else "{" + " ".join(expr.columns) + "}"
        return f"{cols} : {_fts_string(expr.token)}" + (" *" if expr.prefix else "")
    if isinstance(expr, All):
        return "(" + " AND ".join(to_fts5(p) for p in expr.parts) + ")"
    if isinstance(expr, Any):
        return "(" + " OR ".join(to_fts5(p) for p in expr.parts) + ")"
    if isinstance(expr, Without):
        return f"({to_fts5(expr.positive)} NOT {to_fts5(expr.negative)})"
    raise TypeError(expr)


def _lexeme(column: str, token: str, prefix: bool) -> str:
    text = f"{column}:{token}".replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'" + (":*" if prefix else "")


def to_tsquery(expr: object) -> str:
    """A tsquery over lexemes "column:token" (expr must not be None or NOTHING)."""
    if isinstance(expr, Tok):
        parts = [_lexeme(c, expr.token, expr.prefix) for c in expr.columns]
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
    if isinstance(expr, All):
        return "(" + " & ".join(to_tsquery(p) for p in expr.parts) + ")"
    if isinstance(expr, Any):
        return "(" + " | ".join(to_tsquery(p) for p in expr.parts) + ")"
    if isinstance(expr, Without):
        return f"({to_tsquery(expr.positive)} & !{to_tsquery(expr.negative)})"
    raise TypeError(expr)
