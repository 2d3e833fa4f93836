"""The desk's scan ids: a scan sent twice is applied once and answered the same.

The desk gives every check-out and check-in a UUID made in the browser and keeps the
scans it could not send (offline) in the browser, sending them again, in order, once
the server answers. `loan_checkout` and `loan_checkin` write the scan's row (DeskScan)
in their own transaction, with one INSERT on the unique (library, scan id) index, so a
replay of a scan that was already applied fails there and changes nothing; the desk then
answers with the stored outcome (`selectors.desk_scan_outcome`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.circulation.models import DeskScan
from shuxiang.core import clock, rows
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict

# A browser's queue never waits this long; older scan ids are forgotten.
KEEP_DAYS = 30


class ScanReplayed(Conflict):
    """This scan id was already applied (or refused): nothing was written this time."""

    code = "scan_replayed"


def _desk_scan_record(actor: Actor, scan_id: uuid.UUID | None, outcome: dict[str, Any]) -> None:
    """Keep the scan's outcome in the caller's transaction. A scan id seen before makes
    the whole transaction roll back with ScanReplayed."""
    if scan_id is None:
        return
    row = DeskScan(library_id=actor.library.pk, scan_id=scan_id, created_at=clock.now())
    row.outcome = outcome
    try:
        rows.insert(row)
    except IntegrityError:
        raise ScanReplayed(_("这次扫描已经办理过。")) from None


def desk_scan_refused(
    *, actor: Actor, scan_id: uuid.UUID, outcome: dict[str, Any]
) -> dict[str, Any]:
    """Keep a refusal (nothing else was written) so that the same scan sent again gets
    the same answer; returns the outcome kept for this scan id, which is the first one
    when the id was seen before."""
    try:
        with transaction.atomic():
            DeskScan.objects.create(
                library=actor.library, scan_id=scan_id, created_at=clock.now(), outcome=outcome
            )
    except IntegrityError:
        kept = (
            DeskScan.objects.filter(library=actor.library, scan_id=scan_id)
            .values_list("outcome", flat=True)
            .first()
        )
        return kept if kept is not None else outcome
    return outcome


def desk_scans_prune(*, days: int = KEEP_DAYS) -> int:
    """Forget scan ids older than `days` (housekeeping, hourly). Ids grow with time, so
    the rows to delete are those before the first one young enough to keep: a walk
    along the primary key that stops there, instead of a scan of the whole table (an
    index on the time would cost every scan an extra write)."""
    cutoff = clock.now() - dt.timedelta(days=days)
    first_kept = (
        DeskScan.objects.filter(created_at__gte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    old = DeskScan.objects.filter(created_at__lt=cutoff)
    if first_kept is not None:
        old = old.filter(id__lt=first_kept)
    return old.delete()[0]
