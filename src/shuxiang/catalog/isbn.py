"""ISBN handling (pure): validate with python-stdnum, normalize to 13 digits, and keep
what does not validate (a mistyped ISBN, a 统一书号) as written rather than drop it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ－　", "0123456789Xx- ")
# "978-7-02-000220-7 (精装)" and "7-02-000220-X:CNY12.00": the number is the first run.
_CANDIDATE = re.compile(r"[0-9][0-9\- ]{8,16}[0-9Xx]")


def clean(raw: str) -> str:
    return raw.translate(_FULL_WIDTH).strip()


def normalize(raw: str | None) -> str | None:
    """The ISBN-13 for a valid ISBN-10 or -13 (with or without hyphens), else None."""
    if not raw:
        return None
    text = clean(raw)
    match = _CANDIDATE.search(text)
    candidate = match.group(0) if match else text
    try:
        return stdnum_isbn.to_isbn13(stdnum_isbn.validate(candidate))
    except ValidationError:
        return None


def hyphenate(isbn13: str) -> str:
    """978-7-02-000220-7 for display (stdnum knows the ranges)."""
    try:
        return stdnum_isbn.format(isbn13)
    except ValidationError:
        return isbn13


@dataclass
class IsbnSet:
    valid: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    @property
    def first(self) -> str:
        return self.valid[0] if self.valid else ""


def split(values: list[str]) -> IsbnSet:
    """Sort numbers into valid ISBN-13s (deduplicated, in order) and kept-as-written others."""
    result = IsbnSet()
    for value in values:
        if not value or not value.strip():
            continue
        norm = normalize(value)
        if norm:
            if norm not in result.valid:
                result.valid.append(norm)
        elif clean(value) not in result.invalid:
            result.invalid.append(clean(value))
    return result
