"""Reads of the inventory app that several screens share: a stocktake's live
reconciliation and its progress per location, the repair figures of a period (the
repairs page, the stocktake report, and reports' documents read `repairs_summary`)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shuxiang.catalog.callnumbers import sort_key
from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Loan
from shuxiang.core.errors import NotFound
from shuxiang.core.models import Library, Location
from shuxiang.core.money import yuan_text
from shuxiang.core.selectors import opening_calendar
from shuxiang.inventory import reconcile
from shuxiang.inventory.models import Repair, Stocktake, StocktakeScan

NOT_EXPECTED = ("withdrawn", "lost")


def stocktake_of(library: Library, stocktake_id: int) -> Stocktake:
    stocktake = Stocktake.objects.filter(library=library, pk=stocktake_id).first()
    if stocktake is None:
        raise NotFound(
            _("没有编号为 %(id)s 的清点。") % {"id": stocktake_id}, code="stocktake_not_found"
        )
    return stocktake


def scope_filter(stocktake: Stocktake) -> Q:
    """The copies a stocktake expects: not withdrawn or lost, in its locations and CLC
    class prefix."""
    q = Q(library_id=stocktake.library_id) & ~Q(status__in=NOT_EXPECTED)
    location_ids = [loc.pk for loc in stocktake.locations.all()]
    if location_ids:
        q &= Q(location_id__in=location_ids)
    if stocktake.clc:
        q &= Q(bib__clc__istartswith=stocktake.clc)
    return q


def claimed_item_ids(library_id: int) -> set[int]:
    return set(
        Loan.objects.filter(library_id=library_id, status=Loan.Status.CLAIMED_RETURNED).values_list(
            "item_id", flat=True
        )
    )


def stocktake_reconcile(stocktake: Stocktake) -> reconcile.Result:
    """Reconcile the stocktake as it stands (open: what is not yet scanned counts as
    missing). Two reads of plain rows (150,000 each at a large school): the copies in
    scope with their call numbers, and the scans alone; the few scanned copies outside
    the scope are read by id."""
    claimed = claimed_item_ids(stocktake.library_id)
    Copy, Scan = reconcile.Copy, reconcile.Scan
    items = (
        Item.objects.filter(scope_filter(stocktake))
        .annotate(call=Coalesce("call_number__value", Value("")), claimed=Value(False))
        .values_list("id", "barcode", "location_id", "status", "call", "claimed")
    )
    with connection.cursor() as cursor:
        cursor.execute(*items.query.sql_with_params())
        expected = list(map(Copy._make, cursor.fetchall()))
    if claimed:
        expected = [c._replace(claimed=True) if c.item_id in claimed else c for c in expected]
    in_scope = {c.barcode for c in expected}
    scan_rows = (
        StocktakeScan.objects.filter(stocktake=stocktake)
        .order_by("id")
        .values_list("barcode", "location_id", "run", "item_id")
    )
    with connection.cursor() as cursor:
        cursor.execute(*scan_rows.query.sql_with_params())
        scans = list(map(Scan._make, cursor.fetchall()))
    outside = [s.item_id for s in scans if s.item_id is not None and s.barcode not in in_scope]
    others: dict[str, reconcile.Copy] = {}
    for n in range(0, len(outside), 500):
        for item_id, barcode, location_id, status, call in Item.objects.filter(
            pk__in=outside[n : n + 500]
        ).values_list("id", "barcode", "location_id", "status", "call_number__value"):
            others[barcode] = Copy(
                item_id, barcode, location_id, status, call or "", item_id in claimed
            )
    # The copies of a title share a call number: each is keyed once.
    return reconcile.reconcile(
        expected, scans, others, sort_key=functools.lru_cache(None)(sort_key)
    )


def stocktake_counts(stocktake: Stocktake) -> dict:
    if stocktake.status == Stocktake.Status.CLOSED and stocktake.result:
        counts = dict(stocktake.result)
    else:
        counts = stocktake_reconcile(stocktake).counts()
    return {"status": stocktake.status, **counts}


@dataclass(frozen=True, slots=True)
class LocationProgress:
    location: Location | None
    expected: int
    scanned: int

    @property
    def percent(self) -> int:
        return round(100 * self.scanned / self.expected) if self.expected else 100


def stocktake_progress(stocktake: Stocktake) -> list[LocationProgress]:
    """Per location: the copies it should hold and how many of them were scanned (here
    or elsewhere)."""
    expected = dict(
        Item.objects.filter(scope_filter(stocktake))
        .values_list("location_id")
        .annotate(n=Count("id"))
        .values_list("location_id", "n")
    )
    scanned = dict(
        StocktakeScan.objects.filter(stocktake=stocktake, item__isnull=False)
        .filter(item__in=Item.objects.filter(scope_filter(stocktake)))
        .values_list("item__location_id")
        .annotate(n=Count("id"))
        .values_list("item__location_id", "n")
    )
    locations = {loc.pk: loc for loc in Location.objects.filter(library_id=stocktake.library_id)}
    rows = [
        LocationProgress(locations.get(loc_id), n, scanned.get(loc_id, 0))
        for loc_id, n in expected.items()
    ]
    rows.sort(key=lambda r: (r.location is None, r.location.code if r.location else ""))
    return rows


def stocktakes_of(library: Library) -> list[Stocktake]:
    return list(
        Stocktake.objects.filter(library=library)
        .annotate(scan_count=Count("scans"))
        .order_by("-started_at", "-id")
    )


# --- repair figures (修补) ----------------------------------------------------------------


@dataclass(frozen=True)
class RepairsSummary:
    """What the repair queue did in a period, both ends included: the copies repaired
    and back on the shelf and what their repairs cost (fen), the repairs done (a copy
    repaired twice counts twice), the copies sent to repair and those sent on to
    withdrawal. `done`: the repairs done, oldest first, with their copies and titles."""

    start: dt.date
    end: dt.date
    copies: int
    repairs: int
    cost: int
    sent: int
    withdrawn: int
    done: list[Repair] = field(default_factory=list)

    @property
    def cost_yuan(self) -> str:
        return yuan_text(self.cost)


def repairs_summary(library: Library, start: dt.date, end: dt.date) -> RepairsSummary:
    """The repair figures of `library` from `start` to `end` (local dates, included)."""
    scoped = Repair.objects.filter(library=library)
    done = scoped.filter(
        status=Repair.Status.DONE, done_at__date__gte=start, done_at__date__lte=end
    )
    figures = done.aggregate(
        repairs=Count("id"), copies=Count("item_id", distinct=True), cost=Sum("cost")
    )
    return RepairsSummary(
        start=start,
        end=end,
        copies=figures["copies"] or 0,
        repairs=figures["repairs"] or 0,
        cost=figures["cost"] or 0,
        sent=scoped.filter(sent_at__date__gte=start, sent_at__date__lte=end).count(),
        withdrawn=scoped.filter(
            status=Repair.Status.WITHDRAWN, done_at__date__gte=start, done_at__date__lte=end
        ).count(),
        done=list(done.select_related("item__bib", "item__call_number").order_by("done_at", "id")),
    )


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.date
    end: dt.date


def term_period(library: Library, day: dt.date) -> Period:
    """The school term `day` falls in (学期), from the library's calendar; between terms
    the last one that ended; with no terms at all, the calendar year."""
    terms = opening_calendar(library).terms
    for term in terms:
        if term.start <= day <= term.end:
            return Period(term.name, term.start, term.end)
    ended = [t for t in terms if t.end < day]
    if ended:
        term = max(ended, key=lambda t: t.end)
        return Period(term.name, term.start, term.end)
    return Period(str(day.year), dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
