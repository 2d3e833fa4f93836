"""Call numbers (索书号), pure rules.

A call number is the CLC class number, a slash, and a book number that tells apart
the titles within the class: the 种次号 (the next free sequence number within the class
number, per library) or an author mark (著者号, from the pinyin initials of the first
author). The copies of a title share it; volumes add a suffix ("I247.5/12:2").

Shelf order follows the CLC rules, not string order: the class letters, then the class
digits one at a time (A11 < A2, as in a decimal classification), then the book number
with its digits read as an integer (B43/6 < B43/11), then the volume.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SEPARATOR = "/"
VOLUME_SEPARATOR = ":"

# Auxiliary CLC signs sort before the digits that would extend the class, in the
# order the CLC gives its notation: general subdivision "-", then "(", "=", quotes,
# "<", ":" and "+".
_SIGN_ORDER = {c: i for i, c in enumerate('-()="<>:+')}
_RUNS = re.compile(r"\d+|[^\d]+")


@dataclass(frozen=True, slots=True)
class CallNumberParts:
    class_number: str
    book_number: str = ""
    volume: str = ""


def parse(value: str) -> CallNumberParts:
    """ "I247.5/12:2" → class I247.5, book number 12, volume 2."""
    value = (value or "").strip()
    class_number, sep, rest = value.partition(SEPARATOR)
    if not sep:
        return CallNumberParts(class_number)
    book, _, volume = rest.partition(VOLUME_SEPARATOR)
    return CallNumberParts(class_number.strip(), book.strip(), volume.strip())


def compose(class_number: str, book_number: str | int, volume: str = "") -> str:
    value = f"{class_number.strip().upper()}{SEPARATOR}{book_number}"
    return with_volume(value, volume)


def with_volume(value: str, volume: str) -> str:
    """The call number of one volume of a multi-volume title: "I247.5/12" + "2" → "I247.5/12:2"."""
    volume = (volume or "").strip()
    return f"{value}{VOLUME_SEPARATOR}{volume}" if volume else value


def class_part(clc: str) -> str:
    """The class number used in a call number: the first CLC number of a record
    ("I247.5;K825" → "I247.5"), upper-cased, without spaces."""
    first = re.split(r"[;；,，\s]+", (clc or "").strip())[0]
    return first.upper()


def sequence_of(value: str, class_number: str) -> int | None:
    """The 种次号 of `value` if it is "<class_number>/<digits>[:volume]", else None."""
    parts = parse(value)
    if parts.class_number.upper() != class_number.upper() or not parts.book_number.isdigit():
        return None
    return int(parts.book_number)


def next_sequence(class_number: str, taken: Iterable[str]) -> int:
    """The next free 种次号 within a class: one more than the highest in use."""
    highest = 0
    for value in taken:
        seq = sequence_of(value, class_number)
        if seq is not None and seq > highest:
            highest = seq
    return highest + 1


def author_mark(name: str, *, letters: int = 2, upper: bool = True) -> str:
    """An author mark from the pinyin initials of the author's name (surnames read as
    surnames: 曾 is Z): 鲁迅 → "LX"; Western names use their own initials."""
    name = (name or "").strip()
    if not name:
        return ""
    if name.isascii():
        words = [w for w in re.split(r"[\s,.\-]+", name) if w]
        mark = "".join(w[0] for w in words)
    else:
        from shuxiang.core import pinyin  # loads the pinyin dictionaries: only when asked

        mark = pinyin.initials(name, is_name=True)
    mark = mark[: max(1, letters)]
    return mark.upper() if upper else mark


def _class_key(class_number: str) -> tuple:
    letters = ""
    i = 0
    text = class_number.upper()
    while i < len(text) and text[i].isalpha():
        letters += text[i]
        i += 1
    rest = []
    for ch in text[i:]:
        if ch.isdigit():
            rest.append((1, int(ch), ""))
        elif ch == ".":
            continue  # the point only groups digits for the eye
        else:
            rest.append((0, _SIGN_ORDER.get(ch, len(_SIGN_ORDER)), ch))
    return (letters, tuple(rest))


def _natural(text: str) -> tuple:
    """Digits as integers, letters as text: "LX12" < "LX9a" is false, 6 < 11."""
    return tuple(
        (0, int(run), "") if run.isdigit() else (1, 0, run.upper()) for run in _RUNS.findall(text)
    )


def sort_key(value: str) -> tuple:
    """The shelf-order key of a call number (A11/45 < A2/13 < B43/6 < B43/11)."""
    parts = parse(value)
    return (_class_key(parts.class_number), _natural(parts.book_number), _natural(parts.volume))


def reassigned(old_value: str, class_number: str, taken: Iterable[str], *, author: str = "") -> str:
    """The call number of a title moved to another class, by the rule its old one
    followed: a 种次号 becomes the next free one of the new class ("I247.5/12" to class
    I287 with I287/1–3 taken: "I287/4"); an author mark is kept, with a counter when the
    new class already has it ("I287/LX2"). `taken` are the values in use that begin with
    the new class number and a slash."""
    class_number = class_number.strip().upper()
    book = parse(old_value).book_number
    taken = list(taken)
    if not book or book.isdigit():
        return compose(class_number, next_sequence(class_number, taken))
    mark = author_mark(author) if author else re.sub(r"\d+$", "", book) or book
    stem = compose(class_number, mark)
    used = set(taken)
    value, counter = stem, 1
    while value in used:
        counter += 1
        value = f"{stem}{counter}"
    return value
