"""Reclassification (再分类), pure: which new call number each title gets when its class
changes.

A title moving to another class gets a new call number in that class: class number /
the next free 种次号 there, allocated to the moving titles in their old shelf order (so
that titles standing side by side before stand side by side after), never one that any
title of the library holds now — including the old numbers of the titles that move,
which are only freed once the change is written. A title whose book number was an
author mark (著者号) keeps its mark in the new class, with a digit added when another
title holds that call number there (LX → LX2). Volumes keep their suffix (I247.5/12:2
→ I287.45/8:2). A title that had no call number gets one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from shuxiang.catalog import callnumbers

_CLC_SEPARATORS = re.compile(r"([;；,，\s]+)")


@dataclass(frozen=True, slots=True)
class TitleCalls:
    """A title as the plan needs it: its CLC number(s) and call numbers (volume, value)."""

    bib_id: int
    title: str
    clc: str
    call_numbers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CallChange:
    volume: str
    old: str  # "" when the title had no call number
    new: str


@dataclass(frozen=True, slots=True)
class Move:
    """One title's change: its CLC number and each of its call numbers, old → new."""

    bib_id: int
    title: str
    old_clc: str
    new_clc: str
    calls: tuple[CallChange, ...]

    @property
    def changed(self) -> bool:
        return self.old_clc != self.new_clc or any(c.old != c.new for c in self.calls)


def replace_class(old_clc: str, new_class: str) -> str:
    """The title's CLC numbers with the first one replaced: "I247.5;K825" with I287.45 →
    "I287.45;K825" (a record's further class numbers are kept as they were)."""
    parts = _CLC_SEPARATORS.split((old_clc or "").strip(), maxsplit=1)
    if len(parts) == 3 and parts[2]:
        return f"{new_class}{parts[1]}{parts[2]}"
    return new_class


def in_class_range(class_number: str, low: str, high: str) -> bool:
    """Is the class number between `low` and `high` in CLC order, `high`'s subdivisions
    included ("TP3" to "TP3" is all of TP3: TP31, TP311.1, TP393 ...)? An empty bound
    is open."""
    if not class_number:
        return False
    key = callnumbers._class_key(class_number)
    if low and key < callnumbers._class_key(low):
        return False
    if high:
        high_u = high.upper()
        if not class_number.upper().startswith(high_u) and key > callnumbers._class_key(high):
            return False
    return True


def _base_book_number(title: TitleCalls) -> str:
    """The title's book number (种次号 or author mark): of its call number without a
    volume if it has one, else of its first volume's."""
    calls = sorted(title.call_numbers, key=lambda c: (c[0] != "", c[0]))
    for _volume, value in calls:
        book = callnumbers.parse(value).book_number
        if book:
            return book
    return ""


def _shelf_key(title: TitleCalls) -> tuple:
    values = [v for _vol, v in title.call_numbers if v]
    if not values:
        return (1, (), title.bib_id)
    return (0, min(callnumbers.sort_key(v) for v in values), title.bib_id)


def plan(
    titles: Sequence[TitleCalls], new_classes: Mapping[int, str], taken: Iterable[str]
) -> list[Move]:
    """Each title's move to its new class (`new_classes`: bib id → a valid, normalized
    CLC class number), in the titles' old shelf order. `taken` holds every call number
    of the library in the new classes (it may hold more). A title already in its new
    class keeps its call numbers (its CLC text may still change)."""
    in_use = set(taken)
    highest: dict[str, int] = {}

    def next_in(class_number: str) -> int:
        if class_number not in highest:
            highest[class_number] = callnumbers.next_sequence(class_number, in_use) - 1
        highest[class_number] += 1
        return highest[class_number]

    moves: list[Move] = []
    for title in sorted(titles, key=_shelf_key):
        new_class = new_classes[title.bib_id]
        new_clc = replace_class(title.clc, new_class)
        values = [v for _vol, v in title.call_numbers if v]
        already = bool(values) and all(
            callnumbers.parse(v).class_number.upper() == new_class.upper() for v in values
        )
        if already:
            calls = tuple(CallChange(vol, v, v) for vol, v in sorted(title.call_numbers))
            moves.append(Move(title.bib_id, title.title, title.clc, new_clc, calls))
            continue
        book = _base_book_number(title)
        if book and not book.isdigit():
            base = callnumbers.compose(new_class, book)
            n = 1
            while any(
                callnumbers.with_volume(base, vol) in in_use for vol, _v in title.call_numbers
            ) or (not title.call_numbers and base in in_use):
                n += 1
                base = callnumbers.compose(new_class, f"{book}{n}")
        else:
            base = callnumbers.compose(new_class, next_in(new_class))
        rows = sorted(title.call_numbers) or [("", "")]
        calls = tuple(CallChange(vol, old, callnumbers.with_volume(base, vol)) for vol, old in rows)
        in_use.update(c.new for c in calls)
        moves.append(Move(title.bib_id, title.title, title.clc, new_clc, calls))
    return moves
