"""The formulas over plain numbers, by table: no database."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from shuxiang.reports import metrics

D = dt.date


@pytest.mark.parametrize(
    ("rate", "value", "text"),
    [
        (metrics.borrowing_rate(3, 6), Fraction(1, 2), "50.0%"),
        (metrics.borrowing_rate(0, 0), None, "—"),
        (metrics.loans_per_student(5, 6), Fraction(5, 6), "0.8"),
        (metrics.loans_per_teacher(2, 2), 1, "1.0"),
        (metrics.circulation_rate(6, 9), Fraction(2, 3), "66.7%"),
        (metrics.turnover(7, 9), Fraction(7, 9), "0.8"),
        (metrics.card_coverage(4, 6), Fraction(2, 3), "66.7%"),
        (metrics.books_per_student(9, 6), Fraction(3, 2), "1.5"),
        (metrics.new_books_per_student(0, 6), 0, "0.0"),
        (metrics.overdue_rate(2, 7), Fraction(2, 7), "28.6%"),
    ],
)
def test_rates(rate, value, text):
    assert rate.value == value
    assert rate.text() == text


def test_rounding_is_half_up_and_keeps_numerator_and_denominator():
    assert metrics.Rate(1, 8).rounded(2) == 0.13  # 0.125 up, not banker's 0.12
    assert metrics.borrowing_rate(1, 3).as_dict() == {
        "value": 33.3333,
        "numerator": 1,
        "denominator": 3,
    }


@pytest.mark.parametrize(
    ("kind", "today", "start", "end"),
    [
        ("month", D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28)),
        ("week", D(2026, 3, 18), D(2026, 3, 16), D(2026, 3, 22)),
        ("school_year", D(2026, 3, 18), D(2025, 9, 1), D(2026, 8, 31)),
        ("school_year", D(2026, 9, 1), D(2026, 9, 1), D(2027, 8, 31)),
        ("term", D(2026, 3, 18), D(2026, 2, 1), D(2026, 8, 31)),
        ("term", D(2026, 10, 1), D(2026, 9, 1), D(2027, 1, 31)),
    ],
)
def test_periods(kind, today, start, end):
    period = metrics.period_for(kind, today)
    assert (period.start, period.end) == (start, end)


def test_term_comes_from_the_calendar_and_the_previous_term_follows():
    terms = [
        ("2025秋季学期", D(2025, 9, 1), D(2026, 1, 20)),
        ("2026春季学期", D(2026, 2, 24), D(2026, 7, 5)),
    ]
    period = metrics.period_for("term", D(2026, 3, 1), terms=terms)
    assert (period.label, period.start) == ("2026春季学期", D(2026, 2, 24))
    before = metrics.previous_period(period, terms)
    assert (before.label, before.end) == ("2025秋季学期", D(2026, 1, 20))
    # In the winter vacation the last term that began is the term.
    assert metrics.period_for("term", D(2026, 2, 1), terms=terms).label == "2025秋季学期"


def test_custom_period_must_not_end_before_it_starts():
    with pytest.raises(ValueError):
        metrics.period_for("custom", D(2026, 3, 1), start=D(2026, 3, 5), end=D(2026, 3, 1))
    before = metrics.previous_period(
        metrics.period_for("custom", D(2026, 3, 1), start=D(2026, 3, 1), end=D(2026, 3, 10))
    )
    assert (before.start, before.end) == (D(2026, 2, 19), D(2026, 2, 28))


@pytest.mark.parametrize(
    ("grades", "level"),
    [
        (set(), "junior"),
        ({1, 6}, "primary"),
        ({7, 9}, "junior"),
        ({1, 9}, "junior"),
        ({10, 12}, "senior"),
        ({7, 12}, "complete"),
    ],
)
def test_school_level(grades, level):
    assert metrics.school_level(grades) == level


def test_the_2018_standard_is_data_and_checks_pass_or_fall_short():
    from shuxiang.reports import rule_sets

    standard = rule_sets.built_in()["national-2018"]
    found = rule_sets.compare(
        standard,
        level="junior",
        students=6,
        figures={
            "books_per_student": metrics.Rate(9, 6),
            "books": 9,
            "new_books_per_student": metrics.Rate(5, 6),
        },
        periodicals=80,
        reference=0,
        opening_hours=10,
        shares={},
    )
    checks = {c.label: c for c in found["checks"]}
    assert [(c.value, c.minimum, c.passed) for c in (checks["生均藏书"],)] == [(1.5, 40, False)]
    assert (checks["年生均新增图书"].value, checks["年生均新增图书"].passed) == (0.83, False)
    assert (checks["报刊种数"].value, checks["报刊种数"].minimum, checks["报刊种数"].passed) == (
        80,
        80,
        True,
    )
    assert (checks["每周开放时间"].value, checks["每周开放时间"].passed) == (10, False)
    assert checks["生均藏书"].shortfall == 38.5


@pytest.mark.parametrize(
    ("clc", "top", "group"),
    [
        ("I247.5", "I", "C–K"),
        ("o1", "O", "N–X"),
        ("", "", ""),
        ("9", "", ""),
        ("A1", "A", "A"),
        ("Z228", "Z", "Z"),
    ],
)
def test_clc_top_class_and_major_group(clc, top, group):
    assert metrics.clc_top(clc) == top
    assert metrics.major_group(top) == group
