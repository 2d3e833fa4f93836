"""The MARC exporter: streams records as ISO 2709 or MARCXML, UTF-8, in constant
memory (titles are read in keyset-paginated chunks, with their items per chunk).

A record is written in its own format. An imported record nobody edited (its Bib
values still equal what the stored original maps to) is written back field for field,
at the byte level; an edited one gets its mapped fields rebuilt from the Bib and keeps
every other original field. Titles made in Shuxiang are written as MARC 21 or CNMARC.
Holdings always come from the items as they are now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from shuxiang.catalog.marc import cnmarc, holdings, marc21
from shuxiang.catalog.marc.detect import CNMARC, MARC21
from shuxiang.catalog.marc.mapping import BIB_FIELDS, HOLDING_TAGS
from shuxiang.catalog.marc.record import (
    Field,
    Record,
    parse_utf8,
    replace_fields,
    to_iso2709,
)
from shuxiang.catalog.models import Bib, Item
from shuxiang.core import clock
from shuxiang.core.models import Library

CHUNK = 1000
_LIGHT = ("id", "marc_format", "marc_record", "created_at", "updated_at")


def _module(flavor: str) -> Any:
    return cnmarc if flavor == CNMARC else marc21


def _holdings_tag(flavor: str, original: bytes | None) -> str:
    if flavor == CNMARC:
        return "905"
    if original:
        # Koha-style holdings came in: give them back in the same shape.
        directory = original[24 : int(original[12:17]) - 1]
        for i in range(0, len(directory), 12):
            if directory[i : i + 3] == b"952":
                return "952"
    return "852"


def _items_by_bib(library: Library, bib_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The current copies of these titles, oldest first. Selected by title only: with a
    library_id term too, SQLite (without statistics) walks the library's whole index
    instead of the titles'. The titles are this library's; the check below keeps it so."""
    out: dict[int, list[dict[str, Any]]] = {}
    rows = (
        Item.objects.filter(bib_id__in=bib_ids)
        .exclude(status=Item.Status.WITHDRAWN)
        .values_list(
            "id",
            "library_id",
            "bib_id",
            "barcode",
            "call_number__value",
            "call_number__volume",
            "location__code",
            "price",
            "accession_number",
            "acquired_on",
        )
    )
    library_id = library.pk
    for row in sorted(rows):
        _id, item_library, bib_id, barcode, call, volume, location, price, accession, acquired = row
        if item_library != library_id:
            continue
        out.setdefault(bib_id, []).append(
            {
                "barcode": barcode,
                "call_number": call or "",
                "volume": volume or "",
                "location": location or "",
                "price": price,
                "accession_number": accession or "",
                "acquired_on": acquired.isoformat() if acquired else "",
            }
        )
    return out


def _same(values: dict[str, Any], row: dict[str, Any]) -> bool:
    return all(values[name] == row[name] for name in BIB_FIELDS)


class Exporter:
    def __init__(
        self,
        *,
        library: Library,
        default_format: str = MARC21,
        xml: bool = False,
        since: dt.date | None = None,
        clc_prefix: str = "",
        bib_ids: list[int] | None = None,
        public: bool = False,
    ) -> None:
        """`public`: for the public catalog (the SRU server), holdings leave out what only
        the library keeps: each copy's accession number and the price it paid."""
        self.library = library
        self.public = public
        self.default_format = default_format
        self.xml = xml
        self.since = since
        self.clc_prefix = clc_prefix.strip().upper()
        self.bib_ids = bib_ids
        self.today = clock.today().strftime("%Y%m%d")
        self.count = 0

    def _queryset(self) -> Any:
        qs = Bib.objects.filter(library=self.library)
        if self.since:
            qs = qs.filter(updated_at__date__gte=self.since)
        if self.clc_prefix:
            qs = qs.filter(clc__startswith=self.clc_prefix)
        if self.bib_ids is not None:
            qs = qs.filter(pk__in=self.bib_ids)
        return qs

    def total(self) -> int:
        return self._queryset().count()

    def chunks(self) -> Iterator[bytes]:
        """The export as byte chunks (one per batch of titles)."""
        if self.xml:
            yield b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
        last = 0
        qs = self._queryset().order_by("id")
        while True:
            rows = list(qs.filter(id__gt=last).values_list(*_LIGHT)[:CHUNK])
            if not rows:
                break
            last = rows[-1][0]
            items = _items_by_bib(self.library, [r[0] for r in rows])
            if self.public:
                for copies in items.values():
                    for item in copies:
                        item.update(price=None, accession_number="")
            # Saved since import (or made here): the full values are needed to compare/build.
            slow = [
                r[0]
                for r in rows
                if not (r[2] is not None and r[1] and r[3] == r[4] and not self.xml)
            ]
            full = {
                r["id"]: r
                for r in Bib.objects.filter(pk__in=slow).values("id", *_LIGHT[1:], *BIB_FIELDS)
            }
            out = []
            code = self.library.code
            for bib_id, flavor, original, _created, _updated in rows:
                if bib_id in full:
                    out.append(self.record_bytes(full[bib_id], items.get(bib_id, [])))
                else:
                    # Unedited since import: the stored record, byte for byte, with current holdings.
                    original = bytes(original)
                    extra = holdings.build_bytes(
                        _holdings_tag(flavor, original), items.get(bib_id, []), code
                    )
                    out.append(replace_fields(original, HOLDING_TAGS, extra))
            self.count += len(rows)
            yield b"".join(out)
        if self.xml:
            yield b"</collection>\n"

    def write(self, stream: BinaryIO) -> int:
        for chunk in self.chunks():
            stream.write(chunk)
        return self.count

    def record_bytes(self, row: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
        original = row["marc_record"]
        original = bytes(original) if original is not None else None
        flavor = row["marc_format"] or self.default_format
        tag = _holdings_tag(flavor, original)
        code = self.library.code
        if original and row["marc_format"]:
            record = parse_utf8(original)
            if _same(_module(flavor).to_bib(record).values, row):
                if not self.xml:
                    return replace_fields(
                        original, HOLDING_TAGS, holdings.build_bytes(tag, items, code)
                    )
                fields = [f for f in record.fields if f.tag not in HOLDING_TAGS]
                record = Record(record.leader, fields)
                _insert(record, [holdings.build(tag, item, code) for item in items])
                return self._xml(record)
            record = self._edited(record, row, flavor)
        else:
            module = _module(flavor)
            fields = module.bib_fields(row, control_number=f"SX{row['id']}", today=self.today)
            record = Record(module.LEADER, fields)
        _insert(record, [holdings.build(tag, item, code) for item in items])
        if self.xml:
            return self._xml(record)
        return to_iso2709(record, utf8_flag=flavor == MARC21)

    def _edited(self, record: Record, row: dict[str, Any], flavor: str) -> Record:
        """The mapped fields rebuilt from the Bib; every other original field kept."""
        module = _module(flavor)
        rebuilt = module.bib_fields(row, control_number="", today=self.today)
        drop = module.MAPPED_TAGS | HOLDING_TAGS
        kept = [f for f in record.fields if f.tag not in drop]
        new = [f for f in rebuilt if f.tag not in {"001", "100" if flavor == CNMARC else "008"}]
        if flavor == CNMARC and record.first("100") is None:
            new.append(next(f for f in rebuilt if f.tag == "100"))
        if flavor == MARC21 and record.first("008") is None:
            new.append(next(f for f in rebuilt if f.tag == "008"))
        result = Record(record.leader, kept)
        _insert(result, new)
        return result

    def _xml(self, record: Record) -> bytes:
        parts = ["<record>\n  <leader>", escape(_xml_safe(record.leader)), "</leader>\n"]
        for f in record.fields:
            if f.data is not None:
                parts.append(
                    f"  <controlfield tag={quoteattr(f.tag)}>{escape(_xml_safe(f.data))}</controlfield>\n"
                )
                continue
            ind1, ind2 = (f.ind + "  ")[:2]
            parts.append(
                f"  <datafield tag={quoteattr(f.tag)} ind1={quoteattr(ind1)} ind2={quoteattr(ind2)}>\n"
            )
            for c, v in f.subfields:
                parts.append(
                    f"    <subfield code={quoteattr(c)}>{escape(_xml_safe(v))}</subfield>\n"
                )
            parts.append("  </datafield>\n")
        parts.append("</record>\n")
        return "".join(parts).encode("utf-8")


_XML_BAD = {i: None for i in range(32) if i not in (9, 10, 13)}


def _xml_safe(text: str) -> str:
    # XML 1.0 cannot carry most control characters; MARC data occasionally has them.
    return text.translate(_XML_BAD) if any(ord(c) < 32 for c in text) else text


def _insert(record: Record, extra: list[Field]) -> None:
    """Add fields after the last field whose tag is not above theirs."""
    for f in extra:
        idx = len(record.fields)
        while idx > 0 and record.fields[idx - 1].tag > f.tag:
            idx -= 1
        record.fields.insert(idx, f)
