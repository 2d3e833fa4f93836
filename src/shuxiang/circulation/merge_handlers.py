"""What circulation does when the catalog merges duplicate titles (the catalog's merge
port, catalog/maintenance/merge_port.py, registered in CirculationConfig.ready()).

Loans point at copies, and the copies have already moved to the kept title, so loans
and their history follow by themselves. Holds point at titles and move here. A reader
may hold both duplicates: a reader holds a title once, so the hold that keeps its
place survives — the one with a copy on the hold shelf, else the one placed first —
and the other is cancelled as the reader would cancel it (a copy it kept goes to the
next in line), with its own audit event. Moved holds keep their placing time, so the
merged queue stays first come, first served."""

from __future__ import annotations

from typing import Any

from shuxiang.circulation.models import Hold

ACTIVE = (Hold.Status.WAITING, Hold.Status.READY)


def _survivor_key(hold: Hold) -> tuple:
    return (hold.status != Hold.Status.READY, hold.placed_at, hold.pk)


def move_holds(*, actor: Any, keep_id: int, merge_ids: list[int]) -> dict[str, int]:
    from shuxiang.circulation.services import hold_cancel

    library = actor.library
    holds = list(
        Hold.objects.select_for_update()
        .filter(library=library, bib_id__in=[keep_id, *merge_ids])
        .order_by("pk")
    )
    by_patron: dict[int, list[Hold]] = {}
    for hold in holds:
        if hold.status in ACTIVE:
            by_patron.setdefault(hold.patron_id, []).append(hold)
    losers: set[int] = set()
    for active in by_patron.values():
        if len(active) > 1:
            losers.update(h.pk for h in sorted(active, key=_survivor_key)[1:])
    to_move = [h.pk for h in holds if h.bib_id != keep_id and h.pk not in losers]
    moved = Hold.objects.filter(pk__in=to_move).update(bib_id=keep_id)
    # Cancelled after the others moved, so that a copy a cancelled hold kept on the
    # shelf goes to the next reader of the merged queue.
    for pk in sorted(losers):
        hold_cancel(actor=actor, hold_id=pk)
    moved += Hold.objects.filter(pk__in=losers).exclude(bib_id=keep_id).update(bib_id=keep_id)
    return {"holds": moved, "holds_cancelled": len(losers)}
