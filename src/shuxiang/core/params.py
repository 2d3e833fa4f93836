"""Whole numbers from query strings and forms.

Anyone can type anything into a URL: `int()` on it answers 500, and a number beyond
64 bits makes the database driver fail. These read a number or give the default, so the
view answers as it would for a number that names nothing (404, or its own message)."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1


def int_param(
    value: Any, *, default: int | None = None, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """`value` as a whole number within [minimum, maximum], else `default`."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 20 or not text.lstrip("-").isdigit():
        return default
    number = int(text)
    return number if minimum <= number <= maximum else default


def ids_param(value: Any) -> list[int] | None:
    """ "12, 15，18" as [12, 15, 18]; None when any part is not a valid id."""
    parts = [p for p in str(value or "").replace("，", ",").split(",") if p.strip()]
    ids = [int_param(p, minimum=1) for p in parts]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]
