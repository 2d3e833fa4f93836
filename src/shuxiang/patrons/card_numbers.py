"""Card numbers (借书证号): the one check a new card number passes, and handing out the
next free numbers of a library's card pattern. Plain values in, no database: the
services read the facts (who holds a number, which numbers are retired) and ask here."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from shuxiang.core.errors import Conflict, DomainError, Invalid


def card_problem(
    card: str, *, pattern: str, holder: str | None = None, retired: bool = False
) -> DomainError | None:
    """Why this card number cannot be given to a reader, or None when it can. It must fit
    the library's card pattern (so that one scan field tells cards from barcodes), must
    not be a retired card (挂失停用: a scan of it says so for good) and must not be held
    by another reader (`holder`: that reader's name)."""
    if pattern and not re.fullmatch(pattern, card):
        return Invalid(
            _("借书证号 %(card)s 不符合本馆的格式 %(pattern)s。")
            % {"card": card, "pattern": pattern},
            code="invalid_card",
        )
    if retired:
        return Conflict(
            _("借书证号 %(card)s 已挂失停用，不能再发给读者。") % {"card": card},
            code="card_retired",
        )
    if holder is not None:
        return Conflict(
            _("借书证号 %(card)s 已被读者 %(name)s 使用。") % {"card": card, "name": holder},
            code="duplicate_card",
        )
    return None


def card_shape(pattern: str) -> tuple[str, int] | None:
    """(prefix, digits) for generating numbers that fit a card pattern such as
    ^R\\d{4,10}$ → ("R", 6); None when the pattern is not prefix + digits."""
    if not pattern:
        return ("R", 6)
    match = re.fullmatch(r"\^?([A-Za-z0-9-]*)\\d(?:\{(\d+)(?:,(\d*))?\}|\+)?\$?", pattern)
    if not match:
        return None
    low = int(match[2]) if match[2] else 1
    high = int(match[3]) if match[3] else (low if match[2] and match[3] is None else 12)
    if match[2] and match[3] == "":
        high = 12
    width = min(max(low, 6), high)
    return match[1], width


class CardNumbers:
    """Hands out the next free card numbers of a card pattern, in pattern order: the
    prefix and the highest number in use (`used`: current and retired cards) plus one."""

    def __init__(self, pattern: str, used: Iterable[str]) -> None:
        self.shape = card_shape(pattern)
        self.pattern = pattern
        self.next = 1
        if self.shape is None:
            return
        prefix, _width = self.shape
        for number in used:
            if not number.upper().startswith(prefix.upper()):
                continue
            tail = number[len(prefix) :]
            if tail.isdigit():
                self.next = max(self.next, int(tail) + 1)

    def take(self) -> str | None:
        if self.shape is None:
            return None
        prefix, width = self.shape
        card = f"{prefix}{self.next:0{width}d}"
        if self.pattern and not re.fullmatch(self.pattern, card):
            return None
        self.next += 1
        return card
