"""The MARC exporter: streams records as ISO 2709 or MARCXML, UTF-8, in constant
memory (titles are read in keyset-paginated chunks, with their items per chunk).

A record is written in its own format. An imported record nobody edited (its Bib
values still equal what the stored original maps to) is written back field for field,
at the byte level; an edited one gets its mapped fields rebuilt from the Bib and keeps
every other original field. Titles made in Shuxiang are written as MARC 21 or CNMARC.
Holdings always come from the items as they are now, written into the record's own
holdings fields: a copy's field keeps every subfield and indicator that the mapping does
not read, and a holdings field that never became a copy (an 852 without a barcode, say)
stays as it came. A record that cannot be written (a field too long for ISO 2709, a
stored record that does not parse) is left out and listed in `skipped`, and the export
goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone

from shuxiang.catalog.marc import cnmarc, holdings, marc21
from shuxiang.catalog.marc.detect import CNMARC, MARC21
from shuxiang.catalog.marc.mapping import BIB_FIELDS, is_note
from shuxiang.catalog.marc.record import (
    Field,
    MarcError,
    Record,
    assemble,
    field_bytes,
    field_from_bytes,
    fit,
    parse_utf8,
    split_fields,
)
from shuxiang.catalog.models import Bib, Item
from shuxiang.core import clock
from shuxiang.core.models import Library

log = logging.getLogger(__name__)

CHUNK = 1000
_LIGHT = ("id", "marc_format", "marc_record", "created_at", "updated_at")


def _module(flavor: str) -> Any:
    return cnmarc if flavor == CNMARC else marc21


def _holdings_tag(flavor: str, fields: list[tuple[str, bytes]]) -> str:
    """The tag new copies are written in: the record's own holdings tag (Koha-style
    952 stays 952), else 905 for CNMARC and 852 for MARC 21."""
    if flavor == CNMARC:
        return "905"
    for tag, _data in fields:
        if tag == "952":
            return "952"
    return "852"


def with_holdings(
    flavor: str,
    fields: list[tuple[str, bytes]],
    items: list[dict[str, Any]],
    code: str,
    *,
    public: bool = False,
) -> list[tuple[str, bytes]]:
    """A record's fields with its holdings as the copies are now. Each holdings field
    whose barcode is a current copy is brought up to date (`holdings.merge`: byte for
    byte when nothing changed); one whose copy is gone (withdrawn, or another title's)
    is left out; one without a barcode, which never was a copy, stays. Copies the
    record does not describe get new fields after the last holdings field (or in tag
    order). In MARC 21 a 905 counts only when its barcode is one of the copies.
    `public`: every holdings field without accession numbers and prices."""
    tags = holdings.holding_tags(flavor, local_905=True)
    by_barcode = {item["barcode"]: item for item in items}
    used: set[str] = set()
    out: list[tuple[str, bytes]] = []
    last_holding = -1
    for tag, data in fields:
        if tag not in tags:
            out.append((tag, data))
            continue
        try:
            field = field_from_bytes(tag, data)
        except UnicodeDecodeError:
            out.append((tag, data))
            continue
        barcode = holdings.read(field, []).barcode
        if flavor != CNMARC and tag == "905" and barcode not in by_barcode:
            out.append((tag, data))  # a local field of the record's own
            continue
        if not barcode:
            merged = None
        else:
            item = by_barcode.get(barcode)
            if item is None or barcode in used:
                continue
            used.add(barcode)
            merged = holdings.merge(field, item)
        if public:
            merged = holdings.without_private(merged or field)
        out.append((tag, data if merged is None else field_bytes(merged)))
        last_holding = len(out) - 1
    new_tag = _holdings_tag(flavor, fields)
    extra = [
        (new_tag, field_bytes(holdings.build(new_tag, item, code)))
        for item in items
        if item["barcode"] not in used
    ]
    if last_holding >= 0:
        out[last_holding + 1 : last_holding + 1] = extra
        return out
    for entry in extra:
        idx = len(out)
        while idx > 0 and out[idx - 1][0] > entry[0]:
            idx -= 1
        out.insert(idx, entry)
    return out


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
            "location__name",
            "price",
            "accession_number",
            "acquired_on",
            "bib__price",
        )
    )
    library_id = library.pk
    for row in sorted(rows):
        _id, item_library, bib_id, barcode, call, volume, location, place, *rest = row
        price, accession, acquired, title_price = rest
        if item_library != library_id:
            continue
        out.setdefault(bib_id, []).append(
            {
                "barcode": barcode,
                "call_number": call or "",
                "volume": volume or "",
                "location": location or "",
                "location_name": place or "",
                "price": price,
                "accession_number": accession or "",
                "acquired_on": acquired.isoformat() if acquired else "",
                "title_price": title_price,
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
        # 005 of the records written fresh (made here or edited): now, in local time.
        self.now = clock.now()
        self.stamp = timezone.localtime(self.now).strftime("%Y%m%d%H%M%S.0")
        self.count = 0
        # (title id, why) for each record left out of the export.
        self.skipped: list[tuple[int, str]] = []

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
                try:
                    if bib_id in full:
                        out.append(self.record_bytes(full[bib_id], items.get(bib_id, [])))
                    else:
                        # Unedited since import: the stored record, byte for byte, with
                        # current holdings.
                        leader, fields = split_fields(bytes(original))
                        fields = with_holdings(
                            flavor, fields, items.get(bib_id, []), code, public=self.public
                        )
                        out.append(assemble(leader, fields))
                except (MarcError, UnicodeDecodeError) as exc:
                    self._skip(bib_id, exc)
                    continue
                self.count += 1
            yield b"".join(out)
        if self.xml:
            yield b"</collection>\n"

    def _skip(self, bib_id: int, exc: Exception) -> None:
        self.skipped.append((bib_id, str(exc)))
        log.warning("MARC export: title %s left out: %s", bib_id, exc)

    def write(self, stream: BinaryIO) -> int:
        for chunk in self.chunks():
            stream.write(chunk)
        return self.count

    def record_bytes(self, row: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
        """One title's record (ISO 2709 or MARCXML); MarcError when it cannot be written."""
        original = row["marc_record"]
        original = bytes(original) if original is not None else None
        flavor = row["marc_format"] or self.default_format
        code = self.library.code
        if original and row["marc_format"]:
            record = parse_utf8(original)
            mapped = _module(flavor).to_bib(record).values
            if not _same(mapped, row):
                # Values changed without the record (a copy-cataloged record saved with
                # the form's values, an older edit): written into the original the way
                # an edit writes them, every other field byte for byte.
                original = self._edited_bytes(original, mapped, row, flavor)
            if original is not None:
                leader, raw = split_fields(original)
                raw = with_holdings(flavor, raw, items, code, public=self.public)
                if not self.xml:
                    return assemble(leader, raw)
                return self._xml(Record(leader, [field_from_bytes(t, d) for t, d in raw]))
            record = self._edited(record, row, flavor)
        else:
            module = _module(flavor)
            fields = module.bib_fields(
                row,
                control_number=f"SX{row['id']}",
                today=self.today,
                stamp=self.stamp,
                agency=code,
            )
            record = Record(module.LEADER, fields)
        # A long summary (520/330) becomes several fields: ISO 2709 counts 4 digits.
        fit(record, is_note(flavor))
        raw = [(f.tag, field_bytes(f)) for f in record.fields]
        raw = with_holdings(flavor, raw, items, code, public=self.public)
        if self.xml:
            return self._xml(Record(record.leader, [field_from_bytes(t, d) for t, d in raw]))
        leader = record.leader
        if flavor == MARC21:
            leader = leader[:9] + "a" + leader[10:]
        return assemble(leader, raw)

    def _edited_bytes(
        self, original: bytes, mapped: dict[str, Any], row: dict[str, Any], flavor: str
    ) -> bytes | None:
        """The original with the title's current values written in (catalog.marc.edit),
        or None when they cannot be (then the mapped fields are rebuilt)."""
        from shuxiang.catalog.marc import edit
        from shuxiang.core.errors import DomainError

        try:
            return edit.apply_values(
                original, flavor, mapped, row, now=timezone.localtime(self.now)
            )
        except (DomainError, MarcError):
            return None

    def _edited(self, record: Record, row: dict[str, Any], flavor: str) -> Record:
        """The mapped fields rebuilt from the Bib (and a new 005); every other original
        field kept, the holdings too (brought up to date by `with_holdings`)."""
        module = _module(flavor)
        options = {"isbd": record.leader[18:19] in ("a", "i")} if flavor == MARC21 else {}
        rebuilt = module.bib_fields(
            row,
            control_number="",
            today=self.today,
            stamp=self.stamp,
            agency=self.library.code,
            **options,
        )
        drop = module.MAPPED_TAGS | {"005"}
        kept = [f for f in record.fields if f.tag not in drop]
        own = {f.tag for f in record.fields}
        # Kept from the original when it has them: its number, fixed data, cataloging source.
        keep_theirs = {"001", "100" if flavor == CNMARC else "008", "801", "040"}
        new = [f for f in rebuilt if f.tag not in keep_theirs or f.tag not in own]
        new = [f for f in new if f.tag != "001"]
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
