"""What the MARC mappings share: the Bib values a record maps to, holdings, and the
small text rules (ISBD punctuation, years, prices, clipping to column sizes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules
from shuxiang.core.money import Money, MoneyError, yuan_text

# The Bib columns a MARC record fills; an imported record is "unedited" while these
# still equal what its stored original maps to.
BIB_FIELDS = (
    "title",
    "parallel_title",
    "responsibility",
    "authors",
    "edition",
    "publisher",
    "place",
    "year",
    "pages",
    "size",
    "isbn",
    "isbns",
    "invalid_isbns",
    "price",
    "clc",
    "subjects",
    "series",
    "summary",
    "language",
    "material_type",
)

MAX_LENGTHS = {
    "title": 500,
    "parallel_title": 500,
    "responsibility": 500,
    "edition": 100,
    "publisher": 200,
    "place": 100,
    "pages": 100,
    "size": 50,
    "clc": 60,
    "series": 300,
    "language": 10,
}

HOLDING_TAGS = frozenset({"905", "852", "952"})


def is_note(flavor: str) -> Callable[[str], bool]:
    """Tags of repeatable notes, which a field too long for ISO 2709 may be split into:
    MARC 21's 5XX (520 summary ...), CNMARC's 3XX (330 summary ...)."""
    first = "3" if flavor == "cnmarc" else "5"
    return lambda tag: tag[:1] == first


# The tags the mappings read; an import decodes only these into fields (the whole
# record is kept as bytes anyway).
READ_TAGS = {
    "cnmarc": frozenset(
        {"010", "091", "101", "200", "205", "210", "215", "225", "330", "606", "690", "905"}
        | {"700", "701", "702", "710", "711", "712"}
    ),
    "marc21": frozenset(
        {"008", "020", "041", "084", "093", "245", "246", "250", "260", "264", "300", "490"}
        | {"520", "650", "830", "852", "880", "952", "100", "110", "111", "700", "710", "711"}
        | {"905"}
    ),
}

_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d|21\d\d)")
# ISBD punctuation that MARC 21 cataloguers leave at the end of a subfield.
_TRAILING = " /:;,=+."


@dataclass(slots=True)
class Holding:
    """A copy described in a record (CNMARC 905, MARC 21 852, Koha 952)."""

    tag: str
    barcode: str = ""
    call_number: str = ""
    volume: str = ""
    location: str = ""
    price: int | None = None
    accession_number: str = ""
    acquired_on: str = ""


class Note(str):
    """A mapping warning: its text, and its kind (a stable code such as "invalid_isbn")
    by which the import report counts warnings."""

    kind: str

    def __new__(cls, kind: str, text: str) -> Note:
        note = super().__new__(cls, text)
        note.kind = kind
        return note


@dataclass(slots=True)
class Mapped:
    values: dict[str, Any]
    holdings: list[Holding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def strip_isbd(text: str) -> str:
    text = text.strip()
    while text and text[-1] in _TRAILING:
        # keep an initial's or abbreviation's full stop ("Jr.", "ed.") only when short words
        if text[-1] == "." and len(text) > 2 and text[-3] == " ":
            break
        text = text[:-1].rstrip()
    return text


def year_of(text: str) -> int | None:
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


_PLAIN_PRICE = re.compile(r"(?:CNY|RMB|¥|￥)?\s*(\d{1,7})(?:\.(\d{1,2}))?")


def price_of(text: str, warnings: list[str]) -> int | None:
    if not text or not text.strip():
        return None
    plain = _PLAIN_PRICE.fullmatch(text.strip())
    if plain:  # "CNY36.00", the vendors' usual form, without the general parser
        return int(plain.group(1)) * 100 + int((plain.group(2) or "0").ljust(2, "0"))
    try:
        money = Money.parse(text)
    except MoneyError:
        warnings.append(Note("bad_price", _("价格“%(text)s”无法识别，未保存") % {"text": text}))
        return None
    return money.fen if money is not None and money.fen >= 0 else None


def price_text(fen: int | None) -> str:
    """A price as records carry it: 3600 → "CNY36.00", None → "" (read back by `price_of`)."""
    return "" if fen is None else "CNY" + yuan_text(fen)


def material_type(leader: str) -> str:
    kind, level = leader[6:7], leader[7:8]
    if level == "s":
        return "periodical"
    if kind in ("g", "i", "j", "k"):
        return "audio_visual"
    if kind in ("l", "m"):
        return "e_resource"
    return "book"


def _plain_isbn13(raw: str) -> str | None:
    """The common case without the full validator: a bare 978/979 number whose check
    digit is right. Anything else goes through `catalog.isbn`."""
    text = raw.strip().replace("-", "")
    if len(text) != 13 or not text.isdigit() or text[:3] not in ("978", "979"):
        return None
    total = sum(map(int, text[0:12:2])) + 3 * sum(map(int, text[1:12:2]))
    return text if (10 - total % 10) % 10 == int(text[12]) else None


def _split_isbns(raw: list[str]) -> tuple[list[str], list[str]]:
    fast = [_plain_isbn13(r) for r in raw if r and r.strip()]
    if all(fast):
        return list(dict.fromkeys(fast)), []  # type: ignore[arg-type]
    numbers = isbn_rules.split(raw)
    return numbers.valid, list(numbers.invalid)


def finish(
    values: dict[str, Any], raw_isbns: list[str], extra_invalid: list[str], warnings: list[str]
) -> dict:
    """Sort the ISBNs into valid and kept-as-written, and clip texts to column sizes."""
    valid, invalid = _split_isbns(raw_isbns)
    for value in extra_invalid:
        cleaned = isbn_rules.clean(value)
        if cleaned and cleaned not in invalid:
            invalid.append(cleaned)
    for value in invalid:
        warnings.append(
            Note(
                "invalid_isbn",
                _("ISBN“%(value)s”无效（或为统一书号），按原样保留") % {"value": value},
            )
        )
    values["isbns"] = valid
    values["isbn"] = valid[0] if valid else ""
    values["invalid_isbns"] = invalid
    for key, size in MAX_LENGTHS.items():
        text = values.get(key) or ""
        values[key] = text[:size]
    values["clc"] = values["clc"].upper()
    for author in values["authors"]:
        if len(author["name"]) > 200 or len(author["role"]) > 40:
            author["name"], author["role"] = author["name"][:200], author["role"][:40]
    return values


def join_subject(f: Any) -> str:
    parts = [v.strip() for c, v in f.subfields if c in "axyz" and v.strip()]
    return "--".join(strip_isbd(p) for p in parts)
