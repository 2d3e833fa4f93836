"""Inventory write operations (馆藏维护): one function per use case, one transaction
each. Copies change only through `catalog.services.item_status_set` (with an audit
event written here) or, for a copy found again, circulation's check-in, which knows
the refund rules of a lost book."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from shuxiang.catalog import selectors as catalog_selectors
from shuxiang.catalog import services as catalog
from shuxiang.catalog.maintenance.merge import title_key
from shuxiang.catalog.models import Item
from shuxiang.circulation import services as circulation
from shuxiang.core import audit, clock, spreadsheet
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from shuxiang.core.models import Location
from shuxiang.inventory import recall, reconcile, selectors
from shuxiang.inventory.models import (
    RecallEntry,
    RecallList,
    RecallMatch,
    Repair,
    Stocktake,
    StocktakeFinding,
    StocktakeScan,
    Withdrawal,
    WithdrawalLine,
)

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
    all at once through `catalog.items_status_set_many`, each audited; missing, lost or
    claimed-returned copies scanned come back through circulation's check-in
    (available, or the hold shelf; a lost book's bill cancelled or refunded by its
    rules, a claim ended). The figures and the per-copy findings are kept for the
    report, the claimed copies not found among them (声称已还未找到)."""
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
    marked = catalog.items_status_set_many(
        actor=actor,
        item_ids=[items[code].pk for code in result.missing],
        status=Item.Status.MISSING,
        action="item.missing",
        after={"stocktake": stocktake.pk},
        at=now,
    )
    # A claimed-returned copy (声称已还) scanned on the shelf is settled here, at the
    # close, like every other sought copy that was seen: through circulation's check-in,
    # which ends the claim as returned without a fine. Not at the scan: a scan is only
    # a barcode recorded (20,000 at a time from a handheld's file), and the close is
    # where the stocktake decides what it saw. A claimed copy nobody scanned stays
    # missing and is listed as 声称已还未找到 (report, weeding candidates).
    claimed = selectors.claimed_item_ids(actor.library.pk)
    recovered = 0
    for code in result.recovered:
        item = items[code]
        if item.status not in reconcile.RECOVERABLE:
            continue
        try:
            with transaction.atomic():
                circulation.loan_checkin(actor=actor, barcode=code)
            recovered += 1
        except DomainError:
            continue
    # Where the findings were scanned: read for their few thousand barcodes by the
    # (stocktake, barcode) index, not the whole session's scans (150,000 at a large
    # school) into a dict.
    seen_codes = [
        code
        for codes in (result.misplaced, result.unknown, result.withdrawn, result.recovered)
        for code in codes
    ] + list(result.out_of_order)
    scanned_at: dict[str, int | None] = {}
    for i in range(0, len(seen_codes), CHUNK):
        scanned_at.update(
            StocktakeScan.objects.filter(
                stocktake=stocktake, barcode__in=seen_codes[i : i + CHUNK]
            ).values_list("barcode", "location_id")
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
    claimed_missing = [code for code in result.missing if items[code].pk in claimed]
    lists += ((StocktakeFinding.Outcome.CLAIMED_MISSING, claimed_missing),)
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
    counts["claimed_missing"] = len(claimed_missing)
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


# --- repair (修补) ---------------------------------------------------------------------

REPAIRABLE = frozenset({Item.Status.AVAILABLE, Item.Status.MISSING, Item.Status.ON_HOLD_SHELF})


def _item(actor: Actor, barcode: str) -> Item:
    barcode = (barcode or "").strip()
    item = (
        Item.objects.select_for_update(of=("self",))
        .filter(library=actor.library, barcode=barcode)
        .select_related("bib")
        .first()
    )
    if item is None:
        raise NotFound(
            _("没有条码为 %(barcode)s 的图书。") % {"barcode": barcode[:50]}, code="item_not_found"
        )
    return item


@transaction.atomic
def repair_send(*, actor: Actor, barcode: str, note: str = "") -> Repair:
    """Send a copy to repair (送修): it leaves the shelf as 修补中 until it is repaired or
    withdrawn. A copy on loan is first checked in at the desk; one already in repair,
    lost or withdrawn is refused."""
    item = _item(actor, barcode)
    if item.status == Item.Status.IN_REPAIR:
        raise Conflict(_("此书已在修补中。"), code="already_in_repair")
    if item.status not in REPAIRABLE:
        raise Conflict(
            _("此书状态为“%(status)s”，不能送修。") % {"status": Item.Status(item.status).label},
            code="not_repairable",
        )
    now = clock.now()
    repair = Repair.objects.create(
        library=actor.library,
        item=item,
        note=(note or "").strip()[:200],
        previous_status=item.status,
        sent_at=now,
        sent_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    catalog.item_status_set(item_id=item.pk, status=Item.Status.IN_REPAIR, at=now)
    audit.record(
        actor,
        "item.repair",
        item,
        before={"item_status": item.status},
        after={"item_status": Item.Status.IN_REPAIR, "note": repair.note},
    )
    return repair


def _open_repair(actor: Actor, item: Item) -> Repair:
    repair = (
        Repair.objects.select_for_update(of=("self",))
        .filter(library=actor.library, item=item, status=Repair.Status.OUT)
        .first()
    )
    if repair is None or item.status != Item.Status.IN_REPAIR:
        raise Conflict(_("此书不在修补中。"), code="not_in_repair")
    return repair


@transaction.atomic
def repair_done(*, actor: Actor, barcode: str, cost: int = 0) -> Repair:
    """修补完成，上架: the copy returns to the shelf (available), with what the repair
    cost (fen)."""
    if not isinstance(cost, int) or isinstance(cost, bool) or not 0 <= cost <= 10**7:
        raise Invalid(_("修补费用不合理。"), code="invalid_cost")
    item = _item(actor, barcode)
    repair = _open_repair(actor, item)
    now = clock.now()
    repair.status = Repair.Status.DONE
    repair.done_at = now
    repair.cost = cost
    repair.save(update_fields=["status", "done_at", "cost"])
    catalog.item_status_set(item_id=item.pk, status=Item.Status.AVAILABLE, at=now)
    audit.record(
        actor,
        "item.repaired",
        item,
        before={"item_status": Item.Status.IN_REPAIR},
        after={"item_status": Item.Status.AVAILABLE, "cost": cost},
    )
    return repair


# --- withdrawal (剔旧、注销) -------------------------------------------------------------

WITHDRAWABLE = frozenset(
    {Item.Status.AVAILABLE, Item.Status.IN_REPAIR, Item.Status.MISSING, Item.Status.LOST}
)


def may_approve_withdrawal(user: object) -> bool:
    """A school leader or the admin approves a withdrawal batch (never the person who
    proposed it, checked by the service)."""
    from shuxiang.core.permissions import ADMIN, LEADER, role_of

    return getattr(user, "is_authenticated", False) and role_of(user) in (LEADER, ADMIN)


@transaction.atomic
def withdrawal_propose(
    *, actor: Actor, barcodes: list[str], reason: str, note: str = ""
) -> Withdrawal:
    """A librarian's first selection (剔旧/注销清单): a pending batch, each copy with its
    reason and price. Copies on loan, already withdrawn or in another pending batch are
    refused, naming each; nothing changes until a leader approves."""
    if reason not in Withdrawal.Reason.values:
        raise Invalid(
            _(
                "注销原因应为 weeding（剔旧）、lost（遗失赔偿）、damaged（损坏）、transfer（调拨）或 other（其他）。"
            ),
            code="invalid_reason",
        )
    codes = list(dict.fromkeys((b or "").strip() for b in barcodes if (b or "").strip()))
    if not codes:
        raise Invalid(_("请至少选择一册图书。"), code="barcodes_required")
    if len(codes) > MAX_SCANS:
        raise Invalid(_("一次最多提交 %(n)s 个条码。") % {"n": MAX_SCANS}, code="too_many_scans")
    items = {}
    for i in range(0, len(codes), CHUNK):
        for item in (
            Item.objects.select_for_update(of=("self",))
            .filter(library=actor.library, barcode__in=codes[i : i + CHUNK])
            .select_related("bib")
        ):
            items[item.barcode] = item
    problems = []
    pending = set(
        WithdrawalLine.objects.filter(
            library=actor.library,
            withdrawal__status=Withdrawal.Status.PENDING,
            item__barcode__in=codes,
        ).values_list("item__barcode", flat=True)
    )
    for code in codes:
        item = items.get(code)
        if item is None:
            problems.append(_("%(barcode)s：没有这本书") % {"barcode": code[:50]})
        elif item.status not in WITHDRAWABLE:
            problems.append(
                _("%(barcode)s：状态为“%(status)s”")
                % {"barcode": code, "status": Item.Status(item.status).label}
            )
        elif code in pending:
            problems.append(_("%(barcode)s：已在待审批的注销批次中") % {"barcode": code})
    if problems:
        raise Conflict(
            _("以下图书不能注销：%(list)s") % {"list": "；".join(problems)},
            code="not_withdrawable",
        )
    number = (
        Withdrawal.objects.filter(library=actor.library).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    batch = Withdrawal.objects.create(
        library=actor.library,
        number=number,
        note=(note or "").strip()[:200],
        proposed_at=clock.now(),
        proposed_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    WithdrawalLine.objects.bulk_create(
        [
            WithdrawalLine(
                library=actor.library,
                withdrawal=batch,
                item=items[code],
                reason=reason,
                price=items[code].price if items[code].price is not None else items[code].bib.price,
            )
            for code in codes
        ]
    )
    audit.record(actor, "withdrawal.propose", batch, after={"barcodes": codes, "reason": reason})
    return batch


def _locked_batch(actor: Actor, withdrawal_id: int) -> Withdrawal:
    batch = (
        Withdrawal.objects.select_for_update(of=("self",))
        .filter(library=actor.library, pk=withdrawal_id)
        .first()
    )
    if batch is None:
        raise NotFound(
            _("没有编号为 %(id)s 的注销批次。") % {"id": withdrawal_id}, code="withdrawal_not_found"
        )
    return batch


def _batch(actor: Actor, withdrawal_id: int) -> Withdrawal:
    """A pending batch, locked."""
    batch = _locked_batch(actor, withdrawal_id)
    if batch.status != Withdrawal.Status.PENDING:
        raise Conflict(_("此注销批次已审批。"), code="withdrawal_decided")
    return batch


@transaction.atomic
def withdrawal_approve(*, actor: Actor, withdrawal_id: int) -> Withdrawal:
    """Approve a pending batch (a school leader or the admin, not its proposer): its
    copies become withdrawn (已注销), never deleted, each audited; they leave the OPAC
    (which shows no withdrawn copy). An open repair of such a copy ends as withdrawn."""
    if actor.user is not None and not may_approve_withdrawal(actor.user):
        raise Forbidden(_("注销批次须由学校领导或学校管理员审批。"), code="forbidden")
    batch = _batch(actor, withdrawal_id)
    if actor.user is not None and batch.proposed_by_id == getattr(actor.user, "pk", None):
        raise Forbidden(_("提出注销的人不能审批自己的批次。"), code="own_withdrawal")
    now = clock.now()
    lines = list(batch.lines.select_related("item"))
    item_ids = [line.item_id for line in lines]
    locked = {
        item.pk: item
        for item in Item.objects.select_for_update(of=("self",)).filter(pk__in=item_ids)
    }
    for line in lines:
        item = locked[line.item_id]
        if item.status not in WITHDRAWABLE:
            raise Conflict(
                _("%(barcode)s 的状态已变为“%(status)s”，不能注销。")
                % {"barcode": item.barcode, "status": Item.Status(item.status).label},
                code="not_withdrawable",
            )
    Repair.objects.filter(item_id__in=item_ids, status=Repair.Status.OUT).update(
        status=Repair.Status.WITHDRAWN, done_at=now
    )
    for line in lines:
        item = locked[line.item_id]
        catalog.item_status_set(item_id=item.pk, status=Item.Status.WITHDRAWN, at=now)
        audit.record(
            actor,
            "item.withdraw",
            item,
            before={"item_status": item.status},
            after={
                "item_status": Item.Status.WITHDRAWN,
                "reason": line.reason,
                "batch": batch.number,
            },
        )
    batch.status = Withdrawal.Status.APPROVED
    batch.decided_at = now
    batch.decided_by = actor.user if getattr(actor.user, "pk", None) else None
    batch.save(update_fields=["status", "decided_at", "decided_by"])
    audit.record(
        actor,
        "withdrawal.approve",
        batch,
        before={"status": "pending"},
        after={"status": "approved"},
    )
    return batch


@transaction.atomic
def withdrawal_reject(*, actor: Actor, withdrawal_id: int, reason: str = "") -> Withdrawal:
    if actor.user is not None and not may_approve_withdrawal(actor.user):
        raise Forbidden(_("注销批次须由学校领导或学校管理员审批。"), code="forbidden")
    batch = _batch(actor, withdrawal_id)
    batch.status = Withdrawal.Status.REJECTED
    batch.decided_at = clock.now()
    batch.decided_by = actor.user if getattr(actor.user, "pk", None) else None
    batch.save(update_fields=["status", "decided_at", "decided_by"])
    audit.record(
        actor,
        "withdrawal.reject",
        batch,
        before={"status": "pending"},
        after={"status": "rejected"},
        reason=reason,
    )
    return batch


@transaction.atomic
def withdrawal_dispose(*, actor: Actor, withdrawal_id: int, disposal: str) -> Withdrawal:
    """Record how an approved batch's books left (调拨、交换、出售、报废)."""
    if disposal not in Withdrawal.Disposal.values or not disposal:
        raise Invalid(
            _("处置方式应为 transfer（调拨）、exchange（交换）、sale（出售）或 scrap（报废）。"),
            code="invalid_disposal",
        )
    batch = _locked_batch(actor, withdrawal_id)
    if batch.status != Withdrawal.Status.APPROVED:
        raise Conflict(_("只有已批准的注销批次才能记录处置。"), code="withdrawal_not_approved")
    before = batch.disposal
    batch.disposal = disposal
    batch.save(update_fields=["disposal"])
    audit.record(
        actor,
        "withdrawal.dispose",
        batch,
        before={"disposal": before},
        after={"disposal": disposal},
    )
    return batch


# --- recall lists (下架清单) -----------------------------------------------------------


@dataclass
class RecallReport:
    """What importing a recall list did (or, in a dry run, would do)."""

    name: str
    entries: int = 0
    problems: list[recall.RowProblem] = field(default_factory=list)
    warnings: list[recall.RowProblem] = field(default_factory=list)
    titles: int = 0  # titles of the library the list names
    copies: int = 0  # their copies not yet withdrawn
    recall_list: RecallList | None = None
    dry_run: bool = False


def _library_titles(actor: Actor, entries: Sequence[recall.Entry]) -> list[recall.BibFacts]:
    """The library's titles a list's entries could name (by ISBN or folded title)."""
    return catalog_selectors.titles_named(
        actor.library,
        isbns={e.isbn for e in entries if e.isbn},
        title_keys={key for e in entries if (key := title_key(e.title))},
    )


def recall_list_import(
    *, actor: Actor, content: bytes, name: str, filename: str = "", dry_run: bool = False
) -> RecallReport:
    """Import a recall list (下架清单: title, author, ISBN, publisher, reason; xlsx or
    CSV, read by `core.spreadsheet` with its size and row caps) under a name, and match
    its entries to the library's titles (`recall.match`). The good rows are written in
    one transaction, the bad ones listed with their row numbers; a dry run writes
    nothing. The matches' copies are weeding candidates (`candidates.recalled`)."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("请填写清单名称（如：某区教育局 2026 年下架书目）。"), code="name_required")
    if len(name) > 100:
        raise Invalid(_("清单名称不能超过 100 个字。"), code="name_too_long")
    if RecallList.objects.filter(library=actor.library, name=name).exists():
        raise Conflict(
            _("已有名为“%(name)s”的下架清单。") % {"name": name}, code="recall_list_exists"
        )
    parsed = recall.parse(spreadsheet.read_rows(content, filename))
    report = RecallReport(
        name=name,
        entries=len(parsed.entries),
        problems=parsed.problems,
        warnings=[recall.RowProblem(e.row, e.warning) for e in parsed.entries if e.warning],
        dry_run=dry_run,
    )
    if not parsed.entries:
        raise Invalid(_("清单中没有可导入的行。"), code="no_rows")
    matches = recall.match(parsed.entries, _library_titles(actor, parsed.entries))
    bib_ids = {m.bib_id for m in matches}
    report.titles = len(bib_ids)
    report.copies = (
        Item.objects.filter(library=actor.library, bib_id__in=bib_ids)
        .exclude(status=Item.Status.WITHDRAWN)
        .count()
    )
    if not dry_run:
        report.recall_list = _recall_list_write(actor, name, filename, parsed, matches)
    return report


@transaction.atomic
def _recall_list_write(
    actor: Actor, name: str, filename: str, parsed: recall.Parsed, matches: list[recall.Match]
) -> RecallList:
    try:
        with transaction.atomic():
            recall_list = RecallList.objects.create(
                library=actor.library,
                name=name,
                filename=(filename or "")[:200],
                imported_at=clock.now(),
                imported_by=actor.user if getattr(actor.user, "pk", None) else None,
            )
    except IntegrityError as exc:  # another desk imported the same name a moment ago
        raise Conflict(
            _("已有名为“%(name)s”的下架清单。") % {"name": name}, code="recall_list_exists"
        ) from exc
    entries = RecallEntry.objects.bulk_create(
        [
            RecallEntry(
                library=actor.library,
                recall_list=recall_list,
                row=e.row,
                title=e.title,
                author=e.author,
                isbn=e.isbn,
                isbn_text=e.isbn_text,
                publisher=e.publisher,
                reason=e.reason,
            )
            for e in parsed.entries
        ],
        batch_size=CHUNK,
    )
    RecallMatch.objects.bulk_create(
        [
            RecallMatch(
                library=actor.library,
                entry=entries[m.entry],
                bib_id=m.bib_id,
                by=m.by,
                doubt=m.doubt,
            )
            for m in matches
        ],
        batch_size=CHUNK,
    )
    audit.record(
        actor,
        "recall_list.import",
        recall_list,
        after={
            "name": name,
            "entries": len(entries),
            "rejected": len(parsed.problems),
            "titles": len({m.bib_id for m in matches}),
        },
    )
    return recall_list
