"""Acquisitions write operations: vendors, budgets, batches and their order lines, and
receiving a batch from the vendor's MARC file or a spreadsheet."""

from __future__ import annotations

import datetime as dt
from typing import Any, BinaryIO

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from shuxiang.acquisitions.models import BatchItem, Budget, OrderLine, PurchaseBatch, Vendor
from shuxiang.catalog import cataloging
from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.models import Bib, Item
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound


@transaction.atomic
def vendor_create(
    *, actor: Actor, name: str, contact: str = "", phone: str = "", note: str = ""
) -> Vendor:
    name = name.strip()
    if not name:
        raise Invalid(_("请填写供应商名称。"), code="name_required")
    if Vendor.objects.filter(library=actor.library, name=name).exists():
        raise Conflict(_("供应商 %(name)s 已存在。") % {"name": name}, code="duplicate_vendor")
    vendor = Vendor.objects.create(
        library=actor.library, name=name, contact=contact, phone=phone, note=note
    )
    audit.record(actor, "vendor.create", vendor, after={"name": name})
    return vendor


@transaction.atomic
def budget_set(*, actor: Actor, year: int, amount: int, note: str = "") -> Budget:
    """Set the year's budget (in fen)."""
    if amount < 0:
        raise Invalid(_("经费不能为负数。"), code="invalid_amount")
    if not 2000 <= year <= 2200:
        raise Invalid(_("年度 %(year)s 不合理。") % {"year": year}, code="invalid_year")
    before = Budget.objects.filter(library=actor.library, year=year).values("amount").first()
    budget, _created = Budget.objects.update_or_create(
        library=actor.library, year=year, defaults={"amount": amount, "note": note}
    )
    audit.record(actor, "budget.set", budget, before=before, after={"amount": amount})
    return budget


@transaction.atomic
def batch_create(
    *, actor: Actor, name: str, year: int, vendor_id: int | None = None, note: str = ""
) -> PurchaseBatch:
    name = name.strip()
    if not name:
        raise Invalid(_("请填写批次名称。"), code="name_required")
    vendor = None
    if vendor_id is not None:
        vendor = Vendor.objects.filter(library=actor.library, pk=vendor_id).first()
        if vendor is None:
            raise NotFound(_("没有这个供应商。"), code="vendor_not_found")
    batch = PurchaseBatch.objects.create(
        library=actor.library, name=name, year=year, vendor=vendor, note=note
    )
    audit.record(actor, "batch.create", batch, after={"name": name, "year": year})
    return batch


def _batch(actor: Actor, batch_id: int, *, lock: bool = False) -> PurchaseBatch:
    qs = PurchaseBatch.objects.filter(library=actor.library, pk=batch_id)
    batch = (qs.select_for_update() if lock else qs).first()
    if batch is None:
        raise NotFound(
            _("没有编号为 %(id)s 的采购批次。") % {"id": batch_id}, code="batch_not_found"
        )
    return batch


@transaction.atomic
def batch_mark_ordered(
    *, actor: Actor, batch_id: int, ordered_on: dt.date | None = None
) -> PurchaseBatch:
    batch = _batch(actor, batch_id, lock=True)
    if not batch.lines.exists():
        raise Invalid(_("批次中还没有订购明细。"), code="batch_empty")
    batch.status = PurchaseBatch.Status.ORDERED
    batch.ordered_on = ordered_on or clock.today()
    batch.save(update_fields=["status", "ordered_on"])
    audit.record(actor, "batch.ordered", batch, after={"ordered_on": batch.ordered_on.isoformat()})
    return batch


@transaction.atomic
def order_lines_add(*, actor: Actor, batch_id: int, lines: list[dict[str, Any]]) -> list[OrderLine]:
    """Add order lines: dicts with title, author, publisher, isbn, price (fen), quantity."""
    batch = _batch(actor, batch_id, lock=True)
    if batch.status == PurchaseBatch.Status.RECEIVED:
        raise Conflict(_("批次已验收，不能再添加订购明细。"), code="batch_received")
    created = []
    for line in lines:
        quantity = int(line.get("quantity") or 0)
        if quantity < 1:
            continue
        isbn = isbn_rules.normalize(line.get("isbn") or "") or (line.get("isbn") or "").strip()
        created.append(
            OrderLine.objects.create(
                batch=batch,
                title=line["title"],
                author=line.get("author", ""),
                publisher=line.get("publisher", ""),
                isbn=isbn[:20],
                price=line.get("price"),
                quantity=quantity,
            )
        )
    audit.record(actor, "batch.lines_add", batch, after={"lines": len(created)})
    return created


def _link(batch: PurchaseBatch, items: list[Item]) -> None:
    try:
        with transaction.atomic():
            BatchItem.objects.bulk_create([BatchItem(batch=batch, item=item) for item in items])
    except IntegrityError as exc:
        raise Conflict(_("有单册已属于另一个采购批次。"), code="item_in_other_batch") from exc


def _match_lines(batch: PurchaseBatch, items: list[Item]) -> None:
    """Count received copies against the order lines, by ISBN, else by title."""
    lines = list(batch.lines.all())
    by_bib: dict[int, list[Item]] = {}
    for item in items:
        by_bib.setdefault(item.bib_id, []).append(item)
    bibs = Bib.objects.in_bulk(list(by_bib))
    for bib_id, copies in by_bib.items():
        bib = bibs[bib_id]
        line = next((ln for ln in lines if ln.isbn and ln.isbn in (bib.isbns or [bib.isbn])), None)
        if line is None:
            line = next((ln for ln in lines if ln.title.strip() == bib.title.strip()), None)
        if line is None:
            continue
        line.received += len(copies)
        line.bib = bib
        line.save(update_fields=["received", "bib"])


def _finish_receiving(actor: Actor, batch: PurchaseBatch, items: list[Item]) -> None:
    if not items:
        return
    _link(batch, items)
    _match_lines(batch, items)
    batch.status = PurchaseBatch.Status.RECEIVED
    batch.received_on = batch.received_on or clock.today()
    batch.save(update_fields=["status", "received_on"])
    audit.record(actor, "batch.receive", batch, after={"items": len(items)})


def batch_receive_marc(
    *, actor: Actor, batch_id: int, source: BinaryIO, location_code: str = "", dry_run: bool = False
) -> dict[str, Any]:
    """Receive a batch from the vendor's MARC file: the records are imported (duplicates
    merge their holdings), the copies the file brings get accession numbers and join the
    batch; a new title whose record carries no holdings gets the copies its order line
    asked for, with barcodes from the range."""
    from shuxiang.catalog.services import marc_import

    batch = _batch(actor, batch_id)
    library = actor.library
    with transaction.atomic():
        last_item = Item.objects.filter(library=library).aggregate(m=Max("id"))["m"] or 0
        last_bib = Bib.objects.filter(library=library).aggregate(m=Max("id"))["m"] or 0
        report = marc_import(actor=actor, source=source, on_duplicate="merge", dry_run=dry_run)
        if dry_run:
            return {"report": report, "items": 0, "extra_copies": 0}
        new_items = list(Item.objects.filter(library=library, id__gt=last_item).order_by("id"))
        cataloging.items_register(actor=actor, item_ids=[i.pk for i in new_items])
        with_copies = {i.bib_id for i in new_items}
        extra = 0
        for bib in Bib.objects.filter(library=library, id__gt=last_bib).exclude(id__in=with_copies):
            line = next(
                (
                    ln
                    for ln in batch.lines.all()
                    if ln.isbn and ln.isbn in (bib.isbns or [bib.isbn])
                ),
                None,
            )
            if line is None:
                continue
            wanted = max(0, line.quantity - line.received)
            if not wanted:
                continue
            result = cataloging.copies_add(
                actor=actor,
                bib=bib,
                copies=[
                    cataloging.CopySpec(location_code=location_code, price=line.price)
                    for _ in range(wanted)
                ],
            )
            new_items.extend(result.items)
            extra += len(result.items)
        new_items = list(Item.objects.filter(pk__in=[i.pk for i in new_items]).order_by("id"))
        _finish_receiving(actor, batch, new_items)
    return {"report": report, "items": len(new_items), "extra_copies": extra}


def batch_receive_booklist(
    *,
    actor: Actor,
    batch_id: int,
    source: BinaryIO,
    filename: str = "",
    location_code: str = "",
    dry_run: bool = False,
) -> Any:
    """Receive a batch from a spreadsheet (the vendor's delivery list): every good row is
    cataloged with its copies, which join the batch."""
    from shuxiang.catalog.booklist import booklist_import

    batch = _batch(actor, batch_id)
    received: list[Item] = []

    def collect(_row: Any, result: Any) -> None:
        received.extend(result.items)

    with transaction.atomic():
        report = booklist_import(
            actor=actor,
            source=source,
            filename=filename,
            location_code=location_code,
            dry_run=dry_run,
            after_row=collect,
        )
        if not dry_run:
            _finish_receiving(actor, batch, received)
    return report
