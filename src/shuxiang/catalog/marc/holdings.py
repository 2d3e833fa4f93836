"""Holdings fields: read copies from CNMARC 905, MARC 21 852 and Koha-style 952, and
write the current items back in the same shapes.

Subfields used (the common vendor conventions):
- CNMARC 905: $a holding library, $b barcode, $c location, $d class number,
  $e book number (种次号 or author mark), $f volume, $h accession number, $r price.
- MARC 21 852: $a holding library, $b location, $h classification part, $i item part,
  $p barcode, $t copy, $x accession number (nonpublic note), and the price as a
  second $x "CNY25.00" or in $9 (local, read only).
- Koha 952: $a/$b branch, $c location, $o full call number, $p barcode, $i inventory
  (accession) number, $g purchase price, $d date acquired.
"""

from __future__ import annotations

import re
from typing import Any

from shuxiang.catalog import callnumbers
from shuxiang.catalog.marc.mapping import Holding, price_of, price_text
from shuxiang.catalog.marc.record import Field
from shuxiang.core.money import yuan_text

# A price written as an 852 $x note: "CNY25.00", as `price_text` writes it.
_PRICE_NOTE = re.compile(r"CNY\d{1,7}\.\d{2}")


def _join(a: str, b: str) -> str:
    a, b = a.strip(), b.strip()
    if a and b:
        return f"{a}/{b}"
    return a or b


def read(f: Field, warnings: list[str]) -> Holding:
    if f.tag == "905":
        return Holding(
            tag="905",
            barcode=f.get("b").strip(),
            call_number=_join(f.get("d"), f.get("e")),
            volume=f.get("f").strip(),
            location=f.get("c").strip(),
            price=price_of(f.get("r"), warnings),
            accession_number=f.get("h").strip(),
        )
    if f.tag == "852":
        notes = [v.strip() for v in f.getall("x")]
        prices = [v for v in notes if _PRICE_NOTE.fullmatch(v)]
        accessions = [v for v in notes if not _PRICE_NOTE.fullmatch(v)]
        return Holding(
            tag="852",
            barcode=f.get("p").strip(),
            call_number=_join(f.get("h"), f.get("i")),
            location=f.get("b").strip(),
            price=price_of(f.get("9") or (prices[0] if prices else ""), warnings),
            accession_number=accessions[0] if accessions else "",
        )
    return Holding(
        tag="952",
        barcode=f.get("p").strip(),
        call_number=f.get("o").strip(),
        volume=f.get("h").strip(),
        location=f.get("c").strip(),
        price=price_of(f.get("g") or f.get("v"), warnings),
        accession_number=f.get("i").strip(),
        acquired_on=f.get("d").strip(),
    )


def build(tag: str, item: dict[str, Any], library_code: str) -> Field:
    """A holdings field for one current item (dict: barcode, call_number, volume,
    location, price, accession_number, acquired_on)."""
    call = item.get("call_number") or ""
    class_part, _, book_part = call.partition("/")
    subs: list[tuple[str, str]]
    if tag == "905":
        subs = [("a", library_code), ("b", item["barcode"])]
        if item.get("location"):
            subs.append(("c", item["location"]))
        if class_part:
            subs.append(("d", class_part))
        if book_part:
            subs.append(("e", book_part))
        if item.get("volume"):
            subs.append(("f", item["volume"]))
        if item.get("accession_number"):
            subs.append(("h", item["accession_number"]))
        if item.get("price") is not None:
            subs.append(("r", price_text(item["price"])))
        return Field("905", "  ", subs)
    if tag == "852":
        subs = [("a", library_code)]
        if item.get("location"):
            subs.append(("b", item["location"]))
        if class_part:
            subs.append(("h", class_part))
        if book_part:
            subs.append(("i", book_part))
        subs.append(("p", item["barcode"]))
        if item.get("accession_number"):
            subs.append(("x", item["accession_number"]))
        # The copy's price as a second nonpublic note ("CNY25.00"): 852 has no price
        # subfield, and the local $9 that some systems use is not MARC 21. Left out when
        # it is the title's (020 $c), which the import gives a copy without one.
        if item.get("price") is not None and item["price"] != item.get("title_price"):
            subs.append(("x", price_text(item["price"])))
        return Field("852", "  ", subs)
    subs = [("a", library_code), ("b", library_code)]
    if item.get("location"):
        subs.append(("c", item["location"]))
    if item.get("acquired_on"):
        subs.append(("d", str(item["acquired_on"])))
    if item.get("price") is not None:
        subs.append(("g", yuan_text(item["price"])))
    if item.get("volume"):
        subs.append(("h", item["volume"]))
    if item.get("accession_number"):
        subs.append(("i", item["accession_number"]))
    if call:
        subs.append(("o", call))
    subs.append(("p", item["barcode"]))
    return Field("952", "  ", subs)


# The subfields each holdings field maps to a copy's values; everything else in a field
# (852 ind1, $a, $c, $t, $z; 952 $0 $1 $7 $l $y $z ...) is the record's own and stays.
_MAPPED_CODES: dict[str, dict[str, str]] = {
    "905": {"barcode": "b", "location": "c", "class": "d", "book": "e", "volume": "f"}
    | {"accession_number": "h", "price": "r"},
    "852": {"barcode": "p", "location": "b", "class": "h", "book": "i"}
    | {"accession_number": "x", "price": "9"},
    "952": {"barcode": "p", "location": "c", "call_number": "o", "volume": "h"}
    | {"accession_number": "i", "price": "g", "acquired_on": "d"},
}


# What only the library keeps (a copy's accession number and price): left out of
# holdings for the public catalog.
_PRIVATE_CODES = {"905": {"h", "r"}, "852": {"x", "9"}, "952": {"i", "g", "v"}}


def without_private(f: Field) -> Field:
    """The holdings field without the copy's accession number and price."""
    private = _PRIVATE_CODES.get(f.tag, set())
    return Field(f.tag, f.ind, [(c, v) for c, v in f.subfields if c not in private])


def holding_tags(flavor: str, *, local_905: bool = False) -> frozenset[str]:
    """The tags that carry copies: CNMARC's 905; MARC 21's 852 and Koha's 952, and a
    local 905 only when the library says its MARC 21 records use it so."""
    if flavor == "cnmarc":
        return frozenset({"905"})
    return frozenset({"852", "952", "905"}) if local_905 else frozenset({"852", "952"})


def _current(tag: str, item: dict[str, Any]) -> dict[str, str]:
    """The item's values as the subfields of `tag` write them."""
    call = item.get("call_number") or ""
    class_part, _, book_part = call.partition("/")
    price = item.get("price")
    return {
        "barcode": item.get("barcode") or "",
        "location": item.get("location") or "",
        "class": class_part,
        "book": book_part,
        "call_number": call,
        "volume": item.get("volume") or "",
        "accession_number": item.get("accession_number") or "",
        "price": "" if price is None else (yuan_text(price) if tag == "952" else price_text(price)),
        "acquired_on": str(item.get("acquired_on") or ""),
    }


def merge(f: Field, item: dict[str, Any]) -> Field | None:
    """The record's own holdings field `f` brought up to date with its copy `item`;
    None when nothing changed (the field is then written back byte for byte). Only the
    mapped subfields whose value differs are rewritten; a value the copy lacks (a
    location that was not found at import, say) leaves the record's own in place."""
    codes = _MAPPED_CODES[f.tag]
    was = read(f, [])
    new = _current(f.tag, item)
    # The call number as the import made it: with the field's volume added.
    calls = {was.call_number, callnumbers.with_volume(was.call_number, was.volume)}
    # A location matched at import by its name is the same location.
    places = {item.get("location") or "", item.get("location_name") or ""}
    changed: dict[str, str] = {}
    for name, code in codes.items():
        value = new[name]
        if not value:
            continue
        if name == "price":
            # A copy without a price of its own took its title's at import.
            if item.get("price") == was.price or (
                was.price is None and item.get("price") == item.get("title_price")
            ):
                continue
        elif name in ("class", "book", "call_number"):
            if (item.get("call_number") or "") in calls:
                continue
        elif name == "location":
            if f.get(code).strip() in places:
                continue
        elif name == "accession_number":
            if value == was.accession_number:
                continue
        elif value == f.get(code).strip():
            continue
        changed[code] = value
    if not changed:
        return None
    if f.tag == "852":
        return _merge_852(f, changed)
    subfields: list[tuple[str, str]] = []
    done: set[str] = set()
    for code, value in f.subfields:
        if code in changed:
            if code in done:
                continue  # a repeated mapped subfield: the copy has one value
            subfields.append((code, changed[code]))
            done.add(code)
        else:
            subfields.append((code, value))
    for code in codes.values():
        if code in changed and code not in done:
            subfields.append((code, changed[code]))
    return Field(f.tag, f.ind, subfields)


def _merge_852(f: Field, changed: dict[str, str]) -> Field:
    """852 keeps the accession number and the price both in $x (notes) or the price in
    a local $9: each new value replaces its own kind of subfield."""
    accession = changed.pop("x", None)
    price = changed.pop("9", None)
    subfields: list[tuple[str, str]] = []
    done: set[str] = set()
    for code, value in f.subfields:
        kind = code
        if code == "x":
            kind = "x-price" if _PRICE_NOTE.fullmatch(value.strip()) else "x"
        new = {"x": accession, "x-price": price, "9": price}.get(kind) or changed.get(code)
        if new is None:
            subfields.append((code, value))
            continue
        if kind in done or (kind in ("x-price", "9") and "price" in done):
            continue
        subfields.append((code, new))
        done.add(kind)
        if kind in ("x-price", "9"):
            done.add("price")
    for code, value in changed.items():
        if code not in done:
            subfields.append((code, value))
    if accession is not None and "x" not in done:
        subfields.append(("x", accession))
    if price is not None and "price" not in done:
        subfields.append(("x", price))
    return Field(f.tag, f.ind, subfields)
