"""The statistics in English: each figure's formula and the period's label are shown in
the reader's language, on the page and in the API's definitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from shuxiang.core import clock
from shuxiang.reports import metrics

from .conftest import TODAY

pytestmark = pytest.mark.django_db
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def test_the_report_page_shows_english_formulas(staff_client, school):
    staff_client.cookies["django_language"] = "en"
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/reports/", MARCH, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Students who borrowed at least one book in the period ÷ students × 100%" in html
    assert "Different copies lent in the period ÷ loanable copies × 100%" in html
    assert "Books held at the end of the period ÷ students" in html
    assert "本期借过至少一册的学生数" not in html
    assert "3 / 6" in html  # the figures themselves do not change with the language


def test_the_same_formulas_stay_chinese_by_default(staff_client, school):
    with clock.frozen_at(TODAY):
        html = staff_client.get("/staff/reports/", MARCH).content.decode()
    assert "本期借过至少一册的学生数 ÷ 学生数 × 100%" in html


def test_the_period_labels_and_formulas_follow_the_active_language():
    day = dt.date(2026, 3, 15)
    with translation.override("en"):
        assert metrics.period_for("school_year", day).label == "School year 2025–2026"
        assert metrics.period_for("term", day).label == "School year 2025, second term"
        assert metrics.period_for("term", dt.date(2025, 10, 1)).label == (
            "School year 2025, first term"
        )
        assert metrics.period_for("month", day).label == "3/2026"
        assert metrics.FORMULAS["turnover"] == (
            "Collection turnover",
            "Loans in the period ÷ loanable copies",
        )
        assert str(metrics.FORMULAS_READERS[1]).startswith("Readers (students and teachers)")
    with translation.override("zh-hans"):
        assert metrics.period_for("school_year", day).label == "2025—2026学年"
        assert metrics.period_for("month", day).label == "2026年3月"
        assert metrics.FORMULAS["turnover"] == ("藏书周转次数", "本期借阅册次 ÷ 可外借册数")


def test_the_api_definitions_are_in_the_readers_language(api, librarian, school):
    with clock.frozen_at(TODAY):
        r = api(librarian).get("/api/v1/reports/summary", data=MARCH, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert r.json()["definitions"]["card_coverage"] == (
        "Students with a valid library card ÷ students × 100%"
    )
