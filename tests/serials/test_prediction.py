"""Issue prediction (pure): every frequency over a year, across a year boundary and with
skipped months; the check-in scan's reading of EAN-13/ISSN/CN codes."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.serials import codes, prediction
from shuxiang.serials.prediction import Pattern

D = dt.date


def dates(pattern: Pattern, year: int) -> list[dt.date]:
    return [e.date for e in prediction.year_issues(pattern, year)]


@pytest.mark.parametrize(
    ("frequency", "count_2026", "first", "last"),
    [
        ("daily", 365, D(2026, 1, 1), D(2026, 12, 31)),
        ("weekly", 52, D(2026, 1, 5), D(2026, 12, 28)),  # Mondays
        ("ten_daily", 36, D(2026, 1, 1), D(2026, 12, 21)),
        ("semimonthly", 24, D(2026, 1, 1), D(2026, 12, 16)),
        ("monthly", 12, D(2026, 1, 1), D(2026, 12, 1)),
        ("bimonthly", 6, D(2026, 1, 1), D(2026, 11, 1)),
        ("quarterly", 4, D(2026, 1, 1), D(2026, 10, 1)),
        ("irregular", 0, None, None),
    ],
)
def test_a_year_of_each_frequency(frequency, count_2026, first, last):
    got = dates(Pattern(frequency), 2026)
    assert len(got) == count_2026
    if got:
        assert (got[0], got[-1]) == (first, last)
        numbers = [e.number for e in prediction.year_issues(Pattern(frequency), 2026)]
        assert numbers == list(range(1, count_2026 + 1))


@pytest.mark.parametrize(
    ("frequency", "skip", "count", "none_in"),
    [
        ("daily", {7, 8}, 365 - 62, (7, 8)),
        ("weekly", {7, 8}, 52 - 9, (7, 8)),  # July 2026 has 4 Mondays, August 5
        ("ten_daily", {7, 8}, 30, (7, 8)),
        ("semimonthly", {2, 7, 8}, 18, (2, 7, 8)),
        ("monthly", {7, 8}, 10, (7, 8)),
        ("bimonthly", {7}, 5, (7,)),
        ("quarterly", {1}, 3, (1,)),
        ("irregular", {7, 8}, 0, ()),
    ],
)
def test_skipped_months_have_no_issues_and_take_no_number(frequency, skip, count, none_in):
    issues = prediction.year_issues(Pattern(frequency, frozenset(skip)), 2026)
    assert len(issues) == count
    assert not [e for e in issues if e.date.month in none_in]
    assert [e.number for e in issues] == list(range(1, count + 1))


def test_monthly_with_summer_break_numbers_september_as_seven():
    issues = prediction.year_issues(Pattern("monthly", frozenset({7, 8}), day=10), 2026)
    september = next(e for e in issues if e.date.month == 9)
    assert (september.number, september.date) == (7, D(2026, 9, 10))
    assert september.label == "2026年第7期"


@pytest.mark.parametrize(
    ("frequency", "last_of_2026", "first_of_2027", "issues_2027"),
    [
        ("daily", D(2026, 12, 31), D(2027, 1, 1), 365),
        ("weekly", D(2026, 12, 28), D(2027, 1, 4), 52),
        ("ten_daily", D(2026, 12, 21), D(2027, 1, 1), 36),
        ("semimonthly", D(2026, 12, 16), D(2027, 1, 1), 24),
        ("monthly", D(2026, 12, 1), D(2027, 1, 1), 12),
        ("bimonthly", D(2026, 11, 1), D(2027, 1, 1), 6),
        ("quarterly", D(2026, 10, 1), D(2027, 1, 1), 4),
    ],
)
def test_across_the_year_boundary_numbers_restart_and_totals_go_on(
    frequency, last_of_2026, first_of_2027, issues_2027
):
    pattern = Pattern(frequency)
    span = prediction.issues_between(pattern, D(2026, 10, 1), D(2027, 12, 31), total_start=500)
    old = [e for e in span if e.year == 2026]
    new = [e for e in span if e.year == 2027]
    assert old[-1].date == last_of_2026
    assert (new[0].date, new[0].number) == (first_of_2027, 1)
    assert len(new) == issues_2027
    assert new[0].total == old[-1].total + 1  # the running number goes on
    assert [e.total for e in span] == list(range(500, 500 + len(span)))
    # next year's subscription starts its running number where this year's ended
    this_year = prediction.year_issues(pattern, 2026, total_start=100)
    assert prediction.next_total_start(pattern, 2026, 100) == this_year[-1].total + 1


def test_weekly_keeps_its_weekday_across_the_year_boundary():
    pattern = Pattern("weekly", weekday=4)  # Fridays
    span = prediction.issues_between(pattern, D(2026, 12, 1), D(2027, 1, 31))
    assert all(e.date.weekday() == 4 for e in span)
    gaps = {(b.date - a.date).days for a, b in zip(span, span[1:], strict=False)}
    assert gaps == {7}
    assert [(e.year, e.number) for e in span[3:6]] == [(2026, 52), (2027, 1), (2027, 2)]


def test_across_the_boundary_with_a_winter_break():
    pattern = Pattern("semimonthly", frozenset({1, 2}))
    span = prediction.issues_between(pattern, D(2026, 12, 1), D(2027, 3, 31), total_start=40)
    assert [(e.date, e.number, e.total) for e in span] == [
        (D(2026, 12, 1), 19, 40),
        (D(2026, 12, 16), 20, 41),
        (D(2027, 3, 1), 1, 42),
        (D(2027, 3, 16), 2, 43),
    ]


def test_a_daily_that_skips_the_weekend():
    pattern = Pattern("daily", frozenset({7, 8}), skip_weekdays=frozenset({5, 6}))
    issues = prediction.year_issues(pattern, 2026)
    assert all(e.date.weekday() < 5 for e in issues)
    # 2026: 261 weekdays, 44 of them in July and August
    assert len(issues) == 261 - 44
    span = prediction.issues_between(pattern, D(2026, 12, 30), D(2027, 1, 6))
    assert [(e.date.day, e.number) for e in span] == [
        (30, 216),
        (31, 217),
        (1, 1),
        (4, 2),
        (5, 3),
        (6, 4),
    ]


def test_leap_year_daily_and_monthly_day():
    assert len(dates(Pattern("daily"), 2028)) == 366
    assert dates(Pattern("monthly", day=28), 2027)[1] == D(2027, 2, 28)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("weekly",), None),
        (("fortnightly",), "invalid_frequency"),
        (("monthly", [13]), "invalid_skip_months"),
        (("monthly", [0]), "invalid_skip_months"),
        (("monthly", list(range(1, 13))), "invalid_skip_months"),
        (("monthly", [True]), "invalid_skip_months"),
        (("weekly", [], 7), "invalid_weekday"),
        (("monthly", [], 0, 29), "invalid_day"),
        (("daily", [], 0, 1, [5, 6]), None),
        (("daily", [], 0, 1, [7]), "invalid_weekday"),
        (("daily", [], 0, 1, list(range(7))), "invalid_weekday"),
    ],
)
def test_pattern_problems(args, problem):
    assert prediction.pattern_problem(*args) == problem


@pytest.mark.parametrize(
    ("status", "expected", "frequency", "today", "shown"),
    [
        ("expected", D(2026, 3, 1), "monthly", D(2026, 3, 16), "expected"),
        ("expected", D(2026, 3, 1), "monthly", D(2026, 3, 17), "late"),
        ("expected", D(2026, 3, 1), "daily", D(2026, 3, 4), "late"),
        ("claimed", D(2026, 1, 1), "daily", D(2026, 3, 4), "claimed"),
        ("received", D(2026, 1, 1), "daily", D(2026, 3, 4), "received"),
    ],
)
def test_late_after_the_claim_period(status, expected, frequency, today, shown):
    assert prediction.shown_status(status, expected, frequency, today) == shown


def test_labels():
    assert prediction.issue_label(2026, 3) == "2026年第3期"
    assert prediction.issue_label(2026, 3, 123) == "2026年第3期（总第123期）"


@pytest.mark.parametrize(
    ("text", "issn", "number", "rest"),
    [
        ("9770317847001", "03178471", None, ""),
        ("977031784700112", "03178471", 12, ""),
        ("0317-8471", "03178471", None, ""),
        ("中国少年报", "", None, "中国少年报"),
        ("9770317847002", "", None, "9770317847002"),  # wrong EAN check digit
    ],
)
def test_reading_a_scan(text, issn, number, rest):
    scan = codes.read_scan(text)
    assert (scan.issn, scan.number, scan.text) == (issn, number, rest)


@pytest.mark.parametrize(
    ("value", "issn", "cn"),
    [
        ("0317-8471", "0317-8471", None),
        ("03178471", "0317-8471", None),
        ("0317-8472", None, None),
        ("", "", ""),
    ],
)
def test_issn_clean(value, issn, cn):
    assert codes.issn_clean(value) == issn


@pytest.mark.parametrize(
    ("value", "clean"),
    [
        ("CN11-1234/G4", "CN11-1234/G4"),
        ("cn 11-1234/g4", "CN11-1234/G4"),
        ("CN11-1234／I", "CN11-1234/I"),
        ("CN111234", None),
        ("", ""),
    ],
)
def test_cn_clean(value, clean):
    assert codes.cn_clean(value) == clean


@pytest.mark.parametrize("frequency", [f for f in prediction.FREQUENCIES if f != "irregular"])
def test_every_frequency_across_the_boundary_with_a_winter_break(frequency):
    """December and January skipped: nothing is expected in them, the new year's first
    issue (February, or the next month the title comes out) is its number 1, and the
    running number goes straight on over the gap."""
    pattern = Pattern(frequency, frozenset({12, 1}), weekday=3)
    span = prediction.issues_between(pattern, D(2026, 10, 1), D(2027, 4, 30), total_start=1)
    assert not [e for e in span if e.date.month in (12, 1)]
    old = [e for e in span if e.year == 2026]
    new = [e for e in span if e.year == 2027]
    assert old and new
    first_month = {"bimonthly": 3, "quarterly": 4}.get(frequency, 2)
    assert (new[0].number, new[0].date.month) == (1, first_month)
    assert old[-1].number == len(prediction.year_issues(pattern, 2026))
    assert [e.total for e in span] == list(range(1, len(span) + 1))


def test_irregular_titles_expect_nothing_in_any_year():
    pattern = Pattern("irregular", frozenset({7, 8}))
    assert prediction.issues_between(pattern, D(2026, 1, 1), D(2027, 12, 31)) == []
    assert prediction.next_total_start(pattern, 2026, 40) == 40
