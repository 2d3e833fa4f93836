"""GET /api/v1/reports/summary over HTTP: the hand-built school's figures, groups by
name, bad input answered in Chinese, who may ask."""

from __future__ import annotations

import pytest

from shuxiang.core import clock

from .conftest import TODAY

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/summary"


def test_summary_of_the_school(api, librarian, school):
    with clock.frozen_at(TODAY):
        r = api(librarian).get(URL, data={"start": "2026-03-01", "end": "2026-03-31"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["borrowing_rate"] == {"value": 50.0, "numerator": 3, "denominator": 6}
    assert body["loans_per_student"] == {"value": 0.8333, "numerator": 5, "denominator": 6}
    assert body["circulation_rate"] == {"value": 66.6667, "numerator": 6, "denominator": 9}
    assert body["turnover"] == {"value": 0.7778, "numerator": 7, "denominator": 9}
    assert body["card_coverage"] == {"value": 66.6667, "numerator": 4, "denominator": 6}
    assert body["books_per_student"] == {"value": 1.5, "numerator": 9, "denominator": 6}
    assert body["new_books_per_student"] == {"value": 0.8333, "numerator": 5, "denominator": 6}
    assert (body["loans"], body["active_readers"], body["students"], body["items"]) == (7, 3, 6, 9)
    assert body["period"] == {
        "start": "2026-03-01",
        "end": "2026-03-31",
        "label": "2026-03-01—2026-03-31",
    }
    assert "借书率" not in body["definitions"]["borrowing_rate"]
    assert "÷" in body["definitions"]["borrowing_rate"]


def test_summary_of_a_grade_and_a_class_by_name(api, librarian, school):
    client = api(librarian)
    q = {"start": "2026-03-01", "end": "2026-03-31"}
    grade = client.get(URL, data={**q, "grade": "七年级"}).json()
    assert (grade["students"], grade["loans"], grade["group"]["kind"]) == (6, 5, "grade")
    klass = client.get(URL, data={**q, "class": "七年级1班"}).json()
    assert (klass["students"], klass["loans"], klass["group"]["class_name"]) == (4, 4, "七年级1班")
    empty = client.get(URL, data={**q, "class": "八年级1班"}).json()
    assert empty["borrowing_rate"] == {"value": None, "numerator": 0, "denominator": 0}


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"start": "2026-03-01"}, 422, "请同时给出开始日期和结束日期。"),
        (
            {"start": "2026-03-01", "end": "三月"},
            422,
            "结束日期不是有效日期（应为 YYYY-MM-DD）：三月",
        ),
        ({"start": "2026-03-31", "end": "2026-03-01"}, 422, "结束日期早于开始日期。"),
        ({"period": "decade"}, 422, "未知的统计期间：decade"),
        ({"class": "九年级9班"}, 404, "没有班级 九年级9班。"),
        ({"grade": "十三年级"}, 404, "没有年级 十三年级。"),
    ],
)
def test_bad_input_gets_a_chinese_message(api, librarian, school, query, status, message):
    r = api(librarian).get(URL, data=query)
    assert r.status_code == status
    assert r.json()["message"] == message


def test_a_leader_may_ask_an_assistant_and_a_stranger_may_not(api, make_user, library):
    assert api(make_user("leader")).get(URL).status_code == 200
    r = api(make_user("assistant")).get(URL)
    assert r.status_code == 403 and "code" in r.json()
    assert api().get(URL).status_code == 401


def test_the_default_period_is_this_term(api, librarian, school):
    with clock.frozen_at(TODAY):
        body = api(librarian).get(URL).json()
    assert body["period"]["start"] == "2026-02-01"  # no term entered: the spring half-year
