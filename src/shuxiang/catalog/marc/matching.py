"""Whether an incoming record describes a title the library already has (pure).

An ISBN alone does not say so: a set's ISBN is printed in each of its volumes, and 99
different LoC titles shared one. Nor does title + author + year for a record without
an ISBN: a new edition of the same year has them too. So a record is the same title as
a candidate (found by a shared ISBN, or by title when it has none) when their control
numbers are equal, or when nothing tells them apart: the same title, and no edition,
year, publisher or control number (both present) that differs. A candidate found by
ISBN whose title or edition differs is *doubtful*: the record is imported as a title of
its own and the pair is listed in the import report, for a person to decide.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

SAME, DOUBTFUL, DIFFERENT = "same", "doubtful", "different"

_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def norm(text: str) -> str:
    """A title or name for comparing: case, width, spaces and punctuation ignored."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


@dataclass(frozen=True, slots=True)
class Description:
    """What a duplicate check compares of a record or a title."""

    control_number: str
    isbns: tuple[str, ...]
    title: str
    author: str
    year: int | None
    edition: str
    publisher: str

    @classmethod
    def of(cls, values: dict[str, Any], control_number: str = "") -> Description:
        authors = values.get("authors") or []
        return cls(
            control_number=(control_number or "").strip(),
            isbns=tuple(values.get("isbns") or ()),
            title=norm(values.get("title") or ""),
            author=norm(authors[0]["name"]) if authors else "",
            year=values.get("year"),
            edition=norm(values.get("edition") or ""),
            publisher=norm(values.get("publisher") or ""),
        )


def _differ(a: Any, b: Any) -> bool:
    return bool(a) and bool(b) and a != b


def compare(record: Description, title: Description) -> str:
    """SAME, DOUBTFUL or DIFFERENT: is `record` the library's `title`?"""
    if record.control_number and record.control_number == title.control_number:
        return SAME
    shared_isbn = bool(set(record.isbns) & set(title.isbns))
    if record.title != title.title:
        return DOUBTFUL if shared_isbn else DIFFERENT
    if _differ(record.edition, title.edition) or _differ(record.year, title.year):
        return DOUBTFUL if shared_isbn else DIFFERENT
    if not shared_isbn:
        # Found by title alone: the author and publisher must agree, and two records
        # that each carry their own control number are two records.
        if record.author != title.author or _differ(record.publisher, title.publisher):
            return DIFFERENT
        if _differ(record.control_number, title.control_number):
            return DOUBTFUL
        if record.isbns or title.isbns:
            return DOUBTFUL
    return SAME


def control_number(original: bytes | None) -> str:
    """The 001 of a stored (ISO 2709, UTF-8) record, read from its directory alone."""
    if not original or len(original) < 25:
        return ""
    try:
        base = int(original[12:17])
    except ValueError:
        return ""
    directory = original[24 : base - 1]
    for i in range(0, len(directory) - 11, 12):
        if directory[i : i + 3] == b"001":
            try:
                length, start = int(directory[i + 3 : i + 7]), int(directory[i + 7 : i + 12])
            except ValueError:
                return ""
            return original[base + start : base + start + length - 1].decode("utf-8", "replace")
    return ""
