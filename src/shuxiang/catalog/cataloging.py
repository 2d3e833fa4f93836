"""Cataloging a title with its copies in one step (编目), as the cataloging form, the
spreadsheet book lists and receiving a purchase batch do it: the title (or the existing
one with that ISBN), the call number (class number / 种次号, suggested and editable,
shared by the copies), and each copy with its barcode from the range, location,
circulation type, price and the next accession number."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog import callnumbers, clc, register, rules, search_port
from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.catalog.services import bib_create, item_create
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Library

MAX_COPIES = 200


@dataclass(slots=True)
class CopySpec:
    barcode: str = ""  # empty: the next one from the library's barcode range
    location_code: str = ""
    circulation_type: str = Item.CirculationType.NORMAL
    price: int | None = None  # fen; None: the title's list price


@dataclass(slots=True)
class Cataloged:
    bib: Bib
    items: list[Item] = field(default_factory=list)
    call_number: str = ""
    created_bib: bool = True


def bib_by_isbn(library: Library, raw: str) -> Bib | None:
    """The title already cataloged with this ISBN (10 or 13 digits, any hyphens)."""
    norm = isbn_rules.normalize(raw)
    if not norm:
        return None
    return Bib.objects.filter(library=library, isbn=norm).order_by("id").first()


def title_call_number(library: Library, bib: Bib) -> str:
    row = CallNumber.objects.filter(library=library, bib=bib, volume="").first()
    return row.value if row else ""


def suggest_call_number(library: Library, clc_number: str) -> str:
    """Class number / the next free 种次号 of that class in this library ("" without a
    valid class number)."""
    class_number = callnumbers.class_part(clc.normalize(clc_number))
    if not class_number or not clc.is_valid(class_number):
        return ""
    taken = CallNumber.objects.filter(
        library=library, value__startswith=class_number + callnumbers.SEPARATOR
    ).values_list("value", flat=True)
    return callnumbers.compose(class_number, callnumbers.next_sequence(class_number, taken))


def original_record(encoded: str) -> tuple[str, bytes]:
    """The record copied over SRU that the cataloging form carries (base64 of UTF-8 ISO
    2709): (flavor, bytes). Invalid (bad_record) unless it is exactly one good record."""
    import base64
    import binascii

    from shuxiang.catalog.marc import reader
    from shuxiang.catalog.marc.detect import NotMarcError

    problem = Invalid(_("套录的原始 MARC 记录已损坏，请重新检索。"), code="bad_record")
    try:
        data = base64.urlsafe_b64decode(encoded.encode("ascii"))
        results = list(reader.read(io.BytesIO(data), file_format="auto"))
    except (binascii.Error, UnicodeEncodeError, ValueError, NotMarcError) as exc:
        raise problem from exc
    if len(results) != 1 or results[0].error or results[0].record is None:
        raise problem
    return results[0].flavor, results[0].original


@transaction.atomic
def copies_add(
    *,
    actor: Actor,
    bib: Bib,
    copies: list[CopySpec],
    call_number: str = "",
    source: str = Item.Source.PURCHASE,
    acquired_on: dt.date | None = None,
    auto_call_number: bool = True,
) -> Cataloged:
    """Add copies to a title: call number (the title's own, the given one, or a new
    class number / 种次号), barcodes (given or from the range), accession numbers in order."""
    library = actor.library
    if not copies:
        raise Invalid(_("请至少添加一册。"), code="no_copies")
    if len(copies) > MAX_COPIES:
        raise Invalid(_("一次最多添加 %(n)s 册。") % {"n": MAX_COPIES}, code="too_many_copies")
    existing = title_call_number(library, bib)
    value = existing
    if not value:
        wanted = rules.call_number_clean(call_number) if call_number.strip() else ""
        if wanted:
            owner = (
                CallNumber.objects.filter(library=library, value=wanted).exclude(bib=bib).first()
            )
            if owner is not None:
                if not auto_call_number:
                    raise Conflict(
                        _("索书号 %(value)s 已被《%(title)s》使用。")
                        % {"value": wanted, "title": owner.bib.title},
                        code="call_number_taken",
                    )
                # The suggestion shown in the form was taken by another desk meanwhile.
                wanted = suggest_call_number(library, callnumbers.parse(wanted).class_number)
        value = wanted or suggest_call_number(library, bib.clc)
    given = [c.barcode.strip() for c in copies if c.barcode.strip()]
    if len(set(given)) != len(given):
        raise Conflict(_("同一条码号填写了两次。"), code="duplicate_barcode")
    fresh = iter(register.barcodes_take(library, len(copies) - len(given)))
    acquired = acquired_on or clock.today()
    items = []
    for spec in copies:  # item_create gives each the next accession number, in order
        barcode = spec.barcode.strip() or next(fresh)
        items.append(
            item_create(
                actor=actor,
                bib_id=bib.pk,
                barcode=barcode,
                location_code=spec.location_code or None,
                call_number=value or None,
                circulation_type=spec.circulation_type or Item.CirculationType.NORMAL,
                price=spec.price,
                acquired_on=acquired,
                source=source,
            )
        )
    return Cataloged(bib=bib, items=items, call_number=value, created_bib=False)


BIB_EXTRA_FIELDS = ("parallel_title", "edition", "pages", "size", "language")


@transaction.atomic
def bib_catalog(
    *,
    actor: Actor,
    bib_id: int | None = None,
    values: dict[str, Any] | None = None,
    copies: list[CopySpec],
    call_number: str = "",
    source: str = Item.Source.PURCHASE,
    acquired_on: dt.date | None = None,
    auto_call_number: bool = True,
    original: tuple[str, bytes] | None = None,
) -> Cataloged:
    """Catalog a book with its copies. With bib_id, copies are added to that title; else
    a title with the same ISBN gets them; else the title is created from `values`
    (bib_create's arguments plus parallel_title, edition, pages, size, language). A new
    title copied from another catalog keeps that `original` record ((flavor, UTF-8 ISO
    2709), see `original_record`), so its export keeps every field the form has not."""
    library = actor.library
    values = dict(values or {})
    bib: Bib | None = None
    if bib_id is not None:
        bib = Bib.objects.filter(library=library, pk=bib_id).first()
        if bib is None:
            raise NotFound(_("没有编号为 %(id)s 的书目。") % {"id": bib_id}, code="bib_not_found")
    elif values.get("isbn"):
        bib = bib_by_isbn(library, values["isbn"])
    created = bib is None
    if bib is None:
        extra = {k: values.pop(k) for k in BIB_EXTRA_FIELDS if k in values}
        bib = bib_create(actor=actor, **values)
        changed = [k for k, v in extra.items() if v]
        for key in changed:
            setattr(bib, key, str(extra[key]).strip())
        if original is not None:
            bib.marc_format, bib.marc_record = original
            changed += ["marc_format", "marc_record"]
        if changed:
            bib.save(update_fields=changed)
            search_port.bibs_changed([bib.pk])
    result = copies_add(
        actor=actor,
        bib=bib,
        copies=copies,
        call_number=call_number,
        source=source,
        acquired_on=acquired_on,
        auto_call_number=auto_call_number,
    )
    result.created_bib = created
    audit.record(
        actor,
        "bib.catalog",
        bib,
        after={
            "copies": [i.barcode for i in result.items],
            "accession_numbers": [i.accession_number for i in result.items],
            "call_number": result.call_number,
            "new_title": created,
        },
    )
    return result


@transaction.atomic
def items_register(*, actor: Actor, item_ids: list[int], acquired_on: dt.date | None = None) -> int:
    """Give copies that came in without one (a vendor's MARC holdings) the next accession
    numbers in order, and their entry date. Returns how many were numbered."""
    library = actor.library
    items = list(
        Item.objects.filter(
            library=library, pk__in=item_ids, accession_number__isnull=True
        ).order_by("id")
    )
    numbers = register.accession_numbers_take(library, len(items))
    day = acquired_on or clock.today()
    for item, number in zip(items, numbers, strict=True):
        item.accession_number = number
        if item.acquired_on is None:
            item.acquired_on = day
    Item.objects.bulk_update(items, ["accession_number", "acquired_on"], batch_size=500)
    if items:
        audit.record(
            actor,
            "items.register",
            library,
            after={"accession_numbers": numbers[:1] + numbers[-1:], "count": len(items)},
        )
    return len(items)
