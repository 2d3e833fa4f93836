"""The circulation rules and the opening calendar, as tables (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.circulation import rules
from shuxiang.circulation.rules import ItemFacts, PatronFacts, Policy, PolicyMatrix
from shuxiang.core.calendar import OpeningCalendar, Period

D = dt.date.fromisoformat

AUTUMN = Period("2026秋季学期", D("2026-09-01"), D("2027-01-15"))
WINTER = Period("寒假", D("2027-01-16"), D("2027-02-21"))
SPRING = Period("2027春季学期", D("2027-02-22"), D("2027-07-02"))
SUMMER = Period("暑假", D("2027-07-03"), D("2027-08-31"))

# Open Monday to Friday; Mid-Autumn (25 Sep) and National Day (1-7 Oct) closed, with
# make-up days (调休) on Sunday 27 Sep and Saturday 10 Oct; New Year's Day closed.
CLOSED = {D("2026-09-25"), D("2027-01-01")} | {
    D("2026-10-01") + dt.timedelta(days=i) for i in range(7)
}
MAKE_UP = {D("2026-09-27"), D("2026-10-10")}
CAL = OpeningCalendar.build(
    slot_weekdays={0, 1, 2, 3, 4},
    closed_dates=CLOSED,
    open_dates=MAKE_UP,
    vacations=[WINTER, SUMMER],
    terms=[AUTUMN, SPRING],
)

STUDENT = Policy(loan_days=14, max_loans=2, renewals=1, renewal_days=14)
TEACHER = Policy(loan_days=120, fixed_due="term_end", max_loans=10, renewals=2, renewal_days=30)


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        ("2026-11-02", True),  # Monday
        ("2026-11-07", False),  # Saturday
        ("2026-09-25", False),  # Mid-Autumn
        ("2026-09-27", True),  # Sunday, make-up day
        ("2026-10-10", True),  # Saturday, make-up day
        ("2026-10-05", False),  # National Day week
        ("2027-01-20", False),  # winter vacation (a Wednesday)
        ("2027-02-22", True),  # first day of spring term
    ],
)
def test_calendar_open_days(day, is_open):
    assert CAL.is_open(D(day)) is is_open


def test_calendar_without_slots_opens_on_school_days():
    cal = OpeningCalendar.build()
    assert [cal.is_open(D("2026-11-02") + dt.timedelta(days=i)) for i in range(7)] == [True] * 5 + [
        False
    ] * 2


def test_calendar_weekly_slots_decide_weekdays():
    cal = OpeningCalendar.build(slot_weekdays={1, 3})  # Tuesdays and Thursdays only
    assert cal.next_open(D("2026-11-04")) == D("2026-11-05")
    assert cal.previous_open(D("2026-11-04")) == D("2026-11-03")


def test_school_year_end_is_last_term_end():
    assert CAL.school_year_end(D("2026-11-02")) == D("2027-07-02")
    assert CAL.school_year_end(D("2027-05-02")) == D("2027-07-02")
    assert OpeningCalendar.build().school_year_end(D("2027-05-02")) is None


@pytest.mark.parametrize(
    ("today", "policy", "options", "expected", "why"),
    [
        ("2026-11-02", STUDENT, {}, "2026-11-16", "an ordinary open Monday"),
        ("2026-11-06", Policy(loan_days=15), {}, "2026-11-23", "Saturday moves forward to Monday"),
        ("2026-09-17", STUDENT, {}, "2026-10-08", "National Day moves forward past the holiday"),
        (
            "2026-09-11",
            STUDENT,
            {},
            "2026-09-27",
            "Mid-Autumn Friday closed → the make-up Sunday after it",
        ),
        ("2026-09-13", STUDENT, {}, "2026-09-27", "a make-up Sunday (调休) is open"),
        ("2026-09-26", STUDENT, {}, "2026-10-10", "a make-up Saturday (调休) is open"),
        ("2027-01-06", STUDENT, {}, "2027-01-15", "in the vacation → last open day before it"),
        (
            "2027-01-06",
            Policy(loan_days=60),
            {},
            "2027-01-15",
            "after the vacation → last open day before it",
        ),
        ("2027-01-15", STUDENT, {}, "2027-01-15", "lent on the last day: due the same day"),
        (
            "2027-01-06",
            STUDENT,
            {"vacation_loans": True},
            "2027-02-22",
            "vacation loans → first open day after",
        ),
        (
            "2027-01-06",
            Policy(loan_days=60),
            {"vacation_loans": True},
            "2027-03-08",
            "after the vacation, Sunday → Monday",
        ),
        ("2026-11-02", TEACHER, {}, "2027-01-15", "teachers: end of term"),
        ("2027-03-01", TEACHER, {}, "2027-07-02", "teachers: end of spring term"),
        (
            "2027-06-10",
            STUDENT,
            {"leaving_date": D("2027-06-20")},
            "2027-06-18",
            "graduates: by the leaving date (a Sunday → Friday)",
        ),
        (
            "2027-06-01",
            STUDENT,
            {"leaving_date": D("2027-07-02")},
            "2027-06-15",
            "leaving date later than the due date",
        ),
        ("2027-06-25", STUDENT, {}, "2027-07-02", "summer vacation → last day of term"),
    ],
)
def test_due_date(today, policy, options, expected, why):
    assert rules.due_date(policy=policy, calendar=CAL, today=D(today), **options) == D(expected), (
        why
    )


def test_due_date_term_end_on_closed_day_without_vacation():
    term = Period("学期", D("2026-09-01"), D("2027-01-17"))  # ends on a Sunday
    cal = OpeningCalendar.build(terms=[term])
    assert rules.due_date(policy=Policy(loan_days=90), calendar=cal, today=D("2026-12-01")) == D(
        "2027-01-15"
    )


def test_due_date_last_day_before_vacation_closed():
    cal = OpeningCalendar.build(closed_dates={D("2027-01-15")}, vacations=[WINTER], terms=[AUTUMN])
    assert rules.due_date(policy=STUDENT, calendar=cal, today=D("2027-01-06")) == D("2027-01-14")


@pytest.mark.parametrize(
    ("due", "today", "days"),
    [
        ("2026-11-16", "2026-11-16", 0),  # on the due date
        ("2026-11-16", "2026-11-10", 0),  # early
        ("2026-11-16", "2026-11-17", 1),
        ("2026-11-13", "2026-11-16", 1),  # Friday → Monday: the weekend is free
        ("2026-09-30", "2026-10-09", 2),  # National Day not charged
        ("2026-09-30", "2026-10-12", 4),  # ... but the make-up Saturday is
        ("2027-01-14", "2027-02-23", 3),  # the vacation is not charged
    ],
)
def test_overdue_days_count_open_days(due, today, days):
    assert rules.overdue_days(D(due), D(today), CAL) == days


@pytest.mark.parametrize(
    ("old_due", "today", "policy", "expected"),
    [
        ("2026-11-16", "2026-11-10", STUDENT, "2026-11-24"),  # today + 14
        (
            "2026-12-21",
            "2026-11-02",
            Policy(renewal_days=7),
            "2026-12-21",
        ),  # the old due date is later
        ("2026-11-16", "2026-11-20", Policy(renewal_days=15), "2026-12-07"),  # Saturday → Monday
        ("2027-01-08", "2027-01-07", STUDENT, "2027-01-15"),  # the vacation pulls it back
        ("2027-01-15", "2027-01-14", STUDENT, "2027-01-15"),  # never earlier than before
    ],
)
def test_renewal_due_date(old_due, today, policy, expected):
    assert rules.renewal_due_date(
        old_due=D(old_due), policy=policy, calendar=CAL, today=D(today)
    ) == D(expected)


def test_policy_matrix_lookup():
    grade9 = Policy(max_loans=3)
    matrix = PolicyMatrix(
        {
            ("student", 0, "normal"): STUDENT,
            ("student", 9, "normal"): grade9,
            ("student", 0, "reference"): Policy(loanable=False),
            ("teacher", 0, "normal"): TEACHER,
        }
    )
    assert matrix.lookup("student", 7, "normal") is STUDENT
    assert matrix.lookup("student", 9, "normal") is grade9
    assert matrix.lookup("student", None, "normal") is STUDENT
    assert matrix.lookup("teacher", None, "normal") is TEACHER
    assert matrix.lookup("student", 7, "reference").loanable is False
    assert matrix.lookup("staff", None, "audio_visual").loanable is False  # no cell: not for loan


TODAY = D("2026-11-10")


@pytest.mark.parametrize(
    ("patron", "item", "policy", "codes"),
    [
        (PatronFacts(), ItemFacts(), STUDENT, []),
        (PatronFacts(open_loans=1), ItemFacts(), STUDENT, []),
        (
            PatronFacts(status="blocked", block_reason="损坏图书"),
            ItemFacts(),
            STUDENT,
            ["patron_blocked"],
        ),
        (PatronFacts(status="graduated"), ItemFacts(), STUDENT, ["patron_blocked"]),
        (PatronFacts(valid_until=D("2026-11-09")), ItemFacts(), STUDENT, ["card_expired"]),
        (PatronFacts(valid_until=D("2026-11-10")), ItemFacts(), STUDENT, []),
        (PatronFacts(open_loans=2), ItemFacts(), STUDENT, ["loan_limit"]),
        (
            PatronFacts(),
            ItemFacts(circulation_type="reference"),
            Policy(loanable=False),
            ["not_loanable"],
        ),
        (PatronFacts(), ItemFacts(status="withdrawn"), STUDENT, ["not_loanable"]),
        (PatronFacts(), ItemFacts(status="in_repair"), STUDENT, ["not_loanable"]),
        (PatronFacts(), ItemFacts(status="on_loan"), STUDENT, ["item_on_loan"]),
        (PatronFacts(), ItemFacts(hold_for_other=True), STUDENT, ["item_on_hold"]),
        (PatronFacts(), ItemFacts(status="missing"), STUDENT, []),  # in hand: it is found
        (
            PatronFacts(oldest_due=D("2026-10-30")),
            ItemFacts(),
            Policy(block_overdue_days=5),
            ["patron_blocked"],
        ),
        (PatronFacts(oldest_due=D("2026-11-05")), ItemFacts(), Policy(block_overdue_days=5), []),
        (PatronFacts(unpaid_fees=1000), ItemFacts(), Policy(block_fees=500), ["patron_blocked"]),
        (
            PatronFacts(status="blocked", valid_until=D("2026-01-01"), open_loans=2),
            ItemFacts(status="on_loan"),
            STUDENT,
            ["patron_blocked", "card_expired", "item_on_loan", "loan_limit"],
        ),
    ],
)
def test_checkout_decision(patron, item, policy, codes):
    decision = rules.checkout_decision(
        patron=patron, item=item, policy=policy, calendar=CAL, today=TODAY
    )
    assert decision.codes == codes
    assert decision.ok is (not codes)
    for refusal in decision.refusals:
        assert refusal.message  # every refusal explains itself


def test_overridable_refusals():
    limit = rules.checkout_decision(
        patron=PatronFacts(open_loans=2),
        item=ItemFacts(),
        policy=STUDENT,
        calendar=CAL,
        today=TODAY,
    )
    assert limit.overridable
    on_loan = rules.checkout_decision(
        patron=PatronFacts(open_loans=2),
        item=ItemFacts(status="on_loan"),
        policy=STUDENT,
        calendar=CAL,
        today=TODAY,
    )
    assert not on_loan.overridable
    assert "上限 2 册" in limit.message


@pytest.mark.parametrize(
    ("patron", "used", "waiting", "codes"),
    [
        (PatronFacts(), 0, 0, []),
        (PatronFacts(), 1, 0, ["renewal_limit"]),
        (PatronFacts(), 0, 2, ["hold_waiting"]),
        (PatronFacts(status="blocked"), 0, 0, ["patron_blocked"]),
        (PatronFacts(valid_until=D("2026-01-01")), 0, 0, ["card_expired"]),
        (None, 0, 0, []),  # a class loan
    ],
)
def test_renewal_decision(patron, used, waiting, codes):
    decision = rules.renewal_decision(
        patron=patron,
        renewals_used=used,
        holds_waiting=waiting,
        policy=STUDENT,
        calendar=CAL,
        today=TODAY,
    )
    assert decision.codes == codes


@pytest.mark.parametrize(
    ("status", "open_loan", "code"),
    [
        ("on_loan", True, None),
        ("missing", False, None),
        ("lost", False, None),
        ("in_transit", False, None),
        ("available", False, "not_on_loan"),
        ("in_repair", False, "not_on_loan"),
    ],
)
def test_checkin_refusal(status, open_loan, code):
    refusal = rules.checkin_refusal(item_status=status, has_open_loan=open_loan)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("days", "policy", "fen"),
    [
        (5, Policy(), 0),  # most schools fine nothing
        (5, Policy(fine_per_day=10), 50),
        (5, Policy(fine_per_day=10, grace_days=2), 30),
        (50, Policy(fine_per_day=10, fine_cap=200), 200),
        (1, Policy(fine_per_day=10, grace_days=3), 0),
    ],
)
def test_fine(days, policy, fen):
    assert rules.fine(days, policy) == fen


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("R100234", "card"),
        ("10000123", "item"),
        (" 10000123 ", "item"),
        ("ABC", "unknown"),
    ],
)
def test_classify_scan(code, kind):
    assert (
        rules.classify_scan(code, card_pattern=r"^R\d{4,10}$", barcode_pattern=r"^\d{6,14}$")
        == kind
    )


def test_classify_scan_overlapping_patterns():
    assert (
        rules.classify_scan("123456", card_pattern=r"^\d+$", barcode_pattern=r"^\d+$") == "unknown"
    )


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("on_loan", "returned", True),
        ("on_loan", "lost", True),
        ("on_loan", "claimed_returned", True),
        ("lost", "returned", True),
        ("returned", "on_loan", False),
        ("returned", "lost", False),
    ],
)
def test_loan_lifecycle(current, target, allowed):
    if allowed:
        assert rules.loan_transition(current, target) == target
    else:
        with pytest.raises(rules.TransitionError):
            rules.loan_transition(current, target)


@pytest.mark.parametrize(
    "reason, refused",
    [
        ("语文课阅读任务", False),
        ("教师特批", False),
        ("teacher approved", False),
        ("班主任同意 2 周", False),
        ("", True),
        ("   ", True),
        ("00012345", True),  # fits the barcode pattern
        ("R200001", True),  # fits the card pattern
        ("ISBN9787", True),  # a code-like token from some other scanner
        ("9787020002207", True),
    ],
)
def test_override_reason_problem(reason, refused):
    problem = rules.override_reason_problem(
        reason, card_pattern=r"^R\d{4,10}$", barcode_pattern=r"^\d{8}$"
    )
    assert bool(problem) is refused
