"""Money in integer fen (分) behind one type.

Prices arrive as "CNY47.20", "47.2元", "￥47.20" or 47.2 from MARC, spreadsheets and forms;
they become 4720 fen at the border and are never floats inside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_PRICE_RE = re.compile(r"(\d+(?:[.,]\d+)?)")


class MoneyError(ValueError):
    """A text that holds no readable amount."""


@dataclass(frozen=True, order=True, slots=True)
class Money:
    fen: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError("Money holds integer fen")

    @classmethod
    def yuan(cls, amount: str | int | Decimal) -> Money:
        """Money from an amount in yuan (元): Money.yuan("47.20") == Money(4720)."""
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {amount!r}") from exc
        return cls(int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    @classmethod
    def parse(cls, text: str | int | float | Decimal | None) -> Money | None:
        """Read a price as vendors write it ("CNY47.20", "￥47.2", "47.20元", "47,20").

        Returns None for an empty value; raises MoneyError for text with no amount.
        """
        if text is None:
            return None
        if isinstance(text, bool):
            raise MoneyError(f"not an amount: {text!r}")
        if isinstance(text, int):
            return cls.yuan(text)
        if isinstance(text, float | Decimal):
            return cls.yuan(Decimal(str(text)))
        cleaned = text.strip().translate(_FULL_WIDTH)
        if not cleaned:
            return None
        match = _PRICE_RE.search(cleaned.replace(" ", ""))
        if not match:
            raise MoneyError(f"not an amount: {text!r}")
        return cls.yuan(match.group(1).replace(",", "."))

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply Money by int or Decimal, never float")
        product = Decimal(self.fen) * Decimal(factor)
        return Money(int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __bool__(self) -> bool:
        return self.fen != 0

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.fen) / 100

    def __str__(self) -> str:
        sign = "-" if self.fen < 0 else ""
        whole, part = divmod(abs(self.fen), 100)
        return f"{sign}¥{whole}.{part:02d}"

    def plain(self) -> str:
        """ "47.20": the amount without a currency sign, for spreadsheets and MARC."""
        sign = "-" if self.fen < 0 else ""
        whole, part = divmod(abs(self.fen), 100)
        return f"{sign}{whole}.{part:02d}"


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，￥", "0123456789.,¥")


def format_fen(fen: int | None) -> str:
    """Template-friendly: 4720 → "¥47.20", None → ""."""
    return "" if fen is None else str(Money(fen))


def yuan_text(fen: int | None) -> str:
    """Fen as a plain amount in yuan for messages, spreadsheets and forms:
    4720 → "47.20", None → "". The one formatter; `format_fen` adds the ¥ sign."""
    return "" if fen is None else Money(fen).plain()
