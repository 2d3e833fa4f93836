"""A title's search document (pure): the tokens of each index column, the keys that
exact and prefix matching compare, the values filters and facets read, and the lines of
the suggest list. Built from plain values, so the bulk reindex can make documents in
worker processes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shuxiang.search import tokenizer
from shuxiang.search.plan import COLUMNS, NOT_BOOK, OFF_SHELF, clc_key, material_token

# The Bib fields a document is made of.
BIB_FIELDS = (
    "id",
    "library_id",
    "title",
    "parallel_title",
    "responsibility",
    "authors",
    "subjects",
    "series",
    "publisher",
    "isbns",
    "invalid_isbns",
    "clc",
    "year",
    "material_type",
    "summary",
    "edition",
)
# The BIB_FIELDS a plain SQL read gives as JSON text (the ORM decodes them itself).
JSON_FIELDS = ("authors", "subjects", "isbns", "invalid_isbns")
KEY_LENGTH = 200  # keys are cut here (an index entry stays small)
SUGGEST_AUTHORS = 2


@dataclass
class Holdings:
    """The copies of a title, withdrawn ones not counted."""

    available: int = 0  # on the shelf
    copies: int = 0  # not withdrawn
    withdrawn: bool = False  # it had copies and every one is withdrawn
    locations: tuple[int, ...] = ()  # where its copies (not withdrawn) are


@dataclass
class Document:
    bib_id: int
    library_id: int
    columns: dict[str, str]  # column -> tokens separated by spaces
    title_key: str
    title_py: str
    title_in: str
    clc_top: str
    year: int | None
    material_type: str
    holdings: Holdings
    suggest: list[tuple[str, str, str]] = field(default_factory=list)  # (key, text, kind)

    def lexemes(self) -> list[str]:
        """Every token as "column:token" (PostgreSQL's tsvector)."""
        return [
            f"{column}:{token}"
            for column, tokens in self.columns.items()
            for token in tokens.split()
        ]


def _names(values: dict[str, Any]) -> list[str]:
    names = []
    for author in values.get("authors") or []:
        name = author.get("name", "") if isinstance(author, dict) else str(author)
        if name.strip():
            names.append(name.strip())
    if not names and values.get("responsibility"):
        names.append(values["responsibility"])
    return names


def _subjects(values: dict[str, Any]) -> list[str]:
    out = []
    for subject in values.get("subjects") or []:
        text = subject.get("name", "") if isinstance(subject, dict) else str(subject)
        if text.strip():
            out.append(text.strip())
    return out


def _join(tokens: list[str]) -> str:
    return " ".join(dict.fromkeys(filter(None, tokens))) if tokens else ""


def filter_tokens(library_id: int, material: str, top: str, holdings: Holdings) -> list[str]:
    """The tokens the filters ask for: library, material type (and "not a book"), CLC
    main class, where the copies are, whether none is on the shelf, whether every copy
    is withdrawn."""
    tokens = [f"l{library_id}", material_token(material)]
    if material != "book":
        tokens.append(NOT_BOOK)
    if top:
        tokens.append(f"c{top.lower()}")
    if holdings.withdrawn:
        tokens.append("w")
    tokens += [f"o{location}" for location in holdings.locations]
    if holdings.available == 0:
        tokens.append(OFF_SHELF)
    return tokens


def build(values: dict[str, Any], holdings: Holdings) -> Document:
    """The document of one title, from its Bib values (BIB_FIELDS) and its copies."""
    title = values.get("title") or ""
    titles = [title] + ([values["parallel_title"]] if values.get("parallel_title") else [])
    names = _names(values)
    subjects = _subjects(values)
    series = values.get("series") or ""
    publisher = values.get("publisher") or ""
    clc = values.get("clc") or ""
    isbns = list(values.get("isbns") or [])
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}

    for text in titles:
        columns["t"] += tokenizer.text_tokens(text)
        full, initials = tokenizer.pinyin_tokens(text)
        columns["tp"] += full
        columns["ti"] += initials
    for name in names:
        columns["a"] += tokenizer.text_tokens(name)
        full, initials = tokenizer.pinyin_tokens(name, is_name=True)
        columns["ap"] += full
        columns["ai"] += initials
    for subject in subjects:
        columns["s"] += tokenizer.text_tokens(subject)
    if series:
        columns["r"] += tokenizer.text_tokens(series)
        full, initials = tokenizer.pinyin_tokens(series)
        columns["rp"] += full
        columns["ri"] += initials
    columns["p"] += tokenizer.text_tokens(publisher)
    columns["n"] += tokenizer.isbn_tokens(isbns, values.get("invalid_isbns") or [])
    columns["c"] += tokenizer.clc_tokens(clc)
    for other in ("summary", "edition"):
        columns["x"] += tokenizer.text_tokens(values.get(other) or "")

    exact = [tokenizer.exact_token("t", t) for t in titles]
    exact += [tokenizer.exact_token("a", n) for n in names]
    exact += [tokenizer.exact_token("s", s) for s in subjects]
    if series:
        exact.append(tokenizer.exact_token("r", series))
    if publisher:
        exact.append(tokenizer.exact_token("p", publisher))
    if clc:
        exact.append(tokenizer.exact_token("c", clc_key(clc)))
    columns["e"] = [t for t in exact if len(t) > 2]

    top = tokenizer.clc_top(clc)
    material = values.get("material_type") or "book"
    columns["f"] = filter_tokens(values["library_id"], material, top, holdings)

    title_key = tokenizer.key(title)[:KEY_LENGTH]
    title_py, title_in = (k[:KEY_LENGTH] for k in tokenizer.pinyin_keys(title))
    # A title that begins with a name is suggested under the surname's reading too
    # (曾国藩家书: zgf as well as cgf).
    keys = (title_key, title_py, title_in, *tokenizer.pinyin_keys(title, is_name=True))
    suggest = [(k[:KEY_LENGTH], title, "t") for k in dict.fromkeys(keys) if k]
    for name in names[:SUGGEST_AUTHORS]:
        name_key = tokenizer.key(name)[:KEY_LENGTH]
        full, initials = tokenizer.pinyin_keys(name, is_name=True)
        for k in dict.fromkeys((name_key, full[:KEY_LENGTH], initials[:KEY_LENGTH])):
            if k:
                suggest.append((k, name, "a"))
    return Document(
        bib_id=values["id"],
        library_id=values["library_id"],
        columns={c: _join(tokens) for c, tokens in columns.items()},
        title_key=title_key,
        title_py=title_py,
        title_in=title_in,
        clc_top=top,
        year=values.get("year"),
        material_type=material,
        holdings=holdings,
        suggest=suggest,
    )


def bib_values(row: Sequence[Any]) -> dict[str, Any]:
    """A title's values from a plain SQL row of its BIB_FIELDS, in that order."""
    values = dict(zip(BIB_FIELDS, row, strict=True))
    for name in JSON_FIELDS:
        if isinstance(values[name], str):
            values[name] = json.loads(values[name] or "[]")
    return values


def holdings_of(items: Iterable[tuple[int, str, int | None]]) -> dict[int, Holdings]:
    """The copies of titles, from their items' (bib id, status, location id)."""
    out: dict[int, Holdings] = {}
    for bib_id, status, location_id in items:
        h = out.get(bib_id)
        if h is None:
            h = out[bib_id] = Holdings(withdrawn=True)
        if status == "withdrawn":
            continue
        h.withdrawn = False
        h.copies += 1
        h.available += status == "available"
        if location_id is not None and location_id not in h.locations:
            h.locations = tuple(sorted((*h.locations, location_id)))
    return out


def build_rows(
    bib_rows: list[Sequence[Any]], items: list[tuple[int, str, int | None]]
) -> list[Document]:
    """The documents of a batch of titles read by plain SQL (BIB_FIELDS rows, and their
    items' rows for holdings_of): what a worker process of the bulk reindex runs."""
    holdings = holdings_of(items)
    out = []
    for row in bib_rows:
        values = bib_values(row)
        out.append(build(values, holdings.get(values["id"], Holdings())))
    return out
