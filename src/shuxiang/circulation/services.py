"""Circulation write operations: one function per use case, one transaction each.

Check-out, check-in and renewal read the facts, ask `rules.py`, and write the loan, the
item's status and an audit event together. Two desks scanning the same copy at the same
moment queue on the item: SQLite transactions begin IMMEDIATE (settings), PostgreSQL
locks the item row (select_for_update); the partial unique index on open loans is the
last guard, and its IntegrityError becomes the same 409 item_on_loan as the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules
from shuxiang.circulation.models import Loan, LoanPolicy
from shuxiang.circulation.selectors import (
    item_for_update,
    library_rules,
    open_loan_of,
    patron_by_id,
    patron_facts,
    patron_for_scan,
)
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, NotFound
from shuxiang.core.models import Library
from shuxiang.core.permissions import can, can_circulate_for
from shuxiang.patrons.models import Patron

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
    decision = rules.checkout_decision(
        patron=patron_facts(patron),
        # Holds arrive with the hold queue; until then no copy is kept for anyone.
        item=rules.ItemFacts(
            status=item.status, circulation_type=item.circulation_type, hold_for_other=False
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
        loan = Loan.objects.create(
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
    except IntegrityError as exc:
        # Another desk's loan of this copy committed first: the partial unique index
        # (SQLite names the column, PostgreSQL the index).
        if not any(mark in str(exc) for mark in OPEN_LOAN_INDEX_MARKS):
            raise
        raise Conflict(_("此书已借出，请先办理归还。"), code="item_on_loan") from exc
    before_status = item.status
    Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN, updated_at=now)
    item.status = Item.Status.ON_LOAN
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
        Loan.objects.filter(pk=loan.pk).update(
            status=loan.status,
            returned_at=now,
            checkin_channel=actor.channel,
            checked_in_by=loan.checked_in_by,
        )
    Item.objects.filter(pk=item.pk).update(status=Item.Status.AVAILABLE, updated_at=now)
    item.status = Item.Status.AVAILABLE
    if result.found:
        result.messages.append(
            _("此书原为“%(status)s”状态，已按找到处理。")
            % {"status": Item.Status(before_status).label}
        )
    if result.overdue_days:
        result.messages.append(_("逾期 %(days)s 天。") % {"days": result.overdue_days})
    after = {
        "item_status": "available",
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
        # Holds arrive with the hold queue; until then nobody waits.
        holds_waiting=0,
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
