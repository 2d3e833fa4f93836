"""Circulation write operations: one function per use case, one transaction each.

Check-out, check-in and renewal read the facts, ask `rules.py`, and write the loan, the
item's status and an audit event together. Two desks scanning the same copy at the same
moment queue on the item: SQLite transactions begin IMMEDIATE (settings), PostgreSQL
locks the item row (select_for_update); the partial unique index on open loans is the
last guard, and its IntegrityError becomes the same 409 item_on_loan as the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation import rules
from shuxiang.circulation.models import (
    ClassLoanTransfer,
    Fee,
    Hold,
    Loan,
    LoanPolicy,
    PatronBlock,
    Payment,
)
from shuxiang.circulation.selectors import (
    fee_settings,
    first_waiting_hold_id,
    item_for_update,
    library_rules,
    open_loan_of,
    patron_by_id,
    patron_facts,
    patron_for_scan,
)
from shuxiang.core import audit, clock, rows
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, Invalid, NotFound
from shuxiang.core.models import Library
from shuxiang.core.money import yuan_text
from shuxiang.core.permissions import can, can_circulate_for
from shuxiang.patrons.models import Patron, SchoolClass

# The defaults most schools start with: students 2 books for 14 days with one renewal;
# teachers 10 books until the end of term with two renewals; reference copies stay in
# the library; no fines.
DEFAULT_POLICIES = {
    Patron.Category.STUDENT: {"loan_days": 14, "max_loans": 2, "renewals": 1, "renewal_days": 14},
    Patron.Category.TEACHER: {
        "loan_days": 120,
        "fixed_due": "term_end",
        "max_loans": 10,
        "renewals": 2,
        "renewal_days": 30,
    },
    Patron.Category.STAFF: {"loan_days": 30, "max_loans": 5, "renewals": 1, "renewal_days": 30},
}


@transaction.atomic
def policies_seed_defaults(*, library: Library) -> int:
    """Fill the policy matrix with the defaults where a cell is missing; returns how many
    cells were added. Cells a librarian has edited are left alone."""
    added = 0
    for category, values in DEFAULT_POLICIES.items():
        for circulation_type in Item.CirculationType.values:
            cell = dict(values)
            if circulation_type == Item.CirculationType.REFERENCE:
                cell["loanable"] = False
            _policy, created = LoanPolicy.objects.get_or_create(
                library=library,
                patron_category=category,
                grade=0,
                circulation_type=circulation_type,
                defaults=cell,
            )
            added += created
    return added


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


# --- check-out ------------------------------------------------------------------------


def _holds_fulfil(patron_id: int, bib_id: int, now: dt.datetime) -> int:
    """Close the reader's active hold on a title they just borrowed (scan path)."""
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


@transaction.atomic
def loan_checkout(*, actor: Actor, card: str, barcode: str, override_reason: str = "") -> Loan:
    """Lend a copy to a reader (借出). Refusals raise Conflict with the decision's code;
    a librarian may override an overridable refusal by giving a reason."""
    library = actor.library
    patron = _patron(library, card, lock=True)
    _check_serves(actor, patron.school_class_id)
    item = _locked_item(library, barcode)
    ctx = library_rules(library)
    grade = _grade(patron)
    policy = ctx.matrix.lookup(patron.category, grade, item.circulation_type)
    today = clock.today()
    # Only a copy on the hold shelf costs a look at the queue.
    shelf_hold = (
        Hold.objects.filter(item=item, status=Hold.Status.READY).first()
        if item.status == Item.Status.ON_HOLD_SHELF
        else None
    )
    decision = rules.checkout_decision(
        patron=patron_facts(patron),
        item=rules.ItemFacts(
            status=item.status,
            circulation_type=item.circulation_type,
            hold_for_other=shelf_hold is not None and shelf_hold.patron_id != patron.pk,
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
    user = actor.user if getattr(actor.user, "pk", None) else None
    try:
        loan = Loan(
            library=library,
            item=item,
            patron=patron,
            status=Loan.Status.ON_LOAN,
            checked_out_at=now,
            due_date=due,
            channel=actor.channel,
            checked_out_by=user,
            patron_category=patron.category,
            patron_grade=grade,
            class_at_loan_id=patron.school_class_id,
            class_name_at_loan=patron.school_class.name if patron.school_class_id else "",
        )
        rows.insert(loan)
    except IntegrityError as exc:
        # Another desk's loan of this copy committed first: the partial unique index
        # (SQLite names the column, PostgreSQL the index).
        if not any(mark in str(exc) for mark in OPEN_LOAN_INDEX_MARKS):
            raise
        raise Conflict(_("此书已借出，请先办理归还。"), code="item_on_loan") from exc
    before_status = item.status
    item_status_set(item_id=item.pk, status=Item.Status.ON_LOAN, at=now)
    item.status = Item.Status.ON_LOAN
    if shelf_hold is not None and shelf_hold.patron_id != patron.pk:
        # Lent to someone else by override: the holder goes back to the head of the queue.
        Hold.objects.filter(pk=shelf_hold.pk).update(
            status=Hold.Status.WAITING, item=None, ready_at=None, expires_on=None
        )
        audit.record(actor, "hold.untrap", shelf_hold, before={"status": "ready"})
    # The reader's own hold on this title is fulfilled by this loan, whichever copy.
    _holds_fulfil(patron.pk, item.bib_id, now)
    after = {
        "item": item.barcode,
        "patron": patron.card_number,
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


@transaction.atomic
def loan_checkin(*, actor: Actor, barcode: str) -> CheckinResult:
    """Take a copy back (归还) at any desk. A copy marked missing, lost or in transit
    comes back as found; a copy that is not on loan is refused with not_on_loan."""
    library = actor.library
    item = _locked_item(library, barcode)
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
    result = CheckinResult(
        item=item, loan=loan, patron=patron, found=item.status in rules.FOUND_STATES
    )
    now = clock.now()
    today = clock.today()
    before_status = item.status
    if loan is not None:
        ctx = library_rules(library)
        result.overdue_days = rules.overdue_days(loan.due_date, today, ctx.calendar)
        if result.overdue_days:
            policy = ctx.matrix.lookup(
                loan.patron_category or "student", loan.patron_grade, item.circulation_type
            )
            result.fee = rules.fine(result.overdue_days, policy)
        rules.loan_transition(loan.status, Loan.Status.RETURNED)
        loan.status = Loan.Status.RETURNED
        loan.returned_at = now
        loan.checkin_channel = actor.channel
        loan.checked_in_by = actor.user if getattr(actor.user, "pk", None) else None
        rows.update(loan, ("status", "returned_at", "checkin_channel", "checked_in_by"))
    if result.fee and patron is not None:
        fine = Fee.objects.create(
            library=library,
            patron=patron,
            kind=Fee.Kind.FINE,
            amount=result.fee,
            item=item,
            loan=loan,
            note=_("逾期 %(days)s 天") % {"days": result.overdue_days},
            created_at=now,
        )
        audit.record(actor, "fee.create", fine, after={"kind": "fine", "amount": result.fee})
    if before_status == Item.Status.LOST:
        result.messages.extend(_lost_copy_found(actor, item))
    hold = _trap(actor, item, today)
    if hold is not None:
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
    else:
        item_status_set(item_id=item.pk, status=Item.Status.AVAILABLE, at=now)
        item.status = Item.Status.AVAILABLE
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
        )
    else:
        audit.record(actor, "item.found", item, before={"item_status": before_status}, after=after)
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
    audit.record(actor, "hold.place", hold, after={"patron": patron.card_number, "bib": bib.pk})
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
    expired = list(
        Hold.objects.select_for_update(of=("self",))
        .filter(library=actor.library, status=Hold.Status.READY, expires_on__lt=today)
        .select_related("item")
        .order_by("expires_on", "id")
    )
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


# --- fees (罚款、赔偿) --------------------------------------------------------------------


def _user(actor: Actor) -> object | None:
    return actor.user if getattr(actor.user, "pk", None) else None


def _require(actor: Actor, capability: str) -> None:
    if actor.user is not None and not can(actor.user, capability):
        raise Forbidden(_("您没有执行此操作的权限。"), code="forbidden")


def _next_receipt(library: Library) -> str:
    today = clock.today()
    prefix = "SX"
    stem = rules.receipt_number(prefix, today, 0)[:-4]
    count = Payment.objects.filter(library=library, receipt_number__startswith=stem).count()
    return rules.receipt_number(prefix, today, count + 1)


def _last_loan(item: Item) -> Loan | None:
    return (
        Loan.objects.select_related("patron")
        .filter(item=item)
        .order_by("-checked_out_at", "-id")
        .first()
    )


@transaction.atomic
def item_mark_lost(*, actor: Actor, barcode: str, replacement: bool = False, note: str = "") -> Fee:
    """A reader lost a copy they borrowed (赔偿): the loan ends as lost, the copy is lost,
    and the reader is billed price × factor + processing fee — or, when they bring a
    replacement copy, the processing fee only."""
    _require(actor, "circulate_any_class")
    library = actor.library
    item = _locked_item(library, barcode)
    loan = open_loan_of(item.pk)
    if loan is None or loan.patron_id is None:
        raise Conflict(_("此书没有借给读者，不能按遗失赔偿。"), code="not_on_loan")
    patron = patron_by_id(loan.patron_id)
    _row, settings = fee_settings(library)
    compensation, processing = rules.lost_fee(item.price, settings)
    amount = processing if replacement else compensation + processing
    now = clock.now()
    rules.loan_transition(loan.status, Loan.Status.LOST)
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.LOST)
    item_status_set(item_id=item.pk, status=Item.Status.LOST, at=now)
    fee = Fee.objects.create(
        library=library,
        patron=patron,
        kind=Fee.Kind.LOST,
        amount=amount,
        processing_fee=processing,
        item=item,
        loan=loan,
        note=(note or (_("以书赔书，收加工费") if replacement else ""))[:200],
        created_at=now,
    )
    audit.record(
        actor,
        "loan.lost",
        loan,
        before={"status": "on_loan", "item_status": item.status},
        after={"status": "lost", "item_status": "lost", "fee": amount, "replacement": replacement},
    )
    audit.record(actor, "fee.create", fee, after={"kind": "lost", "amount": amount})
    return fee


@transaction.atomic
def item_mark_damaged(
    *, actor: Actor, barcode: str, severity: str, card: str = "", note: str = ""
) -> Fee:
    """A copy came back damaged (损坏赔偿): the reader who had it (the open loan, else
    the last one, else the card given) pays by severity; the copy goes to repair."""
    _require(actor, "circulate_any_class")
    if severity not in rules.SEVERITIES:
        raise Invalid(_("请选择损坏程度。"), code="invalid_severity")
    library = actor.library
    item = _locked_item(library, barcode)
    patron = _patron(library, card) if card else None
    loan = open_loan_of(item.pk) or _last_loan(item)
    if patron is None and loan is not None and loan.patron_id:
        patron = patron_by_id(loan.patron_id)
    if patron is None:
        raise Invalid(_("请扫描损坏图书的读者借书证。"), code="patron_required")
    _row, settings = fee_settings(library)
    amount = rules.damaged_fee(item.price, severity, settings)
    now = clock.now()
    if loan is not None and loan.status == Loan.Status.ON_LOAN:
        Loan.objects.filter(pk=loan.pk).update(
            status=Loan.Status.RETURNED,
            returned_at=now,
            checkin_channel=actor.channel,
            checked_in_by=_user(actor),
        )
        audit.record(
            actor, "loan.checkin", loan, before={"status": "on_loan"}, after={"damaged": severity}
        )
    before = item.status
    item_status_set(item_id=item.pk, status=Item.Status.IN_REPAIR, at=now)
    fee = Fee.objects.create(
        library=library,
        patron=patron,
        kind=Fee.Kind.DAMAGED,
        amount=amount,
        item=item,
        loan=loan,
        note=(note or str(DAMAGE_LABELS[severity]))[:200],
        created_at=now,
    )
    audit.record(
        actor,
        "item.damaged",
        item,
        before={"item_status": before},
        after={"item_status": "in_repair", "severity": severity},
    )
    audit.record(actor, "fee.create", fee, after={"kind": "damaged", "amount": amount})
    return fee


DAMAGE_LABELS = {
    rules.MINOR: _lazy("轻度损坏"),
    rules.MAJOR: _lazy("严重损坏"),
    rules.DESTROYED: _lazy("无法修复"),
}


def _lost_copy_found(actor: Actor, item: Item) -> list[str]:
    """A copy billed as lost came back: its loan ends as returned; an unpaid bill is
    cancelled, a paid one refunded by rule."""
    messages = []
    now = clock.now()
    loan = Loan.objects.filter(item=item, status=Loan.Status.LOST).order_by("-id").first()
    if loan is not None:
        rules.loan_transition(loan.status, Loan.Status.RETURNED)
        Loan.objects.filter(pk=loan.pk).update(
            status=Loan.Status.RETURNED, returned_at=now, checkin_channel=actor.channel
        )
        audit.record(
            actor, "loan.found", loan, before={"status": "lost"}, after={"status": "returned"}
        )
    _row, settings = fee_settings(actor.library)
    for fee in (
        Fee.objects.select_for_update(of=("self",))
        .filter(item=item, kind=Fee.Kind.LOST)
        .exclude(status__in=[Fee.Status.REFUNDED, Fee.Status.WAIVED])
    ):
        if fee.status == Fee.Status.OPEN:
            _close_fee(
                actor, fee, Payment.Kind.WAIVER, fee.amount, str(_("图书已找回")), Fee.Status.WAIVED
            )
            messages.append(_("遗失赔偿已取消（图书已找回）。"))
            continue
        paid = sum(p.amount for p in fee.payments.all() if p.kind == Payment.Kind.PAYMENT)
        refund = rules.lost_refund(paid, fee.processing_fee, settings)
        if refund:
            payment = _close_fee(
                actor, fee, Payment.Kind.REFUND, refund, str(_("图书已找回")), Fee.Status.REFUNDED
            )
            messages.append(
                _("请退还赔偿款 %(yuan)s 元（收据 %(receipt)s）。")
                % {"yuan": yuan_text(refund), "receipt": payment.receipt_number}
            )
    return messages


def _close_fee(actor: Actor, fee: Fee, kind: str, amount: int, reason: str, status: str) -> Payment:
    payment = Payment.objects.create(
        library=actor.library,
        fee=fee,
        kind=kind,
        amount=amount,
        receipt_number=_next_receipt(actor.library),
        reason=reason[:200],
        at=clock.now(),
        by=_user(actor),
    )
    before = fee.status
    fee.status = status
    fee.closed_at = payment.at
    fee.save(update_fields=["status", "closed_at"])
    audit.record(
        actor,
        f"fee.{kind}",
        fee,
        before={"status": before},
        after={"status": status, "amount": amount, "receipt": payment.receipt_number},
        reason=reason,
    )
    return payment


def _open_fees(actor: Actor, fee_ids: list[int]) -> list[Fee]:
    fees = list(
        Fee.objects.select_for_update(of=("self",))
        .filter(library=actor.library, pk__in=fee_ids)
        .order_by("id")
    )
    if len(fees) != len(set(fee_ids)) or not fees:
        raise NotFound(_("没有这笔费用。"), code="fee_not_found")
    if any(f.status != Fee.Status.OPEN for f in fees):
        raise Conflict(_("这笔费用已经结清。"), code="fee_closed")
    return fees


@transaction.atomic
def fee_pay(*, actor: Actor, fee_ids: list[int]) -> list[Payment]:
    """The reader pays these fees in full (缴费); each gets a receipt number."""
    _require(actor, "circulate_any_class")
    return [
        _close_fee(actor, fee, Payment.Kind.PAYMENT, fee.amount, "", Fee.Status.PAID)
        for fee in _open_fees(actor, fee_ids)
    ]


@transaction.atomic
def fee_waive(*, actor: Actor, fee_id: int, reason: str) -> Payment:
    """Let a reader off a fee (减免), with a reason."""
    _require(actor, "override_refusal")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("减免须填写原因。"), code="reason_required")
    (fee,) = _open_fees(actor, [fee_id])
    return _close_fee(actor, fee, Payment.Kind.WAIVER, fee.amount, reason, Fee.Status.WAIVED)


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


# --- class loans (班级集体借阅) ------------------------------------------------------------


def _class(actor: Actor, class_id: int) -> SchoolClass:
    school_class = SchoolClass.objects.filter(library=actor.library, pk=class_id).first()
    if school_class is None:
        raise NotFound(_("没有这个班级。"), code="class_not_found")
    return school_class


def _class_due(actor: Actor, due: dt.date | None) -> dt.date:
    """A class collection stays until the given day or the end of term, on an open day."""
    ctx = library_rules(actor.library)
    today = clock.today()
    if due is None:
        term = ctx.calendar.term_on(today)
        due = term.end if term is not None else today + dt.timedelta(days=90)
    if due < today:
        raise Invalid(_("应还日期不能早于今天。"), code="invalid_due")
    return rules.place_due_date(due, calendar=ctx.calendar, today=today)


def _custodian(school_class: SchoolClass) -> Patron | None:
    return school_class.assistants.order_by("id").first()


def _lend_to_class(
    actor: Actor, school_class: SchoolClass, item: Item, due: dt.date, custodian: Patron | None
) -> Loan:
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                library=actor.library,
                item=item,
                school_class=school_class,
                status=Loan.Status.ON_LOAN,
                checked_out_at=clock.now(),
                due_date=due,
                channel=actor.channel,
                checked_out_by=_user(actor),
                class_at_loan=school_class,
                class_name_at_loan=school_class.name,
                custodian=custodian,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(barcode)s 已借出。") % {"barcode": item.barcode}, code="item_on_loan"
        ) from exc
    return loan


@transaction.atomic
def class_loan_checkout(
    *, actor: Actor, class_id: int, barcodes: list[str], due: dt.date | None = None
) -> list[Loan]:
    """Lend a batch of copies to a class with one due date (e.g. end of term). The class
    is the borrower; its student assistant is the custodian. All or nothing."""
    school_class = _class(actor, class_id)
    _check_serves(actor, school_class.pk)
    due_date = _class_due(actor, due)
    custodian = _custodian(school_class)
    ctx = library_rules(actor.library)
    problems, items = [], []
    for barcode in dict.fromkeys(b.strip() for b in barcodes if b.strip()):
        item = item_for_update(actor.library.pk, barcode)
        if item is None:
            problems.append(_("%(barcode)s：没有这本书") % {"barcode": barcode})
        elif item.status != Item.Status.AVAILABLE:
            problems.append(
                _("%(barcode)s：%(status)s")
                % {"barcode": barcode, "status": item.get_status_display()}
            )
        elif not ctx.matrix.lookup("student", school_class.grade, item.circulation_type).loanable:
            problems.append(_("%(barcode)s：不外借") % {"barcode": barcode})
        else:
            items.append(item)
    if problems or not items:
        raise Conflict(
            _("不能借给班级：") + "；".join(problems or [_("没有图书")]),
            code="class_loan_refused",
            problems=problems,
        )
    loans = []
    now = clock.now()
    for item in items:
        loan = _lend_to_class(actor, school_class, item, due_date, custodian)
        item_status_set(item_id=item.pk, status=Item.Status.ON_LOAN, at=now)
        audit.record(
            actor,
            "loan.checkout",
            loan,
            before={"item_status": "available"},
            after={
                "item": item.barcode,
                "class": school_class.name,
                "custodian": custodian.card_number if custodian else "",
                "due": due_date.isoformat(),
                "item_status": "on_loan",
            },
        )
        loans.append(loan)
    return loans


@transaction.atomic
def class_loan_checkin(*, actor: Actor, barcodes: list[str]) -> list[CheckinResult]:
    """Take back part or all of a class collection (partial returns)."""
    return [loan_checkin(actor=actor, barcode=b) for b in barcodes if b.strip()]


@transaction.atomic
def class_loan_transfer(
    *, actor: Actor, from_class_id: int, to_class_id: int, due: dt.date | None = None
) -> ClassLoanTransfer:
    """Class exchange (班级图书交换): the whole collection one class holds moves to
    another class in one step. The old loans end as returned (the giving class keeps its
    statistics), new loans start for the receiving class, and the transfer is kept."""
    _require(actor, "circulate_any_class")
    source, target = _class(actor, from_class_id), _class(actor, to_class_id)
    if source.pk == target.pk:
        raise Invalid(_("请选择另一个班级。"), code="same_class")
    loans = list(
        Loan.objects.select_for_update(of=("self",))
        .filter(library=actor.library, school_class=source, status=Loan.Status.ON_LOAN)
        .select_related("item")
        .order_by("id")
    )
    if not loans:
        raise Conflict(
            _("%(name)s 没有在借的班级图书。") % {"name": source.name}, code="nothing_to_transfer"
        )
    due_date = _class_due(actor, due or max(loan.due_date for loan in loans))
    custodian = _custodian(target)
    now = clock.now()
    Loan.objects.filter(pk__in=[loan.pk for loan in loans]).update(
        status=Loan.Status.RETURNED,
        returned_at=now,
        checkin_channel=actor.channel,
        checked_in_by=_user(actor),
    )
    for loan in loans:
        new = _lend_to_class(actor, target, loan.item, due_date, custodian)
        audit.record(
            actor,
            "loan.transfer",
            new,
            before={"class": source.name, "loan": loan.pk},
            after={"class": target.name, "item": loan.item.barcode, "due": due_date.isoformat()},
        )
    return ClassLoanTransfer.objects.create(
        library=actor.library,
        from_class=source,
        to_class=target,
        at=now,
        barcodes=[loan.item.barcode for loan in loans],
        due_date=due_date,
        by_name=actor.name[:150],
    )


# --- taking over loans from the old system ----------------------------------------------


@dataclass
class LegacyRow:
    line: int
    card: str
    barcode: str
    checked_out: str
    due: str


@dataclass
class LegacyReport:
    rows: int = 0
    imported: int = 0
    dry_run: bool = True
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)


def _parse_day(text: str) -> dt.date | None:
    text = (text or "").strip().replace("/", "-").replace(".", "-")
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        return None


@transaction.atomic
def legacy_loans_import(
    *, actor: Actor, rows: list[LegacyRow], dry_run: bool = True
) -> LegacyReport:
    """Take over the open loans of the previous system (借书证号, 条码号, 借出日期,
    应还日期). Every row is checked; a dry run writes nothing; a real run writes the good
    rows in this transaction and lists every rejected row with its line and reason."""
    _require(actor, "circulate_any_class")
    library = actor.library
    report = LegacyReport(rows=len(rows), dry_run=dry_run)
    seen: set[str] = set()
    now = clock.now()
    for row in rows:

        def reject(reason: str, row: LegacyRow = row) -> None:
            report.rejected.append((row.line, row.card, row.barcode, reason))

        patron = patron_for_scan(library.pk, row.card) if row.card else None
        item = item_for_update(library.pk, row.barcode) if row.barcode else None
        out, due = _parse_day(row.checked_out), _parse_day(row.due)
        if patron is None:
            reject(_("没有这个借书证号"))
        elif item is None:
            reject(_("没有这个条码号"))
        elif row.barcode in seen:
            reject(_("条码号在文件中重复"))
        elif item.status != Item.Status.AVAILABLE:
            reject(_("图书不在架（%(status)s）") % {"status": item.get_status_display()})
        elif out is None or due is None:
            reject(_("日期无法识别"))
        elif due < out or out > clock.today():
            reject(_("日期不合理"))
        else:
            seen.add(row.barcode)
            report.imported += 1
            if dry_run:
                continue
            checked_out_at = dt.datetime.combine(out, dt.time(12, 0), tzinfo=now.tzinfo)
            loan = Loan.objects.create(
                library=library,
                item=item,
                patron=patron,
                status=Loan.Status.ON_LOAN,
                checked_out_at=checked_out_at,
                due_date=due,
                channel=actor.channel,
                checked_out_by=_user(actor),
                patron_category=patron.category,
                patron_grade=_grade(patron),
                class_at_loan_id=patron.school_class_id,
                class_name_at_loan=patron.school_class.name if patron.school_class_id else "",
            )
            item_status_set(item_id=item.pk, status=Item.Status.ON_LOAN, at=now)
            audit.record(
                actor,
                "loan.import",
                loan,
                before={"item_status": "available"},
                after={"item": item.barcode, "patron": patron.card_number, "due": due.isoformat()},
            )
    if dry_run:
        transaction.set_rollback(True)
    return report


def loans_detach_reader(*, actor: Actor, patron_id: int, placeholder_id: int) -> int:
    """Hand a reader's finished loans to the library's anonymous placeholder reader
    (privacy: graduates after N years, readers who keep no history). Open loans stay;
    the loans' snapshots of category, grade and class stay, so statistics do not change.
    Runs in the caller's transaction, which writes the audit event."""
    return (
        Loan.objects.filter(library=actor.library, patron_id=patron_id)
        .exclude(status=Loan.Status.ON_LOAN)
        .update(patron_id=placeholder_id)
    )
