"""Check-out, check-in and renewal: the desk's scan path.

Check-out, check-in and renewal read the facts, ask `rules.py`, and write the loan, the
item's status and an audit event together. Two desks scanning the same copy at the same
moment queue on the item: SQLite transactions begin IMMEDIATE (settings), PostgreSQL
locks the item row (select_for_update); the partial unique index on open loans is the
last guard, and its IntegrityError becomes the same 409 item_on_loan as the rule.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation import rules
from shuxiang.circulation.models import Fee, Hold, Loan
from shuxiang.circulation.selectors import library_rules, open_loan_of, patron_by_id, patron_facts
from shuxiang.circulation.services._common import (
    _check_serves,
    _grade,
    _loan_move,
    _loan_open,
    _locked_item,
    _patron,
    _refuse_or_override,
)
from shuxiang.circulation.services.claims import _found_copy_settle
from shuxiang.circulation.services.desk_scans import _desk_scan_record
from shuxiang.circulation.services.holds import _trap
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden
from shuxiang.core.money import yuan_text
from shuxiang.core.permissions import can
from shuxiang.patrons.models import Patron

# --- check-out ------------------------------------------------------------------------


def _holds_fulfil(patron_id: int, bib_id: int, now: dt.datetime) -> int:
    """Close the reader's active hold on a title they just borrowed (scan path).

    Its own SQL, made once per process, rather than `core.rows`: rows.update writes one
    row by its primary key, and this closes whichever of the reader's holds on the title
    is waiting or ready by a WHERE, without first reading them; the ORM's `.update()`
    would compile a query on every check-out."""
    sql = (
        f"UPDATE {connection.ops.quote_name(Hold._meta.db_table)} SET status = %s, closed_at = %s"
        " WHERE patron_id = %s AND bib_id = %s AND status IN (%s, %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                Hold.Status.FULFILLED,
                connection.ops.adapt_datetimefield_value(now),
                patron_id,
                bib_id,
                Hold.Status.WAITING,
                Hold.Status.READY,
            ],
        )
        return cursor.rowcount


def _shelf_hold(item: Item) -> Hold | None:
    """The ready hold that keeps this copy on the hold shelf; only a copy on the shelf
    costs a look at the queue."""
    if item.status != Item.Status.ON_HOLD_SHELF:
        return None
    return Hold.objects.filter(item=item, status=Hold.Status.READY).first()


def _untrap(actor: Actor, hold: Hold) -> None:
    """A copy kept for one reader was lent to another by override: the holder goes back
    to the head of the queue."""
    Hold.objects.filter(pk=hold.pk).update(
        status=Hold.Status.WAITING, item=None, ready_at=None, expires_on=None
    )
    audit.record(actor, "hold.untrap", hold, before={"status": "ready"})


@transaction.atomic
def loan_checkout(
    *,
    actor: Actor,
    card: str,
    barcode: str,
    override_reason: str = "",
    scan_id: uuid.UUID | None = None,
) -> Loan:
    """Lend a copy to a reader (借出). Refusals raise Conflict with the decision's code;
    a librarian may override an overridable refusal by giving a reason. With the desk's
    `scan_id`, a scan already applied raises ScanReplayed and writes nothing."""
    library = actor.library
    patron = _patron(library, card, lock=True)
    _check_serves(actor, patron.school_class_id)
    item = _locked_item(library, barcode)
    ctx = library_rules(library)
    grade = _grade(patron)
    policy = ctx.matrix.lookup(patron.category, grade, item.circulation_type)
    today = clock.today()
    shelf_hold = _shelf_hold(item)
    for_other = shelf_hold is not None and shelf_hold.patron_id != patron.pk
    decision = rules.checkout_decision(
        patron=patron_facts(patron),
        item=rules.ItemFacts(
            status=item.status, circulation_type=item.circulation_type, hold_for_other=for_other
        ),
        policy=policy,
        calendar=ctx.calendar,
        today=today,
    )
    overridden = [] if decision.ok else _refuse_or_override(actor, decision, override_reason)
    due = rules.due_date(
        policy=policy,
        calendar=ctx.calendar,
        today=today,
        vacation_loans=library.vacation_loans,
        leaving_date=ctx.leaving_date(grade, today),
    )
    now = clock.now()
    if item.status in (Item.Status.LOST, Item.Status.MISSING):
        # A sought copy lent straight from the librarian's hand is found first, by the
        # same path as at check-in: its lost or claimed loan must not stay open behind
        # the new one (a refund due is recorded with its receipt on the reader's fees).
        _found_copy_settle(actor, item)
    loan = _loan_open(actor, item=item, patron=patron, due=due, checked_out_at=now)
    before_status = item.status
    item_status_set(item_id=item.pk, status=Item.Status.ON_LOAN, at=now)
    item.status = Item.Status.ON_LOAN
    if for_other:
        _untrap(actor, shelf_hold)
    # The reader's own hold on this title is fulfilled by this loan, whichever copy.
    _holds_fulfil(patron.pk, item.bib_id, now)
    after = {
        "item": item.barcode,
        "due": due.isoformat(),
        "item_status": "on_loan",
    }
    if overridden:
        after["override"] = overridden
    audit.record(
        actor,
        "loan.checkout",
        loan,
        before={"item_status": before_status},
        after=after,
        reason=override_reason.strip() if overridden else "",
        reader=patron,
    )
    _desk_scan_record(
        actor,
        scan_id,
        {
            "action": "checkout",
            "loan": loan.pk,
            "patron": patron.card_number,
            "due": due.isoformat(),
            "override": bool(override_reason.strip()),
        },
    )
    return loan


# --- check-in -------------------------------------------------------------------------


@dataclass
class CheckinResult:
    item: Item
    loan: Loan | None
    patron: Patron | None
    overdue_days: int = 0
    fee: int = 0
    hold: dict | None = None
    found: bool = False
    messages: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        return "warning" if (self.found or self.overdue_days or self.fee or self.hold) else "ok"


def _checkin_party(actor: Actor, item: Item) -> tuple[Loan | None, Patron | None]:
    """The copy's open loan and its reader, once the actor may take it back: a student
    assistant only their class's loans; a copy without a loan (found) needs the desk."""
    loan = open_loan_of(item.pk)
    refusal = rules.checkin_refusal(item_status=item.status, has_open_loan=loan is not None)
    if refusal is not None:
        raise Conflict(refusal.message, code=refusal.code)
    patron = patron_by_id(loan.patron_id) if loan is not None and loan.patron_id else None
    if loan is not None:
        loan.patron = patron
        _check_serves(actor, patron.school_class_id if patron is not None else loan.school_class_id)
    elif actor.user is not None and not can(actor.user, "circulate"):
        raise Forbidden(_("您没有执行此操作的权限。"), code="forbidden")
    return loan, patron


def _overdue_fine(actor: Actor, result: CheckinResult, today: dt.date, now: dt.datetime) -> None:
    """Days late by the opening calendar, and the fine of the loan's policy cell (the
    reader's category and grade on the day of the loan), billed to the reader."""
    loan, item = result.loan, result.item
    ctx = library_rules(actor.library)
    result.overdue_days = rules.overdue_days(loan.due_date, today, ctx.calendar)
    if not result.overdue_days:
        return
    policy = ctx.matrix.lookup(
        loan.patron_category or "student", loan.patron_grade, item.circulation_type
    )
    result.fee = rules.fine(result.overdue_days, policy)
    if not result.fee or result.patron is None:
        return
    fine = Fee.objects.create(
        library=actor.library,
        patron=result.patron,
        kind=Fee.Kind.FINE,
        amount=result.fee,
        item=item,
        loan=loan,
        note=_("逾期 %(days)s 天") % {"days": result.overdue_days},
        created_at=now,
    )
    audit.record(actor, "fee.create", fine, after={"kind": "fine", "amount": result.fee})


def _shelve_or_trap(actor: Actor, result: CheckinResult, today: dt.date, now: dt.datetime) -> None:
    """The copy goes to the hold shelf for the first reader in its title's queue, or
    back to the shelf."""
    item = result.item
    hold = _trap(actor, item, today)
    if hold is None:
        item_status_set(item_id=item.pk, status=Item.Status.AVAILABLE, at=now)
        item.status = Item.Status.AVAILABLE
        return
    result.hold = {
        "hold_id": hold.pk,
        "patron": hold.patron.card_number,
        "name": hold.patron.name,
        "class": hold.patron.school_class.name if hold.patron.school_class_id else "",
        "expires_on": hold.expires_on.isoformat(),
    }
    result.messages.append(
        _("请放预约架：%(name)s 预约了此书（保留至 %(date)s）。")
        % {"name": hold.patron.name, "date": hold.expires_on.isoformat()}
    )


@transaction.atomic
def loan_checkin(*, actor: Actor, barcode: str, scan_id: uuid.UUID | None = None) -> CheckinResult:
    """Take a copy back (归还) at any desk. A copy marked missing, lost or in transit
    comes back as found, and a lost or claimed-returned loan of it ends here
    (`claims._found_copy_settle`, the one path for found copies, the stocktake's
    included); a copy that is not on loan is refused with not_on_loan. With the desk's
    `scan_id`, a scan already applied raises ScanReplayed and writes nothing."""
    item = _locked_item(actor.library, barcode)
    loan, patron = _checkin_party(actor, item)
    result = CheckinResult(
        item=item, loan=loan, patron=patron, found=item.status in rules.FOUND_STATES
    )
    now = clock.now()
    today = clock.today()
    before_status = item.status
    if loan is not None:
        _overdue_fine(actor, result, today, now)
        _loan_move(actor, loan, Loan.Status.RETURNED, at=now)
    if loan is None and before_status in (Item.Status.LOST, Item.Status.MISSING):
        result.messages.extend(_found_copy_settle(actor, item))
    _shelve_or_trap(actor, result, today, now)
    if result.fee:
        result.messages.append(_("逾期罚款 %(yuan)s 元。") % {"yuan": yuan_text(result.fee)})
    if result.found:
        result.messages.append(
            _("此书原为“%(status)s”状态，已按找到处理。")
            % {"status": Item.Status(before_status).label}
        )
    if result.overdue_days:
        result.messages.append(_("逾期 %(days)s 天。") % {"days": result.overdue_days})
    after = {
        "item_status": item.status,
        "overdue_days": result.overdue_days,
        "fee": result.fee,
        "found": result.found,
    }
    if loan is not None:
        audit.record(
            actor,
            "loan.checkin",
            loan,
            before={"status": "on_loan", "item_status": before_status},
            after=after,
            reader=patron,
        )
    else:
        audit.record(actor, "item.found", item, before={"item_status": before_status}, after=after)
    _desk_scan_record(
        actor,
        scan_id,
        {
            "action": "checkin",
            "item": item.pk,
            "patron": patron.pk if patron is not None else None,
            "level": result.level,
            "messages": result.messages,
            "overdue_days": result.overdue_days,
            "fee": result.fee,
            "hold": result.hold,
            "found": result.found,
        },
    )
    return result


# --- renewal --------------------------------------------------------------------------


def _renewal_allowed_for(actor: Actor, loan: Loan) -> None:
    user = actor.user
    if user is None or can(user, "circulate_any_class"):
        return
    if loan.patron is not None and loan.patron.user_id and loan.patron.user_id == user.pk:
        return  # readers renew their own loans
    raise Forbidden(_("您没有续借的权限。"), code="forbidden")


def _renew(actor: Actor, loan: Loan, item: Item, *, override_reason: str = "") -> Loan:
    library = actor.library
    ctx = library_rules(library)
    patron = loan.patron
    grade = _grade(patron)
    category = patron.category if patron is not None else (loan.patron_category or "student")
    policy = ctx.matrix.lookup(category, grade, item.circulation_type)
    today = clock.today()
    decision = rules.renewal_decision(
        patron=patron_facts(patron) if patron is not None else None,
        renewals_used=loan.renewals,
        holds_waiting=Hold.objects.filter(bib_id=item.bib_id, status=Hold.Status.WAITING).count(),
        policy=policy,
        calendar=ctx.calendar,
        today=today,
    )
    overridden = [] if decision.ok else _refuse_or_override(actor, decision, override_reason)
    old_due = loan.due_date
    loan.due_date = rules.renewal_due_date(
        old_due=old_due,
        policy=policy,
        calendar=ctx.calendar,
        today=today,
        vacation_loans=library.vacation_loans,
        leaving_date=ctx.leaving_date(grade, today),
    )
    loan.renewals += 1
    loan.save(update_fields=["due_date", "renewals"])
    after = {"due": loan.due_date.isoformat(), "renewals": loan.renewals}
    if overridden:
        after["override"] = overridden
    audit.record(
        actor,
        "loan.renew",
        loan,
        before={"due": old_due.isoformat(), "renewals": loan.renewals - 1},
        after=after,
        reason=override_reason.strip() if overridden else "",
    )
    return loan


@transaction.atomic
def loan_renew(*, actor: Actor, barcode: str, override_reason: str = "") -> Loan:
    """Renew the open loan of a copy (续借)."""
    item = _locked_item(actor.library, barcode)
    loan = (
        Loan.objects.select_related("patron__school_class", "item__bib")
        .filter(item=item, status=Loan.Status.ON_LOAN)
        .first()
    )
    if loan is None:
        raise Conflict(_("此书未借出，不能续借。"), code="not_on_loan")
    _renewal_allowed_for(actor, loan)
    return _renew(actor, loan, item, override_reason=override_reason)


@dataclass
class RenewOutcome:
    loan: Loan
    renewed: bool
    code: str = ""
    message: str = ""


@transaction.atomic
def loan_renew_all(*, actor: Actor, card: str) -> list[RenewOutcome]:
    """Renew every open loan of a reader that may be renewed; the others are listed
    with the reason (one transaction)."""
    patron = _patron(actor.library, card)
    loans = list(
        Loan.objects.select_related("patron__school_class", "item__bib")
        .filter(library=actor.library, patron=patron, status=Loan.Status.ON_LOAN)
        .order_by("due_date", "id")
    )
    outcomes = []
    for loan in loans:
        _renewal_allowed_for(actor, loan)
        try:
            with transaction.atomic():
                _renew(actor, loan, loan.item)
            outcomes.append(RenewOutcome(loan=loan, renewed=True))
        except Conflict as exc:
            outcomes.append(
                RenewOutcome(loan=loan, renewed=False, code=exc.code, message=exc.message)
            )
    return outcomes


def loans_detach_reader(*, actor: Actor, patron_id: int, anonymous_id: int) -> int:
    """Hand a reader's finished loans to the library's anonymous reader
    (privacy: graduates after N years, readers who keep no history). Open loans stay;
    the loans' snapshots of category, grade and class stay, so statistics do not change.
    Finished holds (what the reader once wanted) go with them; waiting and ready holds
    stay. Runs in the caller's transaction, which writes the audit event."""
    Hold.objects.filter(
        library=actor.library,
        patron_id=patron_id,
        status__in=[Hold.Status.FULFILLED, Hold.Status.CANCELLED, Hold.Status.EXPIRED],
    ).update(patron_id=anonymous_id)
    return (
        Loan.objects.filter(library=actor.library, patron_id=patron_id)
        .exclude(status=Loan.Status.ON_LOAN)
        .update(patron_id=anonymous_id)
    )
