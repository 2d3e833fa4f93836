"""Inventory write operations (馆藏维护): one function per use case, one transaction
each. Copies change only through `catalog.services.item_status_set` (with an audit
event written here) or, for a copy found again, circulation's check-in, which knows
the refund rules of a lost book."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog import services as catalog
from shuxiang.catalog.models import Item
from shuxiang.circulation import services as circulation
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, DomainError, Invalid, NotFound
from shuxiang.core.models import Location
from shuxiang.inventory import reconcile, selectors
from shuxiang.inventory.models import Stocktake, StocktakeFinding, StocktakeScan

MAX_SCANS = 20_000
CHUNK = 500


def _stocktake(actor: Actor, stocktake_id: int, *, lock: bool = False) -> Stocktake:
    qs = Stocktake.objects.filter(library=actor.library, pk=stocktake_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    stocktake = qs.first()
    if stocktake is None:
        raise NotFound(
            _("没有编号为 %(id)s 的清点。") % {"id": stocktake_id}, code="stocktake_not_found"
        )
    return stocktake


def _open(stocktake: Stocktake) -> None:
    if stocktake.status != Stocktake.Status.OPEN:
        raise Conflict(
            _("清点“%(name)s”已结束。") % {"name": stocktake.name}, code="stocktake_closed"
        )


def _location(actor: Actor, code: str) -> Location:
    location = Location.objects.filter(library=actor.library, code=code).first()
    if location is None:
        raise NotFound(_("没有馆藏地点 %(code)s。") % {"code": code}, code="location_not_found")
    return location


@transaction.atomic
def stocktake_create(
    *, actor: Actor, name: str, location_codes: list[str] | None = None, clc: str = ""
) -> Stocktake:
    """Open a stocktake over the whole library, some locations, or a CLC class prefix
    (e.g. "I2", "TP")."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("请填写清点名称。"), code="name_required")
    if len(name) > 100:
        raise Invalid(_("清点名称不能超过 100 个字。"), code="name_too_long")
    clc = (clc or "").strip().upper()
    if clc and (len(clc) > 20 or not clc[0].isalpha() or not clc.isascii()):
        raise Invalid(_("分类号范围应为中图法分类号的开头，如 I2 或 TP。"), code="invalid_clc")
    locations = [_location(actor, code) for code in dict.fromkeys(location_codes or [])]
    stocktake = Stocktake.objects.create(
        library=actor.library,
        name=name,
        clc=clc,
        started_at=clock.now(),
        started_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    stocktake.locations.set(locations)
    audit.record(
        actor,
        "stocktake.create",
        stocktake,
        after={"name": name, "locations": [loc.code for loc in locations], "clc": clc},
    )
    return stocktake


@dataclass(slots=True)
class ScanOutcome:
    accepted: int = 0
    unknown: list[str] = field(default_factory=list)
    duplicates: int = 0


@transaction.atomic
def stocktake_scan(
    *,
    actor: Actor,
    stocktake_id: int,
    barcodes: list[str],
    location_code: str | None = None,
    run: str = "",
) -> ScanOutcome:
    """Record barcodes seen on the shelves, in the order scanned. A barcode already seen
    in this stocktake (by anyone, from any device, a re-sent offline queue, a
    re-uploaded file) counts as a duplicate and changes nothing; the database keeps one
    row per barcode and stocktake. Barcodes no copy carries are kept (listed as
    unknown). A bad barcode refuses the whole batch."""
    stocktake = _stocktake(actor, stocktake_id, lock=True)
    _open(stocktake)
    if len(barcodes) > MAX_SCANS:
        raise Invalid(_("一次最多提交 %(n)s 个条码。") % {"n": MAX_SCANS}, code="too_many_scans")
    cleaned = []
    for raw in barcodes:
        code = str(raw).strip()
        if not code:
            continue
        if not reconcile.barcode_shape(code):
            raise Invalid(
                _("“%(code)s”不是有效的条码（1–40 位字母、数字或连字符）。") % {"code": code[:50]},
                code="invalid_barcode",
            )
        cleaned.append(code)
    location = _location(actor, location_code) if location_code else None
    outcome = ScanOutcome()
    fresh = list(dict.fromkeys(cleaned))
    outcome.duplicates = len(cleaned) - len(fresh)
    seen: set[str] = set()
    items: dict[str, int] = {}
    for i in range(0, len(fresh), CHUNK):
        chunk = fresh[i : i + CHUNK]
        seen.update(
            StocktakeScan.objects.filter(stocktake=stocktake, barcode__in=chunk).values_list(
                "barcode", flat=True
            )
        )
        items.update(
            Item.objects.filter(library=actor.library, barcode__in=chunk).values_list(
                "barcode", "id"
            )
        )
    outcome.duplicates += len(seen)
    now = clock.now()
    user = actor.user if getattr(actor.user, "pk", None) else None
    rows = []
    for code in fresh:
        if code in seen:
            continue
        item_id = items.get(code)
        if item_id is None:
            outcome.unknown.append(code)
        else:
            outcome.accepted += 1
        rows.append(
            StocktakeScan(
                library=actor.library,
                stocktake=stocktake,
                barcode=code,
                item_id=item_id,
                location=location,
                run=(run or "")[:60],
                scanned_at=now,
                scanned_by=user,
            )
        )
    StocktakeScan.objects.bulk_create(rows, batch_size=CHUNK)
    return outcome


@transaction.atomic
def stocktake_close(*, actor: Actor, stocktake_id: int) -> dict:
    """Close a stocktake: the copies in scope that were neither scanned nor accounted
    for (on loan, in repair, on the hold shelf, in transit) become missing (丢失待查),
    each audited; missing or lost copies scanned come back through circulation's
    check-in (available, or the hold shelf; a lost book's bill cancelled or refunded by
    its rules). The figures and the per-copy findings are kept for the report."""
    stocktake = _stocktake(actor, stocktake_id, lock=True)
    _open(stocktake)
    result = selectors.stocktake_reconcile(stocktake)
    now = clock.now()
    items = {}
    wanted = set(result.missing) | set(result.recovered) | set(result.misplaced)
    wanted |= set(result.on_loan) | set(result.elsewhere) | set(result.withdrawn)
    wanted |= set(result.out_of_order)
    codes = list(wanted)
    for i in range(0, len(codes), CHUNK):
        for item in Item.objects.filter(
            library=actor.library, barcode__in=codes[i : i + CHUNK]
        ).only("id", "barcode", "status", "location_id"):
            items[item.barcode] = item
    marked = 0
    for code in result.missing:
        item = items[code]
        if item.status == Item.Status.MISSING:
            continue
        catalog.item_status_set(item_id=item.pk, status=Item.Status.MISSING, at=now)
        audit.record(
            actor,
            "item.missing",
            item,
            before={"item_status": item.status},
            after={"item_status": Item.Status.MISSING, "stocktake": stocktake.pk},
        )
        marked += 1
    recovered = 0
    for code in result.recovered:
        item = items[code]
        if item.status not in reconcile.RECOVERABLE:
            continue  # a claimed-returned loan: circulation settles it
        try:
            with transaction.atomic():
                circulation.loan_checkin(actor=actor, barcode=code)
            recovered += 1
        except DomainError:
            continue
    scanned_at = dict(
        StocktakeScan.objects.filter(stocktake=stocktake).values_list("barcode", "location_id")
    )
    findings = []
    lists = (
        (StocktakeFinding.Outcome.MISSING, result.missing),
        (StocktakeFinding.Outcome.MISPLACED, result.misplaced),
        (StocktakeFinding.Outcome.ON_LOAN, result.on_loan),
        (StocktakeFinding.Outcome.ELSEWHERE, result.elsewhere),
        (StocktakeFinding.Outcome.UNKNOWN, result.unknown),
        (StocktakeFinding.Outcome.WITHDRAWN, result.withdrawn),
        (StocktakeFinding.Outcome.RECOVERED, result.recovered),
        (StocktakeFinding.Outcome.OUT_OF_ORDER, result.out_of_order),
    )
    for outcome, codes in lists:
        for code in codes:
            item = items.get(code)
            findings.append(
                StocktakeFinding(
                    library=actor.library,
                    stocktake=stocktake,
                    outcome=outcome,
                    barcode=code,
                    item_id=item.pk if item else None,
                    location_id=scanned_at.get(code),
                )
            )
    StocktakeFinding.objects.bulk_create(findings, batch_size=CHUNK)
    counts = result.counts()
    stocktake.status = Stocktake.Status.CLOSED
    stocktake.closed_at = now
    stocktake.closed_by = actor.user if getattr(actor.user, "pk", None) else None
    stocktake.result = counts
    stocktake.save(update_fields=["status", "closed_at", "closed_by", "result"])
    audit.record(
        actor,
        "stocktake.close",
        stocktake,
        before={"status": "open"},
        after={"status": "closed", "marked_missing": marked, "recovered": recovered, **counts},
    )
    return {"status": stocktake.status, **counts}
