"""Helpers the circulation services share: finding the reader and the copy of a scan,
who may serve whom, refusals a librarian may override, and the two places a loan is
written: `_loan_open` (every new loan) and `_loan_move` (every change of its state)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules
from shuxiang.circulation.models import Loan
from shuxiang.circulation.selectors import item_for_update, patron_for_scan
from shuxiang.core import clock, rows
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, Invalid, NotFound
from shuxiang.core.models import Library
from shuxiang.core.permissions import can, can_circulate_for
from shuxiang.patrons.models import Patron, SchoolClass

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
    problem = rules.override_reason_problem(
        reason,
        card_pattern=actor.library.card_pattern,
        barcode_pattern=actor.library.barcode_pattern,
    )
    if problem:
        raise Invalid(problem, code="override_reason_invalid")
    return decision.codes


def _grade(patron: Patron | None) -> int | None:
    return patron.school_class.grade if patron is not None and patron.school_class_id else None


def _user(actor: Actor) -> object | None:
    return actor.user if getattr(actor.user, "pk", None) else None


def _require(actor: Actor, capability: str) -> None:
    if actor.user is not None and not can(actor.user, capability):
        raise Forbidden(_("您没有执行此操作的权限。"), code="forbidden")


# --- the loan's lifecycle ---------------------------------------------------------------


def _item_refusals(item: Item, policy: rules.Policy) -> list[rules.Refusal]:
    """`rules.item_refusals` for a copy lent without a reader at the desk (a class
    collection, a loan taken over): a copy on the hold shelf is kept for someone else."""
    facts = rules.ItemFacts(
        status=item.status,
        circulation_type=item.circulation_type,
        hold_for_other=item.status == Item.Status.ON_HOLD_SHELF,
    )
    return rules.item_refusals(facts, policy)


def _loan_open(
    actor: Actor,
    *,
    item: Item,
    due: dt.date,
    patron: Patron | None = None,
    school_class: SchoolClass | None = None,
    custodian: Patron | None = None,
    checked_out_at: dt.datetime | None = None,
    taken_message: str = "",
) -> Loan:
    """Write a new open loan: the one constructor of check-out, class loans and loans
    taken over from the previous system. The borrower is a reader or a class; the loan
    keeps a snapshot of the reader's category, grade and class (or the class) as they
    are today, so statistics survive promotion. Written with the prepared INSERT of the
    scan path. Another desk's open loan of the copy that committed first trips the
    partial unique index (SQLite names the column, PostgreSQL the index): that becomes
    Conflict item_on_loan, with `taken_message`."""
    if patron is not None:
        snapshot = {
            "patron_category": patron.category,
            "patron_grade": _grade(patron),
            "class_at_loan_id": patron.school_class_id,
            "class_name_at_loan": patron.school_class.name if patron.school_class_id else "",
        }
    else:
        snapshot = {"class_at_loan_id": school_class.pk, "class_name_at_loan": school_class.name}
    loan = Loan(
        library=actor.library,
        item=item,
        patron=patron,
        school_class=school_class,
        status=Loan.Status.ON_LOAN,
        checked_out_at=checked_out_at or clock.now(),
        due_date=due,
        channel=actor.channel,
        checked_out_by=_user(actor),
        custodian=custodian,
        **snapshot,
    )
    try:
        rows.insert(loan)
    except IntegrityError as exc:
        if not any(mark in str(exc) for mark in OPEN_LOAN_INDEX_MARKS):
            raise
        raise Conflict(
            taken_message or _("此书已借出，请先办理归还。"), code="item_on_loan"
        ) from exc
    return loan


def _loan_move(actor: Actor, loan: Loan, target: str, *, at: dt.datetime) -> None:
    """The one place a loan changes state: the lifecycle (`rules.loan_transition`)
    refuses a move it does not have; a loan that ends as returned records when, through
    which channel and by whom. The caller writes the audit event."""
    loan.status = rules.loan_transition(loan.status, target)
    names: tuple[str, ...] = ("status",)
    if target == Loan.Status.RETURNED:
        loan.returned_at = at
        loan.checkin_channel = actor.channel
        loan.checked_in_by = _user(actor)
        names = ("status", "returned_at", "checkin_channel", "checked_in_by")
    rows.update(loan, names)
