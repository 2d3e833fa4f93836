"""Circulation decisions as plain Python: who may borrow what, until when, and why not.

Nothing here reads the database or a request. Services (and the desk, the API, a kiosk)
build the plain values below from the database and ask these functions, so every channel
gets the same answer for the same facts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from shuxiang.core.calendar import OpeningCalendar
from shuxiang.core.money import yuan_text

# Item states in which a copy in the librarian's hand cannot go out.
WITHDRAWN = "withdrawn"
IN_REPAIR = "in_repair"
ON_LOAN = "on_loan"
TERM_END = "term_end"


# --- the policy matrix ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Policy:
    """One cell of the loan policy matrix (借阅规则). Money in fen; 0 thresholds mean
    "never" (no fine cap, no automatic block)."""

    loanable: bool = True
    loan_days: int = 14
    fixed_due: str = ""
    max_loans: int = 2
    renewals: int = 1
    renewal_days: int = 14
    fine_per_day: int = 0
    grace_days: int = 0
    fine_cap: int = 0
    holds_allowed: bool = True
    block_overdue_days: int = 0
    block_fees: int = 0


NOT_LOANABLE = Policy(loanable=False, max_loans=0, renewals=0, holds_allowed=False)


@dataclass(frozen=True)
class PolicyMatrix:
    """Cells keyed by (patron category, grade, circulation type); grade 0 is the cell for
    every grade, a grade-specific cell wins over it. A missing cell means not for loan."""

    cells: dict[tuple[str, int, str], Policy]

    def lookup(self, category: str, grade: int | None, circulation_type: str) -> Policy:
        if grade:
            cell = self.cells.get((category, grade, circulation_type))
            if cell is not None:
                return cell
        return self.cells.get((category, 0, circulation_type), NOT_LOANABLE)


# --- facts and decisions ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatronFacts:
    status: str = "active"
    valid_until: dt.date | None = None
    open_loans: int = 0
    oldest_due: dt.date | None = None
    unpaid_fees: int = 0
    block_reason: str = ""
    # The reason of a manual block (停借) a librarian set; empty when none.
    manual_block: str = ""


@dataclass(frozen=True, slots=True)
class ItemFacts:
    status: str = "available"
    circulation_type: str = "normal"
    hold_for_other: bool = False


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why not, as a stable code and a message for the person at the desk. A librarian
    may lend anyway when every refusal is overridable (with a reason, audited)."""

    code: str
    message: str
    overridable: bool = True


@dataclass(frozen=True)
class Decision:
    refusals: tuple[Refusal, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def first(self) -> Refusal | None:
        return self.refusals[0] if self.refusals else None

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.refusals]

    @property
    def overridable(self) -> bool:
        return bool(self.refusals) and all(r.overridable for r in self.refusals)

    @property
    def message(self) -> str:
        return "；".join(r.message for r in self.refusals)


STATUS_MESSAGES = {
    "blocked": N_("读者已被停借。"),
    "graduated": N_("读者已毕业，不能再借书。"),
    "left": N_("读者已离校，不能再借书。"),
}


def patron_refusals(
    patron: PatronFacts, policy: Policy, calendar: OpeningCalendar, today: dt.date
) -> list[Refusal]:
    """Why this reader may not borrow or renew at all today (blocked, card expired)."""
    refusals: list[Refusal] = []
    if patron.status != "active":
        message = _(STATUS_MESSAGES.get(patron.status, STATUS_MESSAGES["blocked"]))
        if patron.block_reason:
            message = f"{message}（{patron.block_reason}）"
        refusals.append(Refusal("patron_blocked", message))
    elif patron.manual_block:
        refusals.append(
            Refusal(
                "patron_blocked",
                _("读者已被停借（%(reason)s）。") % {"reason": patron.manual_block},
            )
        )
    else:
        late = overdue_days(patron.oldest_due, today, calendar) if patron.oldest_due else 0
        if policy.block_overdue_days and late > policy.block_overdue_days:
            refusals.append(
                Refusal(
                    "patron_blocked",
                    _("读者有图书逾期 %(days)s 天未还（超过 %(limit)s 天停借）。")
                    % {"days": late, "limit": policy.block_overdue_days},
                )
            )
        elif policy.block_fees and patron.unpaid_fees > policy.block_fees:
            refusals.append(
                Refusal(
                    "patron_blocked",
                    _("读者欠费 %(fees)s 元未缴（超过 %(limit)s 元停借）。")
                    % {
                        "fees": yuan_text(patron.unpaid_fees),
                        "limit": yuan_text(policy.block_fees),
                    },
                )
            )
    if patron.valid_until is not None and patron.valid_until < today:
        refusals.append(
            Refusal(
                "card_expired",
                _("借书证已于 %(date)s 过期。") % {"date": patron.valid_until.isoformat()},
            )
        )
    return refusals


def item_refusals(item: ItemFacts, policy: Policy) -> list[Refusal]:
    """Why this copy may not go out under this policy, whoever borrows it: the desk's
    check-out, a class collection (班级集体借阅) and the loans taken over from the
    previous system all ask this. A copy on the hold shelf for another reader needs a
    librarian's override; a missing or lost copy in hand may go out (it was found)."""
    refusals: list[Refusal] = []
    if item.status == WITHDRAWN:
        refusals.append(Refusal("not_loanable", _("此书已注销，不能外借。"), overridable=False))
    elif not policy.loanable:
        refusals.append(Refusal("not_loanable", _("此类图书不外借（如工具书），请在馆内阅读。")))
    elif item.status == IN_REPAIR:
        refusals.append(Refusal("not_loanable", _("此书正在修补，暂不外借。")))
    if item.status == ON_LOAN:
        refusals.append(Refusal("item_on_loan", _("此书已借出，请先办理归还。"), overridable=False))
    if item.hold_for_other:
        refusals.append(Refusal("item_on_hold", _("此书已为其他读者预约保留。")))
    return refusals


def checkout_decision(
    *,
    patron: PatronFacts,
    item: ItemFacts,
    policy: Policy,
    calendar: OpeningCalendar,
    today: dt.date,
) -> Decision:
    """May this reader take this copy home today? Every reason against is listed."""
    refusals = patron_refusals(patron, policy, calendar, today) + item_refusals(item, policy)
    if policy.loanable and patron.open_loans >= policy.max_loans:
        refusals.append(
            Refusal(
                "loan_limit",
                _("已借 %(count)s 册，达到上限 %(limit)s 册。")
                % {"count": patron.open_loans, "limit": policy.max_loans},
            )
        )
    return Decision(tuple(refusals))


def renewal_decision(
    *,
    patron: PatronFacts | None,
    renewals_used: int,
    holds_waiting: int,
    policy: Policy,
    calendar: OpeningCalendar,
    today: dt.date,
) -> Decision:
    """May this loan be renewed? (patron is None for a class loan.)"""
    refusals = patron_refusals(patron, policy, calendar, today) if patron is not None else []
    if renewals_used >= policy.renewals:
        refusals.append(
            Refusal(
                "renewal_limit",
                _("已续借 %(used)s 次，最多可续借 %(limit)s 次。")
                % {"used": renewals_used, "limit": policy.renewals},
            )
        )
    if holds_waiting > 0:
        refusals.append(
            Refusal(
                "hold_waiting",
                _("有 %(count)s 位读者在等这本书，不能续借。") % {"count": holds_waiting},
            )
        )
    return Decision(tuple(refusals))


def checkin_refusal(*, item_status: str, has_open_loan: bool) -> Refusal | None:
    """Taking back a copy that is not on loan: missing, lost and in-transit copies come
    back as found (no refusal); anything else on the shelf is a warning, not_on_loan."""
    if has_open_loan or item_status in FOUND_STATES:
        return None
    return Refusal("not_on_loan", _("此书未借出，无需归还。"), overridable=False)


FOUND_STATES = frozenset({"missing", "lost", "in_transit"})


# --- the loan's lifecycle ---------------------------------------------------------------

# on loan → returned / lost / claimed returned; a loan declared lost or claimed returned
# may still end as returned when the copy turns up.
LOAN_TRANSITIONS = {
    "on_loan": frozenset({"returned", "lost", "claimed_returned"}),
    "lost": frozenset({"returned"}),
    "claimed_returned": frozenset({"returned", "lost"}),
    "returned": frozenset(),
}


class TransitionError(ValueError):
    pass


def loan_transition(current: str, target: str) -> str:
    """The loan's next state, or TransitionError for a move the lifecycle does not have."""
    if target not in LOAN_TRANSITIONS.get(current, frozenset()):
        raise TransitionError(f"a loan cannot go from {current} to {target}")
    return target


# --- dates ------------------------------------------------------------------------------


def place_due_date(
    candidate: dt.date,
    *,
    calendar: OpeningCalendar,
    today: dt.date,
    vacation_loans: bool = False,
    leaving_date: dt.date | None = None,
) -> dt.date:
    """Put a due date on an open day.

    Closed weekdays and holidays move it forward to the next open day (make-up days
    (调休) are open). A date in or after the coming vacation, or after the end of the
    term, moves back to the last open day before it; with vacation loans (假期借阅) it
    goes forward to the first open day after the vacation instead. A graduating reader's
    loans fall due by their leaving date.
    """
    due = calendar.next_open(candidate)
    if not vacation_loans:
        limits = []
        vacation = calendar.next_vacation(today)
        if vacation is not None and due >= vacation.start:
            limits.append(vacation.start - dt.timedelta(days=1))
        term = calendar.term_on(today)
        if term is not None and term.start <= today and due > term.end:
            limits.append(term.end)
        if limits:
            due = calendar.previous_open(min(limits)) or min(limits)
    if leaving_date is not None and due > leaving_date:
        due = calendar.previous_open(leaving_date) or leaving_date
    return max(due, today)


def due_date(
    *,
    policy: Policy,
    calendar: OpeningCalendar,
    today: dt.date,
    vacation_loans: bool = False,
    leaving_date: dt.date | None = None,
) -> dt.date:
    """The due date of a loan made today under this policy."""
    candidate = today + dt.timedelta(days=policy.loan_days)
    if policy.fixed_due == TERM_END:
        term = calendar.term_on(today)
        if term is not None:
            candidate = term.end
    return place_due_date(
        candidate,
        calendar=calendar,
        today=today,
        vacation_loans=vacation_loans,
        leaving_date=leaving_date,
    )


def renewal_due_date(
    *,
    old_due: dt.date,
    policy: Policy,
    calendar: OpeningCalendar,
    today: dt.date,
    vacation_loans: bool = False,
    leaving_date: dt.date | None = None,
) -> dt.date:
    """The later of the old due date and today + the renewal days, on an open day."""
    candidate = max(old_due, today + dt.timedelta(days=policy.renewal_days))
    placed = place_due_date(
        candidate,
        calendar=calendar,
        today=today,
        vacation_loans=vacation_loans,
        leaving_date=leaving_date,
    )
    # Placing never takes away time the reader already had.
    return max(placed, old_due)


def overdue_days(due: dt.date, today: dt.date, calendar: OpeningCalendar) -> int:
    """Days late, counting only the days the library was open after the due date."""
    return calendar.open_days_after(due, today)


def fine(days_overdue: int, policy: Policy) -> int:
    """The overdue fine in fen: per open day after the grace days, up to the cap."""
    chargeable = max(0, days_overdue - policy.grace_days)
    amount = chargeable * policy.fine_per_day
    if policy.fine_cap:
        amount = min(amount, policy.fine_cap)
    return amount


# --- holds (预约) ------------------------------------------------------------------------


def hold_refusal(
    *,
    policy: Policy,
    active_holds: int,
    max_holds: int,
    already_holding: bool,
    has_copy_on_loan_to_self: bool,
    copies: int,
) -> Refusal | None:
    """May this reader join the queue for a title? One hold per title, a few titles at a
    time, never for a title they already have at home or one without loanable copies."""
    if copies == 0:
        return Refusal("no_copies", _("本馆没有这种书的可借复本。"), overridable=False)
    if not policy.holds_allowed or not policy.loanable:
        return Refusal("holds_not_allowed", _("此类图书不能预约。"), overridable=False)
    if already_holding:
        return Refusal("hold_exists", _("已经预约过这种书。"), overridable=False)
    if has_copy_on_loan_to_self:
        return Refusal("already_on_loan", _("读者已借有这种书。"), overridable=False)
    if max_holds and active_holds >= max_holds:
        return Refusal(
            "hold_limit",
            _("已预约 %(count)s 种，达到上限 %(limit)s 种。")
            % {"count": active_holds, "limit": max_holds},
            overridable=False,
        )
    return None


def hold_expiry(ready_on: dt.date, pickup_days: int, calendar: OpeningCalendar) -> dt.date:
    """The last day a trapped copy waits on the hold shelf: the reader gets this many
    open days, counting the day it was trapped when the library is open."""
    day = ready_on
    counted = 1 if calendar.is_open(day) else 0
    # A calendar with no open day at all still ends the wait within a year.
    for _step in range(366):
        if counted >= max(1, pickup_days):
            break
        day += dt.timedelta(days=1)
        if calendar.is_open(day):
            counted += 1
    return day


def hold_expired(expires_on: dt.date | None, today: dt.date) -> bool:
    return expires_on is not None and today > expires_on


# --- fees (罚款、赔偿) --------------------------------------------------------------------

MINOR = "minor"
MAJOR = "major"
DESTROYED = "destroyed"
SEVERITIES = (MINOR, MAJOR, DESTROYED)


@dataclass(frozen=True, slots=True)
class FeeSettings:
    """The compensation settings of a library (percentages of the list price; fen)."""

    lost_factor_percent: int = 100
    lost_processing_fee: int = 500
    lost_default_price: int = 3000
    damage_minor_percent: int = 10
    damage_major_percent: int = 50
    refund_processing_fee: bool = False


def _percent(amount: int, percent: int) -> int:
    # Round half up to whole fen without floats.
    return (amount * percent + 50) // 100


def lost_fee(price: int | None, settings: FeeSettings) -> tuple[int, int]:
    """What a lost copy costs: (compensation, processing fee) in fen. The compensation
    is the list price (or the default price when none was recorded) × the factor."""
    base = price if price else settings.lost_default_price
    return _percent(base, settings.lost_factor_percent), settings.lost_processing_fee


def damaged_fee(price: int | None, severity: str, settings: FeeSettings) -> int:
    """A damaged copy by severity: minor and major damage a share of the price; a copy
    destroyed beyond repair costs what a lost one does (without the processing fee)."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    base = price if price else settings.lost_default_price
    if severity == MINOR:
        return _percent(base, settings.damage_minor_percent)
    if severity == MAJOR:
        return _percent(base, settings.damage_major_percent)
    return _percent(base, settings.lost_factor_percent)


def lost_refund(paid: int, processing_fee: int, settings: FeeSettings) -> int:
    """A lost copy found after the reader paid: the compensation comes back; the
    processing fee only where the library says so (the work was done)."""
    if settings.refund_processing_fee:
        return paid
    return max(0, paid - processing_fee)


def receipt_number(prefix: str, day: dt.date, sequence: int) -> str:
    """A receipt number a person can read out: prefix, date, sequence of the day."""
    return f"{prefix}{day:%Y%m%d}-{sequence:04d}"


# --- the scan field ---------------------------------------------------------------------

CARD = "card"
ITEM = "item"
UNKNOWN = "unknown"


_SCANNED_LOOKING = re.compile(r"[A-Za-z]{0,4}\d{4,}[A-Za-z]{0,2}")


def override_reason_problem(reason: str, *, card_pattern: str, barcode_pattern: str) -> str:
    """Why this text cannot be the reason for lending against the rules ("" when it can).
    A desk scanner types a code and Enter wherever the cursor is: a reason that is a
    barcode or a card number was scanned, not given, and must not confirm a loan."""
    text = reason.strip()
    if not text:
        return _("请选择或填写越权借出的原因。")
    kind = classify_scan(text, card_pattern=card_pattern, barcode_pattern=barcode_pattern)
    if kind in (CARD, ITEM) or _SCANNED_LOOKING.fullmatch(text):
        return _("越权原因不能是扫描的条码或借书证号，请选择或填写原因。")
    return ""


def classify_scan(code: str, *, card_pattern: str, barcode_pattern: str) -> str:
    """Tell a reader card from an item barcode by the library's patterns. A code that
    fits both or neither is "unknown" (the desk then looks it up both ways)."""
    code = code.strip()
    is_card = bool(card_pattern) and re.fullmatch(card_pattern, code) is not None
    is_item = bool(barcode_pattern) and re.fullmatch(barcode_pattern, code) is not None
    if is_card and not is_item:
        return CARD
    if is_item and not is_card:
        return ITEM
    return UNKNOWN
