"""Every figure of the hand-built school (tests/reports/conftest.py), exact."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Fee, Payment
from shuxiang.core import clock
from shuxiang.reports import metrics, selectors
from shuxiang.reports.models import ReportSettings
from shuxiang.reports.selectors import Group

from .conftest import TODAY, at

pytestmark = pytest.mark.django_db
MARCH = metrics.period_for(
    "custom", dt.date(2026, 3, 1), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)
)


def test_the_school_figures(library, school):
    with clock.frozen_at(TODAY):
        f = selectors.summary(library, MARCH)
    assert (f["students"], f["teachers"], f["active_readers"]) == (6, 2, 3)
    assert (f["loans"], f["student_loans"], f["teacher_loans"], f["items_lent"]) == (7, 5, 2, 6)
    # b1–b8 and w1 (withdrawn mid-period still counts); not r1 (reference), x1 (later), l1 (lost before).
    assert f["items"] == 9
    # At the end: b1–b8 and r1 (w1 gone).
    assert (f["books"], f["new_books"], f["valid_cards"]) == (9, 5, 4)
    assert f["borrowing_rate"].value == Fraction(1, 2)
    assert f["loans_per_student"].value == Fraction(5, 6)
    assert f["loans_per_teacher"].value == 1
    assert f["circulation_rate"].value == Fraction(6, 9)
    assert f["turnover"].value == Fraction(7, 9)
    assert f["card_coverage"].value == Fraction(4, 6)
    assert f["books_per_student"].value == Fraction(9, 6)
    assert f["new_books_per_student"].value == Fraction(5, 6)


def test_the_readers_definition_of_the_borrowing_rate(library, school):
    ReportSettings.objects.create(library=library, borrowing_rate_basis="readers")
    f = selectors.summary(library, MARCH)
    # S1 S2 S5 and T1 of 6 students and 2 teachers.
    assert (f["borrowing_rate"].numerator, f["borrowing_rate"].denominator) == (4, 8)


def test_a_grade_and_a_class_and_a_class_without_students(library, school):
    c = school["classes"]
    g7 = selectors.summary(library, MARCH, Group(grade=7))
    assert (g7["students"], g7["active_readers"], g7["loans"], g7["items_lent"]) == (6, 3, 5, 4)
    c71 = selectors.summary(library, MARCH, Group(school_class=c["71"]))
    # G's loan counts for 七年级1班 (the class at the time); G is not a student any more.
    assert (c71["students"], c71["active_readers"], c71["loans"]) == (4, 2, 4)
    assert c71["borrowing_rate"].value == Fraction(1, 2)
    c81 = selectors.summary(library, MARCH, Group(school_class=c["81"]))
    assert (c81["students"], c81["loans"]) == (0, 0)
    assert c81["borrowing_rate"].value is None and c81["borrowing_rate"].text() == "—"
    league = selectors.class_league(library, MARCH)
    assert [(r["name"], r["students"], r["active_readers"], r["loans"]) for r in league] == [
        ("七年级1班", 4, 2, 4),
        ("七年级2班", 2, 1, 1),
        ("八年级1班", 0, 0, 0),
    ]
    grades = selectors.grade_rows(library, MARCH)
    assert [(g["name"], g["students"], g["loans"]) for g in grades] == [
        ("七年级", 6, 5),
        ("八年级", 0, 0),
    ]


def test_a_period_without_loans(library, school):
    april = metrics.period_for("month", dt.date(2026, 4, 20))
    with clock.frozen_at(dt.datetime(2026, 4, 30, 10)):
        f = selectors.summary(library, april)
        assert selectors.overdue(library, april, dt.date(2026, 4, 30)).text() == "—"
    assert (f["loans"], f["active_readers"], f["items_lent"]) == (0, 0, 0)
    assert f["borrowing_rate"].value == 0
    assert f["circulation_rate"].value == 0
    # x1 arrived on 04-10: 8 loanable copies held (b1–b8), 10 books at the end with x1 and r1.
    assert (f["items"], f["books"], f["new_books"]) == (9, 10, 6)
    assert selectors.top_books(library, april) == []


def test_overdue_lost_fees_tops_hours_and_balance(library, school, actor):
    assert selectors.overdue(library, MARCH, dt.date(2026, 4, 15)).as_dict() == {
        "value": 28.5714,
        "numerator": 2,
        "denominator": 7,
    }
    assert selectors.lost_and_damaged(library, MARCH) == {
        "lost": 0,
        "withdrawn": 1,
        "lost_bills": 0,
        "damaged_bills": 0,
    }
    s1 = school["patrons"]["S1"]
    fee = Fee.objects.create(
        library=library, patron=s1, kind="lost", amount=3500, created_at=at("2026-03-25")
    )
    Fee.objects.create(
        library=library, patron=s1, kind="damaged", amount=500, created_at=at("2026-02-25")
    )
    Payment.objects.create(
        library=library,
        fee=fee,
        kind="payment",
        amount=3000,
        receipt_number="1",
        at=at("2026-03-26"),
    )
    Payment.objects.create(
        library=library, fee=fee, kind="waiver", amount=500, receipt_number="2", at=at("2026-03-26")
    )
    assert selectors.fees(library, MARCH) == {
        "billed": 3500,
        "paid": 3000,
        "waived": 500,
        "refunded": 0,
    }
    assert selectors.lost_and_damaged(library, MARCH)["lost_bills"] == 1
    assert selectors.top_books(library, MARCH)[0] == {"title": "书b1", "loans": 2}
    readers = selectors.top_readers(library, MARCH)
    assert [(r["name"], r["loans"]) for r in readers[:2]] == [("王老师", 2), ("赵一", 2)]
    busy = selectors.busiest(library, MARCH)
    assert busy["hours"] == [(12, 5), (13, 1), (16, 1)]
    # 03-02 Mon, 03-03 Tue, 03-04 Wed, 03-05 Thu ×2, 03-06 Fri, 03-13 Fri.
    assert busy["days"] == [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2)]
    balance = {r["clc"]: (r["holdings"], r["loans"]) for r in selectors.clc_balance(library, MARCH)}
    assert balance == {"G": (1, 0), "I": (3, 5), "K": (2, 2), "O": (1, 0), "Z": (1, 0), "—": (1, 0)}


def test_the_2018_standard_and_periodicals(library, school, actor):
    from shuxiang.serials.services import subscription_create

    for n, kind in enumerate(["periodical", "periodical", "newspaper"]):
        subscription_create(actor=actor, year=2026, title=f"刊{n}", kind=kind, frequency="monthly")
    subscription_create(actor=actor, year=2025, title="旧刊", frequency="monthly")
    assert selectors.periodicals(library, 2026) == {"periodicals": 2, "newspapers": 1, "total": 3}
    from shuxiang.reports import rule_sets

    f = selectors.summary(library, MARCH)
    comparison = rule_sets.school_comparison(library, MARCH, f)  # the national 2018 rule set
    assert comparison["level"] == "junior"  # grades 7 and 8
    assert comparison["periodicals"]["total"] == 3
    checked = {c.label: (c.value, c.minimum, c.passed) for c in comparison["checks"]}
    assert checked["生均藏书"] == (1.5, 40, False)
    assert checked["年生均新增图书"] == (0.83, 1, False)
    assert checked["报刊种数"] == (3, 80, False)
    assert checked["每周开放时间"] == (10.0, 40, False)


def test_graduates_are_not_students_but_their_loans_stay(library, school):
    f = selectors.summary(library, MARCH)
    assert f["student_loans"] == 5 and f["students"] == 6
    assert Item.objects.get(pk=school["items"]["w1"].pk).status == "withdrawn"
