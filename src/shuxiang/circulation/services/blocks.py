"""Manual blocks (停借)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.circulation.models import PatronBlock
from shuxiang.circulation.services._common import _patron, _require
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid

# --- blocks (停借) ----------------------------------------------------------------------


@transaction.atomic
def patron_block(*, actor: Actor, card: str, reason: str) -> PatronBlock:
    """Block a reader by hand, with a reason, until a librarian lifts it."""
    _require(actor, "circulate_any_class")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("停借须填写原因。"), code="reason_required")
    patron = _patron(actor.library, card, lock=True)
    if PatronBlock.objects.filter(patron=patron, lifted_at__isnull=True).exists():
        raise Conflict(_("该读者已被停借。"), code="already_blocked")
    block = PatronBlock.objects.create(
        library=actor.library, patron=patron, reason=reason[:200], created_at=clock.now()
    )
    audit.record(
        actor,
        "patron.block",
        patron,
        before={"blocked": False},
        after={"blocked": True},
        reason=reason,
    )
    return block


@transaction.atomic
def patron_unblock(*, actor: Actor, card: str, reason: str = "") -> int:
    """Lift a reader's manual block; returns how many were lifted."""
    _require(actor, "circulate_any_class")
    patron = _patron(actor.library, card, lock=True)
    lifted = PatronBlock.objects.filter(patron=patron, lifted_at__isnull=True).update(
        lifted_at=clock.now()
    )
    if not lifted:
        raise Conflict(_("该读者没有被手动停借。"), code="not_blocked")
    audit.record(
        actor,
        "patron.unblock",
        patron,
        before={"blocked": True},
        after={"blocked": False},
        reason=reason,
    )
    return lifted
