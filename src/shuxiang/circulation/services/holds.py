"""Holds (预约): the queue for a title, the hold shelf, passing on unclaimed copies."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation import rules
from shuxiang.circulation.models import Hold, Loan
from shuxiang.circulation.selectors import (
    fee_settings,
    first_waiting_hold_id,
    library_rules,
    patron_facts,
)
from shuxiang.circulation.services._common import (
    _check_serves,
    _grade,
    _locked_item,
    _patron,
    _require,
)
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, NotFound
from shuxiang.core.models import Library

# --- holds (预约) -----------------------------------------------------------------------


def _trap(actor: Actor, item: Item, today: dt.date) -> Hold | None:
    """Keep a copy that just came back for the first reader in its title's queue: the
    copy goes to the hold shelf (预约架) until the pickup window ends."""
    hold_id = first_waiting_hold_id(item.bib_id)
    if hold_id is None:
        return None
    hold = Hold.objects.select_related("patron__school_class").get(pk=hold_id)
    settings_row, _fees = fee_settings(actor.library)
    ctx = library_rules(actor.library)
    hold.status = Hold.Status.READY
    hold.item = item
    hold.ready_at = clock.now()
    hold.expires_on = rules.hold_expiry(today, settings_row.hold_pickup_days, ctx.calendar)
    hold.save(update_fields=["status", "item", "ready_at", "expires_on"])
    before = item.status
    item_status_set(item_id=item.pk, status=Item.Status.ON_HOLD_SHELF, at=clock.now())
    item.status = Item.Status.ON_HOLD_SHELF
    audit.record(
        actor,
        "hold.trap",
        hold,
        before={"status": "waiting", "item_status": before},
        after={
            "status": "ready",
            "item": item.barcode,
            "expires_on": hold.expires_on.isoformat(),
            "item_status": "on_hold_shelf",
        },
    )
    return hold


def _release_copy(actor: Actor, item: Item | None) -> Hold | None:
    """A copy leaves the hold shelf unclaimed: the next in line gets it, or back to the
    shelf."""
    if item is None:
        return None
    hold = _trap(actor, item, clock.today())
    if hold is None:
        item_status_set(item_id=item.pk, status=Item.Status.AVAILABLE, at=clock.now())
        item.status = Item.Status.AVAILABLE
    return hold


@transaction.atomic
def hold_place(*, actor: Actor, card: str, bib_id: int) -> Hold:
    """Put a reader in the queue for a title (预约). A reader may place their own hold."""
    from shuxiang.catalog.models import Bib

    library = actor.library
    patron = _patron(library, card, lock=True)
    user = actor.user
    own = user is not None and patron.user_id is not None and patron.user_id == user.pk
    if not own:
        _check_serves(actor, patron.school_class_id)
    bib = Bib.objects.filter(library=library, pk=bib_id).first()
    if bib is None:
        raise NotFound(_("没有这种书。"), code="bib_not_found")
    ctx = library_rules(library)
    settings_row, _fees = fee_settings(library)
    grade = _grade(patron)
    today = clock.today()
    facts = patron_facts(patron)
    policy = ctx.matrix.lookup(patron.category, grade, Item.CirculationType.NORMAL)
    blocked = rules.patron_refusals(facts, policy, ctx.calendar, today)
    if blocked:
        raise Conflict(blocked[0].message, code=blocked[0].code)
    copies = Item.objects.filter(library=library, bib=bib).exclude(
        status__in=[Item.Status.WITHDRAWN, Item.Status.LOST]
    )
    types = set(copies.values_list("circulation_type", flat=True))
    holdable = [
        t
        for t in types
        if ctx.matrix.lookup(patron.category, grade, t).holds_allowed
        and ctx.matrix.lookup(patron.category, grade, t).loanable
    ]
    refusal = rules.hold_refusal(
        policy=policy if holdable else rules.NOT_LOANABLE,
        active_holds=Hold.objects.filter(
            patron=patron, status__in=[Hold.Status.WAITING, Hold.Status.READY]
        ).count(),
        max_holds=settings_row.max_holds,
        already_holding=Hold.objects.filter(
            patron=patron, bib=bib, status__in=[Hold.Status.WAITING, Hold.Status.READY]
        ).exists(),
        has_copy_on_loan_to_self=Loan.objects.filter(
            patron=patron, item__bib=bib, status=Loan.Status.ON_LOAN
        ).exists(),
        copies=len(types),
    )
    if refusal is not None:
        raise Conflict(refusal.message, code=refusal.code)
    hold = Hold.objects.create(library=library, bib=bib, patron=patron, placed_at=clock.now())
    audit.record(actor, "hold.place", hold, after={"bib": bib.pk})
    return hold


@transaction.atomic
def hold_trap(*, actor: Actor, barcode: str) -> Hold:
    """A copy on the shelf, pulled for the pick list (待取书单), goes to the hold shelf for
    the first reader in its title's queue, as a copy checked in at the desk would."""
    _require(actor, "circulate_any_class")
    item = _locked_item(actor.library, barcode)
    if item.status != Item.Status.AVAILABLE:
        raise Conflict(
            _("此书不在架上（%(status)s），不能放预约架。")
            % {"status": Item.Status(item.status).label},
            code="item_not_available",
        )
    hold_id = first_waiting_hold_id(item.bib_id)
    if hold_id is None:
        raise Conflict(_("这种书没有排队中的预约。"), code="no_waiting_hold")
    patron = Hold.objects.select_related("patron__school_class").get(pk=hold_id).patron
    policy = library_rules(actor.library).matrix.lookup(
        patron.category, _grade(patron), item.circulation_type
    )
    if not (policy.loanable and policy.holds_allowed):
        raise Conflict(
            _("这一册（%(type)s）不能借给预约的读者，请取另一册。")
            % {"type": Item.CirculationType(item.circulation_type).label},
            code="holds_not_allowed",
        )
    hold = _trap(actor, item, clock.today())
    if hold is None:  # the queue emptied meanwhile (a database without row locks)
        raise Conflict(_("这种书没有排队中的预约。"), code="no_waiting_hold")
    return hold


def _hold_for(actor: Actor, hold_id: int) -> Hold:
    hold = (
        Hold.objects.select_for_update(of=("self",))
        .filter(library=actor.library, pk=hold_id)
        .select_related("patron", "item")
        .first()
    )
    if hold is None:
        raise NotFound(_("没有这条预约。"), code="hold_not_found")
    return hold


@transaction.atomic
def hold_cancel(*, actor: Actor, hold_id: int) -> Hold:
    """Cancel a hold (the reader, or staff who serve the reader). A copy kept on the hold
    shelf goes to the next in line."""
    hold = _hold_for(actor, hold_id)
    user = actor.user
    own = user is not None and hold.patron.user_id is not None and hold.patron.user_id == user.pk
    if not own:
        _check_serves(actor, hold.patron.school_class_id)
    if hold.status not in (Hold.Status.WAITING, Hold.Status.READY):
        raise Conflict(_("这条预约已经结束。"), code="hold_closed")
    before = hold.status
    item = hold.item
    hold.status = Hold.Status.CANCELLED
    hold.closed_at = clock.now()
    hold.save(update_fields=["status", "closed_at"])
    audit.record(
        actor, "hold.cancel", hold, before={"status": before}, after={"status": "cancelled"}
    )
    if before == Hold.Status.READY:
        _release_copy(actor, item)
    return hold


@transaction.atomic
def hold_expire(*, actor: Actor) -> list[Hold]:
    """End the holds whose pickup window has passed; each copy goes to the next reader in
    line or back to the shelf. Run every hour by `shuxiang serve` (core.housekeeping),
    by `shuxiang expire-holds`, or from the hold-shelf page by a librarian (an assistant
    only sees their own class's shelf, so passes nothing on)."""
    _require(actor, "circulate_any_class")
    today = clock.today()
    # The shelf holds a few dozen copies at most: every ready hold is locked and the
    # rule decides, the same rule the hold-shelf page marks them by.
    expired = [
        hold
        for hold in Hold.objects.select_for_update(of=("self",))
        .filter(library=actor.library, status=Hold.Status.READY)
        .select_related("item")
        .order_by("expires_on", "id")
        if rules.hold_expired(hold.expires_on, today)
    ]
    for hold in expired:
        hold.status = Hold.Status.EXPIRED
        hold.closed_at = clock.now()
        hold.save(update_fields=["status", "closed_at"])
        audit.record(
            actor, "hold.expire", hold, before={"status": "ready"}, after={"status": "expired"}
        )
        _release_copy(actor, hold.item)
    return expired


def holds_expire_everywhere() -> int:
    """hold_expire for every library (the housekeeping job); the number of holds ended."""
    return sum(len(hold_expire(actor=Actor.system(library))) for library in Library.objects.all())
