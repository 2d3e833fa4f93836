"""What a scan at the check-in screen says (pure).

A periodical's cover carries an EAN-13 beginning 977 (ISSN-based), often with a 2-digit
add-on giving the issue number; a scanner sends the add-on straight after the 13 digits.
A librarian may also type the ISSN ("0317-8471"), the CN number or part of the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import ean, issn


@dataclass(frozen=True, slots=True)
class Scan:
    issn: str = ""  # "03178471", compact
    number: int | None = None  # the issue number from a 2-digit add-on
    text: str = ""  # anything else, to look up as a CN number or a title


def issn_clean(value: str) -> str | None:
    """A valid ISSN as stored ("0317-8471"), "" for nothing, None for an invalid one."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return issn.format(issn.validate(value))
    except Exception:  # stdnum's ValidationError and its kin
        return None


CN_RE = re.compile(r"^CN\s*(\d{2})\s*[-－]\s*(\d{4})\s*/\s*([A-Z][A-Z0-9.]*)$", re.IGNORECASE)


def cn_clean(value: str) -> str | None:
    """A CN number (国内统一连续出版物号) as printed, "CN11-1234/G4"; "" for nothing, None
    for text that is not one (two digits of the province, four of the title, a CLC
    class after the slash)."""
    value = (value or "").strip().replace("／", "/")
    if not value:
        return ""
    match = CN_RE.match(value)
    if not match:
        return None
    return f"CN{match.group(1)}-{match.group(2)}/{match.group(3).upper()}"


def read_scan(value: str) -> Scan:
    text = (value or "").strip()
    digits = text.replace(" ", "")
    if digits.isdigit() and len(digits) in (13, 15) and digits.startswith("977"):
        main = digits[:13]
        if ean.is_valid(main):
            body = main[3:10]
            number = int(digits[13:]) if len(digits) == 15 else None
            return Scan(issn=body + issn.calc_check_digit(body), number=number or None)
    cleaned = issn_clean(text)
    if cleaned:
        return Scan(issn=issn.compact(cleaned))
    return Scan(text=text)
