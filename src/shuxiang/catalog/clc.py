"""The Chinese Library Classification (中图法, CLC), pure: the class captions shipped in
data/clc.tsv, search by number, Chinese caption or pinyin, and a syntax check that
accepts any valid class number, listed or not.

A CLC number is a main class (one letter; T has two-letter subclasses TB…TV), class
digits with a point after every third digit (I247.5, G633.951), and auxiliary notations
from the general tables: "-" general subdivisions (O1-49, TU-8), "( )" regions, "="
periods, '" "' nationalities, "< >" common time/place, and ":" or "+" to combine two
numbers (colon classification)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "clc.tsv"

MAIN_CLASSES = "ABCDEFGHIJKNOPQRSTUVXZ"
T_SUBCLASSES = "BDEFGHJKLMNPQSUV"

_FULL_WIDTH = str.maketrans(
    "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ０１２３４５６７８９．－（）＝＜＞：＋“”",
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-()=<>:+""',
)
_MAIN = r"(?:T[" + T_SUBCLASSES + r"]?|[" + MAIN_CLASSES.replace("T", "") + r"])"
# Class digits: up to three, then groups of one to three after each point.
_DIGITS = r"(?:\d{1,2}|\d{3}(?:\.\d{3})*(?:\.\d{1,3})?)"
_AUX_DIGITS = r"\d+(?:\.\d+)*"
_AUX = (
    r"(?:-"
    + _AUX_DIGITS
    + r"|\("
    + _AUX_DIGITS
    + r"\)|="
    + _AUX_DIGITS
    + r'|"'
    + _AUX_DIGITS
    + r'"|<'
    + _AUX_DIGITS
    + r">)"
)
_ONE = _MAIN + r"(?:" + _DIGITS + r")?" + _AUX + r"*"
_NUMBER = re.compile(r"^" + _ONE + r"(?:[:+]" + _ONE + r")*$")
# A hint for the usual slip: the point left out ("I2475" for I247.5).
_NO_POINT = re.compile(r"^(" + _MAIN + r")(\d{3})(\d+)(.*)$")


@dataclass(frozen=True, slots=True)
class ClcClass:
    code: str
    name: str
    level: int
    parent: str
    pinyin_full: str
    pinyin_initials: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "level": self.level, "parent": self.parent}


@dataclass(frozen=True, slots=True)
class Validation:
    valid: bool
    normalized: str
    # A stable code for the caller to word: empty, main_class, t_subclass, syntax.
    code: str = ""


def normalize(raw: str) -> str:
    """Upper case, half-width signs, no spaces; "i2475" becomes "I247.5"."""
    text = (raw or "").translate(_FULL_WIDTH).upper()
    text = re.sub(r"\s+", "", text)
    match = _NO_POINT.match(text)
    if match and "." not in text.split("-")[0]:
        main, head, tail, rest = match.groups()
        groups = [tail[i : i + 3] for i in range(0, len(tail), 3)]
        text = main + head + "." + ".".join(groups) + rest
    return text


def is_valid(raw: str) -> bool:
    return bool(_NUMBER.match(raw or ""))


def validate(raw: str) -> Validation:
    """Is this a syntactically valid CLC number (after normalizing)? Not-in-file is fine."""
    text = normalize(raw)
    if not text:
        return Validation(False, "", "empty")
    if text[0] not in MAIN_CLASSES:
        return Validation(False, text, "main_class")
    if len(text) > 1 and text[0] == "T" and text[1].isalpha() and text[1] not in T_SUBCLASSES:
        return Validation(False, text, "t_subclass")
    if not _NUMBER.match(text):
        return Validation(False, text, "syntax")
    return Validation(True, text)


@lru_cache(maxsize=1)
def classes() -> dict[str, ClcClass]:
    """Every class in the data file, in file order, by number."""
    rows: list[tuple[str, str]] = []
    with DATA_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            code, name = line.split("\t", 1)
            rows.append((code.strip(), name.strip()))
    # pypinyin's dictionaries take a quarter of a second and tens of MB: loaded with the
    # class table on first use, not when a server or a command starts.
    from shuxiang.core import pinyin

    codes = {code for code, _ in rows}
    result: dict[str, ClcClass] = {}
    for code, name in rows:
        parent = ""
        for cut in range(len(code) - 1, 0, -1):
            candidate = code[:cut].rstrip(".-")
            if candidate in codes and candidate != code:
                parent = candidate
                break
        level = result[parent].level + 1 if parent in result else 1
        result[code] = ClcClass(
            code=code,
            name=name,
            level=level,
            parent=parent,
            pinyin_full=pinyin.full(name),
            pinyin_initials=pinyin.initials(name),
        )
    return result


def get(code: str) -> ClcClass | None:
    return classes().get(normalize(code))


def caption(code: str) -> str:
    """The caption of a number, or of its nearest listed ancestor ("" when none)."""
    found = nearest(code)
    return found.name if found else ""


def nearest(code: str) -> ClcClass | None:
    """The listed class that is the number itself or its closest broader class."""
    text = normalize(code)
    table = classes()
    for cut in range(len(text), 0, -1):
        found = table.get(text[:cut].rstrip(".-"))
        if found is not None:
            return found
    return None


def path(code: str) -> list[ClcClass]:
    """The chain of listed classes from the main class down to the number."""
    table = classes()
    chain: list[ClcClass] = []
    node = nearest(code)
    while node is not None:
        chain.append(node)
        node = table.get(node.parent) if node.parent else None
    return list(reversed(chain))


def main_classes() -> list[ClcClass]:
    return [c for c in classes().values() if c.level == 1]


def children(code: str) -> list[ClcClass]:
    return [c for c in classes().values() if c.parent == code]


def search(query: str, *, limit: int = 30) -> list[ClcClass]:
    """Classes matching a number prefix ("i247"), a caption ("小说") or pinyin, full or
    initials ("xiaoshuo", "xs"). Exact number first, then number prefixes in shelf
    order, then captions (shorter first), then pinyin."""
    raw = (query or "").strip()
    if not raw:
        return main_classes()[:limit]
    table = classes()
    ranked: list[tuple[tuple, ClcClass]] = []
    number = normalize(raw)
    lowered = raw.lower().replace(" ", "").replace("ü", "v")
    looks_like_number = bool(
        re.match(r"^[A-Za-zＡ-Ｚａ-ｚ][0-9０-９.．\-－()（）=＝]*$", raw)
    ) and (len(raw) <= 2 or any(ch.isdigit() for ch in raw) or raw[:1].isupper())
    for position, item in enumerate(table.values()):
        score: tuple | None = None
        if item.code == number:
            score = (0, 0, position)
        elif looks_like_number and item.code.startswith(number):
            score = (1, len(item.code), position)
        elif raw in item.name:
            score = (2, len(item.name), position)
        elif lowered.isascii() and lowered.isalpha() and len(lowered) >= 2:
            if item.pinyin_full.startswith(lowered) or item.pinyin_initials.startswith(lowered):
                score = (3, len(item.name), position)
            elif lowered in item.pinyin_full or (
                len(lowered) >= 2 and lowered in item.pinyin_initials
            ):
                score = (4, len(item.name), position)
        if score is not None:
            ranked.append((score, item))
    ranked.sort(key=lambda pair: pair[0])
    return [item for _, item in ranked[:limit]]
