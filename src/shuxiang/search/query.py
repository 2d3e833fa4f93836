"""The query tree and the filters that the OPAC, the staff pages, the API and the SRU
server hand to `search.engine.search` (plain frozen dataclasses, no database)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Union

FIELDS = ("anywhere", "title", "author", "subject", "series", "publisher", "isbn", "clc")


@dataclass(frozen=True)
class Term:
    """Words in one field. exact=False: every token of `text` must match somewhere in
    the field (AND); exact=True: the whole field equals `text` after folding (CQL
    `exact`; for authors and subjects, one of them)."""

    field: str
    text: str
    exact: bool = False

    def __post_init__(self) -> None:
        if self.field not in FIELDS:
            raise ValueError(f"unknown search field {self.field!r}; one of {FIELDS}")


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Not:
    """`positive` without `negative` (CQL `a NOT b`)."""

    positive: Query
    negative: Query


Query = Union[Term, And, Or, Not]  # noqa: UP007  (a runtime alias, read by isinstance users)


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides its words. The last five are for staff only and
    are ignored unless `search(..., staff=True)`."""

    clc_top: str | None = None  # a CLC main class letter, A..Z (22 classes)
    year_from: int | None = None
    year_to: int | None = None
    material_type: str | None = None  # Bib.MaterialType value
    location_id: int | None = None
    available: bool | None = None  # True: a copy is on the shelf; False: none is
    # staff only
    item_status: str | None = None  # a copy in this Item.Status (on_loan, missing ...)
    accession_number: str | None = None
    barcode_prefix: str | None = None
    catalogued_from: dt.date | None = None
    catalogued_to: dt.date | None = None


_WORDS = re.compile(r"\S+")


def parse_box(text: str, field: str = "anywhere") -> Query | None:
    """What a user typed in a search box: its words ANDed in `field` (None when there
    is nothing to look for). An ISBN typed with spaces stays one word."""
    words = _WORDS.findall(text or "")
    if not words:
        return None
    if field != "isbn" and len(words) > 1:
        joined = "".join(words).replace("-", "")
        if re.fullmatch(r"\d{9}[\dXx]|\d{13}", joined):
            words = [joined]
    if len(words) == 1:
        return Term(field, words[0])
    return And(tuple(Term(field, w) for w in words))
