"""Words and numbers beyond 64 bits in the ledgers' and reading lists' URLs get a 404 or
the page with a message, never a traceback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999999"


def test_huge_ids_are_not_found(staff_client):
    for url in (
        f"/staff/reports/reading-lists/{HUGE}/",
        f"/staff/reports/reading-lists/{HUGE}.xlsx",
    ):
        assert staff_client.get(url).status_code == 404
    assert staff_client.post(f"/staff/reports/reading-lists/{HUGE}/match/").status_code == 404
    assert staff_client.post("/staff/reports/reading-lists/1/nothing/").status_code == 404


@pytest.mark.parametrize(
    ("url", "query", "message"),
    [
        (
            "/staff/reports/ledgers/losses/",
            {"start": "2026-01-01", "end": HUGE},
            "结束日期不是有效日期",
        ),
        ("/staff/reports/ledgers/general/", {"year": HUGE}, "年度应为 1949 至"),
        ("/staff/reports/ledgers/loans/", {"page": HUGE}, "借阅登记"),
        ("/staff/reports/ledgers/loans/", {"start": "2026-03-01"}, "请同时给出开始日期和结束日期"),
    ],
)
def test_bad_ledger_parameters_say_so(staff_client, url, query, message):
    response = staff_client.get(url, query)
    assert response.status_code == 200
    assert message in response.content.decode()
