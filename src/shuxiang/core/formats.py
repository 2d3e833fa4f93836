"""Card and barcode formats described by example: "R + 6 位数字" and back.

A library tells a reader card from a copy's barcode by two regular expressions
(`Library.card_pattern`, `Library.barcode_pattern`, matched whole by the desk's
`classify_scan`). Librarians think in shapes — a few fixed letters, then so many digits —
so the settings page shows and takes the shape and keeps the expression for experts.

The translation is pure (no ORM, table-tested). Core cannot read readers' cards or the
catalog's copies, so whether existing cards and barcodes fit a new pattern is asked of
checkers that patrons and catalog register from their AppConfig.ready()
(`register_checker("card", ...)`); with none registered the page says "not checked".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

CARD = "card"
BARCODE = "barcode"
KINDS = (CARD, BARCODE)

MAX_PATTERN_LENGTH = 200  # Library.card_pattern / barcode_pattern max_length
MAX_PREFIX_LENGTH = 10
MAX_DIGITS = 20
EXAMPLES = 5

# What a shape's fixed part may hold: letters, digits and hyphens, as on printed cards.
PREFIX_RE = re.compile(r"[A-Za-z0-9-]*")
# The expressions a shape writes and reads back: ^PREFIX\d{n}$ or ^PREFIX\d{n,m}$ (the
# anchors optional, as fullmatch needs none; \d+ reads as 1–20 digits).
_SHAPE_RE = re.compile(
    r"\^?(?P<prefix>(?:[A-Za-z0-9]|\\-|-)*)\\d(?:\{(?P<low>\d+)(?:,(?P<high>\d+))?\}|(?P<plus>\+))\$?"
)


@dataclass(frozen=True, slots=True)
class Shape:
    """Fixed letters (`prefix`, may be empty), then `min_digits` to `max_digits` digits."""

    prefix: str
    min_digits: int
    max_digits: int

    @property
    def pattern(self) -> str:
        """The regular expression of this shape: ^R\\d{6}$, ^\\d{6,14}$."""
        digits = (
            f"{self.min_digits}"
            if self.min_digits == self.max_digits
            else f"{self.min_digits},{self.max_digits}"
        )
        # The prefix holds only letters, digits and hyphens (PREFIX_RE), all literal
        # outside a character class, so it goes in as it is: patrons' card numbering
        # (card_shape) reads the same ^R\d{6}$.
        return f"^{self.prefix}\\d{{{digits}}}$"

    def describe(self) -> str:
        """How a librarian says it: "R + 6 位数字", "6–14 位数字"."""
        if self.min_digits == self.max_digits:
            digits = _("%(n)s 位数字") % {"n": self.min_digits}
        else:
            digits = _("%(low)s–%(high)s 位数字") % {
                "low": self.min_digits,
                "high": self.max_digits,
            }
        return f"{self.prefix} + {digits}" if self.prefix else digits

    def example(self, number: int = 123) -> str:
        """A code of this shape: R000123 (the longest width up to 6 digits)."""
        width = min(max(self.min_digits, 6), self.max_digits)
        text = str(number)[-width:]
        return f"{self.prefix}{text.zfill(width)}"


def shape_problem(prefix: str, min_digits: int | None, max_digits: int | None) -> str:
    """Why these parts make no shape ("" when they do)."""
    if len(prefix) > MAX_PREFIX_LENGTH or not PREFIX_RE.fullmatch(prefix):
        return _("前缀只能是字母、数字或连字符，最多 %(n)s 个。") % {"n": MAX_PREFIX_LENGTH}
    if min_digits is None or max_digits is None:
        return _("请填写数字的位数。")
    if not (1 <= min_digits <= MAX_DIGITS and 1 <= max_digits <= MAX_DIGITS):
        return _("数字的位数应在 1 到 %(n)s 之间。") % {"n": MAX_DIGITS}
    if max_digits < min_digits:
        return _("最多位数不能少于最少位数。")
    return ""


def shape_of(pattern: str) -> Shape | None:
    """The shape a regular expression describes, or None when it is not prefix + digits
    (an expert's own expression)."""
    match = _SHAPE_RE.fullmatch(pattern.strip())
    if match is None:
        return None
    prefix = match["prefix"].replace("\\-", "-")
    if match["plus"]:
        low, high = 1, MAX_DIGITS
    else:
        low = int(match["low"])
        high = int(match["high"]) if match["high"] is not None else low
    if shape_problem(prefix, low, high):
        return None
    return Shape(prefix, low, high)


def shape_from_example(code: str) -> Shape | None:
    """The shape of one code a librarian types: R000123 → R + 6 位数字; None when the
    code is not letters followed by digits."""
    match = re.fullmatch(r"([A-Za-z0-9-]*?)(\d+)", code.strip())
    if match is None:
        return None
    prefix, digits = match[1], len(match[2])
    if shape_problem(prefix, digits, digits):
        return None
    return Shape(prefix, digits, digits)


def describe(pattern: str) -> str:
    """The shape of a pattern in words, or the expression itself when it has no shape."""
    shape = shape_of(pattern)
    return shape.describe() if shape is not None else _("自定义格式 %(p)s") % {"p": pattern}


def pattern_problem(pattern: str) -> str:
    """Why this regular expression cannot be a card or barcode pattern ("" when it can):
    it must compile, fit the field, and not accept an empty scan."""
    if not pattern.strip():
        return _("格式不能为空。")
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _("正则表达式太长（最多 %(n)s 个字符）。") % {"n": MAX_PATTERN_LENGTH}
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return _("正则表达式有误：%(error)s") % {"error": exc}
    if compiled.fullmatch("") is not None:
        return _("这个格式连空白也能匹配，请至少要求一位字符。")
    return ""


def shapes_overlap(a: Shape, b: Shape) -> bool:
    """Could one code fit both shapes (so a scan could not tell a card from a barcode)?
    Codes are prefix + digits, so they overlap only where one prefix is the other plus
    digits and the lengths can meet."""
    if not b.prefix.startswith(a.prefix):
        a, b = b, a
    if not b.prefix.startswith(a.prefix):
        return False
    extra = b.prefix[len(a.prefix) :]
    if extra and not extra.isdigit():
        return False
    # a's digits = extra + b's digits: len in [a.min, a.max] ∩ [b.min + k, b.max + k]
    k = len(extra)
    return max(a.min_digits, b.min_digits + k) <= min(a.max_digits, b.max_digits + k)


def patterns_overlap(card_pattern: str, barcode_pattern: str) -> bool | None:
    """Do the two patterns accept a common code? None when either is not a shape (not
    decided)."""
    card, barcode = shape_of(card_pattern), shape_of(barcode_pattern)
    if card is None or barcode is None:
        return None
    return shapes_overlap(card, barcode)


# --- existing codes against a new pattern ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Fit:
    """How existing codes fit a pattern: `checked` is False when no app could count them."""

    checked: bool
    total: int = 0
    misfits: int = 0
    examples: tuple[str, ...] = ()


NOT_CHECKED = Fit(checked=False)


def fit(codes: Iterable[str], pattern: str, *, examples: int = EXAMPLES) -> Fit:
    """Count the codes that do not fit `pattern` (matched whole, as the desk matches a
    scan) and keep the first few as examples. Empty codes are not counted."""
    compiled = re.compile(pattern)
    total = misfits = 0
    found: list[str] = []
    for code in codes:
        if not code:
            continue
        total += 1
        if compiled.fullmatch(code) is None:
            misfits += 1
            if len(found) < examples:
                found.append(code)
    return Fit(checked=True, total=total, misfits=misfits, examples=tuple(found))


# (library, pattern) -> Fit; patrons registers "card", catalog "barcode".
Checker = Callable[[Any, str], Fit]
_CHECKERS: dict[str, Checker] = {}


def register_checker(kind: str, checker: Checker) -> None:
    """Say how to check a library's existing codes of this kind against a pattern."""
    if kind not in KINDS:
        raise ValueError(f"unknown code kind {kind!r}")
    _CHECKERS[kind] = checker


def check(kind: str, library: Any, pattern: str) -> Fit:
    """How the library's existing codes of this kind fit `pattern`; NOT_CHECKED when no
    app registered a checker for them."""
    checker = _CHECKERS.get(kind)
    return checker(library, pattern) if checker is not None else NOT_CHECKED
