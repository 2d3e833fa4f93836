"""Helpers the circulation services share: finding the reader and the copy of a scan,
who may serve whom, refusals a librarian may override."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules
from shuxiang.circulation.selectors import item_for_update, patron_for_scan
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, NotFound
from shuxiang.core.models import Library
from shuxiang.core.permissions import can, can_circulate_for
from shuxiang.patrons.models import Patron

OPEN_LOAN_INDEX_MARKS = ("loan_one_open_per_item", "circulation_loan.item_id")

# --- helpers --------------------------------------------------------------------------


def _patron(library: Library, card: str, *, lock: bool = False) -> Patron:
    patron = patron_for_scan(library.pk, card or "", lock=lock)
    if patron is None:
        raise NotFound(
            _("没有借书证号为 %(card)s 的读者。") % {"card": card}, code="patron_not_found"
        )
    return patron


def _locked_item(library: Library, barcode: str) -> Item:
    item = item_for_update(library.pk, barcode or "")
    if item is None:
        raise NotFound(
            _("没有条码号为 %(barcode)s 的图书。") % {"barcode": barcode}, code="item_not_found"
        )
    return item


def _check_serves(actor: Actor, class_id: int | None) -> None:
    """A student assistant (班级图书管理员) serves only their own class."""
    if actor.user is None:
        return
    if not can_circulate_for(actor.user, class_id=class_id):
        raise Forbidden(_("您只能为本班读者办理借还。"), code="not_your_class")


def _refuse_or_override(actor: Actor, decision: rules.Decision, reason: str) -> list[str]:
    """Raise the refusal, or let a librarian override it with a reason (audited by the
    caller). Returns the overridden codes."""
    reason = (reason or "").strip()
    blocking = [r for r in decision.refusals if not r.overridable]
    may_override = actor.user is not None and can(actor.user, "override_refusal")
    if blocking or not reason:
        first = blocking[0] if blocking else decision.refusals[0]
        raise Conflict(
            first.message if blocking else decision.message,
            code=first.code,
            refusals=[{"code": r.code, "message": r.message} for r in decision.refusals],
            overridable=not blocking and may_override,
        )
    if not may_override:
        raise Forbidden(_("只有图书管理员可以越权借出。"), code="override_forbidden")
    return decision.codes


def _grade(patron: Patron | None) -> int | None:
    return patron.school_class.grade if patron is not None and patron.school_class_id else None


def _user(actor: Actor) -> object | None:
    return actor.user if getattr(actor.user, "pk", None) else None


def _require(actor: Actor, capability: str) -> None:
    if actor.user is not None and not can(actor.user, capability):
        raise Forbidden(_("您没有执行此操作的权限。"), code="forbidden")
