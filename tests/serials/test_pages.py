"""The serials staff pages over HTTP: check-in by scan and by click, late issues
claimed, subscribing through the form, binding with the bindery's list (a real PDF),
next year's list made from this year's and exported as xlsx with totals, the report;
who may open them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shuxiang.catalog.models import Item
from shuxiang.core import clock
from shuxiang.serials import services
from shuxiang.serials.models import SerialIssue, Subscription
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 3, 20, 9, 0)


@pytest.fixture
def sub(actor):
    return services.subscription_create(
        actor=actor,
        title="中国少年报",
        year=2026,
        frequency="weekly",
        weekday=2,
        issn="0317-8471",
        postal_code="1-7",
        price_per_issue=100,
        skip_months=[7, 8],
    )


def test_checkin_screen_lists_late_issues_and_one_scan_checks_in(staff_client, sub):
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/serials/").content.decode()
        assert "期刊登到" in page
        assert "逾期未到，待催缺" in page
        assert "2026年第1期" in page
        r = staff_client.post("/staff/serials/", {"action": "scan", "code": "977031784700103"})
        assert r.status_code == 302
        page = staff_client.get("/staff/serials/").content.decode()
    assert "已登到《中国少年报》2026年第3期" in page
    issue = sub.issues.get(number=3)
    assert issue.status == "received"
    assert Item.objects.get(serial_copy__issue=issue).status == "available"


def test_the_dashboard_counts_issues_due_and_late(staff_client, sub):
    with clock.frozen_at(dt.datetime(2026, 3, 18, 9, 0)):  # a Wednesday: no. 11 is due
        page = staff_client.get("/staff/").content.decode()
    assert "今日应到期刊" in page and "期刊逾期未到" in page
    from shuxiang.core import dashboard

    found = dashboard.figures(sub.library, day=dt.date(2026, 3, 18))
    # nos. 1–9 (up to 4 March) are more than a week late; no. 10 (11 March) is not yet
    assert (found["serials_due_today"], found["serials_late"]) == (1, 9)


def test_one_click_receives_and_claim_marks_late(staff_client, sub):
    issue = sub.issues.get(number=1)
    with clock.frozen_at(TODAY):
        staff_client.post(
            "/staff/serials/", {"action": "receive", "subscription": sub.pk, "issue": issue.pk}
        )
        r = staff_client.post("/staff/serials/", {"action": "claim", "subscription": sub.pk})
        assert r.status_code == 302
    issue.refresh_from_db()
    assert issue.status == "received"
    assert sub.issues.filter(status="claimed").count() == 9  # Jan 14 … Mar 4, a week late
    with clock.frozen_at(TODAY):
        staff_client.post(
            "/staff/serials/", {"action": "receive", "subscription": sub.pk, "issue": issue.pk}
        )
        page = staff_client.get("/staff/serials/").content.decode()
    assert "已登到，不能重复登到" in page


def test_subscribing_through_the_form(staff_client):
    r = staff_client.post(
        "/staff/serials/subscriptions/",
        {
            "title": "少年文艺",
            "kind": "periodical",
            "issn": "",
            "cn": "CN31-1080/I",
            "frequency": "monthly",
            "year": "2026",
            "copies": "2",
            "price_per_issue": "9.80",
            "skip": ["7", "8"],
            "location": "reading",
            "source": "post_office",
        },
    )
    assert r.status_code == 302
    sub = Subscription.objects.get(title="少年文艺")
    assert (sub.price_per_issue, sub.copies, sub.skip_months) == (980, 2, [7, 8])
    assert sub.issues.count() == 10
    page = staff_client.get("/staff/serials/subscriptions/?year=2026").content.decode()
    assert "少年文艺" in page and "¥196.00" in page  # 10 issues × ¥9.80 × 2
    r = staff_client.post(
        "/staff/serials/subscriptions/",
        {
            "title": "坏刊",
            "frequency": "monthly",
            "year": "2026",
            "copies": "1",
            "issn": "1234-5678",
        },
    )
    assert r.status_code == 422
    assert "ISSN 1234-5678 无效" in r.content.decode()
    assert not Subscription.objects.filter(title="坏刊").exists()


@pytest.mark.needs_cjk_font
def test_binding_page_binds_and_prints_the_list(staff_client, actor, sub, tmp_path):
    ids = []
    for n in range(1, 5):
        issue = sub.issues.get(number=n)
        services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)
        ids.append(issue.pk)
    page = staff_client.get(f"/staff/serials/binding/?year=2026&subscription={sub.pk}")
    assert "2026年第4期" in page.content.decode()
    r = staff_client.post(
        f"/staff/serials/binding/?year=2026&subscription={sub.pk}",
        {"subscription": sub.pk, "issue": [str(i) for i in ids]},
    )
    assert r.status_code == 302
    page = staff_client.get(r["Location"]).content.decode()
    assert "已装订《中国少年报 2026年合订本（第1—4期）》" in page
    assert "Z6/1:2026-1" in page
    assert set(SerialIssue.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"bound"}
    r = staff_client.get("/staff/serials/binding/list.pdf?year=2026")
    assert r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = pdf_text(r.content, tmp_path, "binding")
    assert "装订单" in text and "中国少年报" in text and "1—4" in text


def test_next_years_list_from_this_years_and_its_xlsx(staff_client, sub):
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/serials/order-list/").content.decode()
        assert "2027 年报刊订阅清单" in page
        r = staff_client.post("/staff/serials/order-list/?year=2027", {"action": "renew"})
        assert r.status_code == 302
        new = Subscription.objects.get(year=2027)
        staff_client.post(
            "/staff/serials/order-list/?year=2027",
            {
                "action": "update",
                "subscription": new.pk,
                "copies": "3",
                "price_per_issue": "1.20",
                "price_per_year": "",
                "active": "1",
            },
        )
        page = staff_client.get("/staff/serials/order-list/?year=2027").content.decode()
    new.refresh_from_db()
    assert (new.copies, new.price_per_issue) == (3, 120)
    issues_2027 = new.issues.count()
    assert f"¥{issues_2027 * 120 * 3 // 100}." in page
    r = staff_client.get("/staff/serials/order-list/list.xlsx?year=2027")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "刊名"
    assert rows[2][1] == "中国少年报" and rows[2][5] == "1-7" and rows[2][8] == 3
    assert rows[-1][0] == "合计" and rows[-1][1] == "1 种" and rows[-1][8] == 3
    assert rows[-1][11] == pytest.approx(issues_2027 * 1.2 * 3)


def test_report_for_leaders_and_nothing_for_assistants(client, make_user, actor, sub):
    services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=sub.issues.first().pk)
    client.force_login(make_user("leader"))
    with clock.frozen_at(TODAY):
        page = client.get("/staff/serials/reports/?year=2026").content.decode()
    assert "2026 年期刊统计" in page and "中国少年报" in page
    assert client.get("/staff/serials/").status_code == 403
    client.force_login(make_user("assistant"))
    for url in ("/staff/serials/", "/staff/serials/reports/", "/staff/serials/binding/"):
        assert client.get(url).status_code == 403


def test_pages_answer_for_a_librarian(staff_client, sub):
    for url in (
        "/staff/serials/",
        "/staff/serials/subscriptions/",
        f"/staff/serials/{sub.pk}/",
        "/staff/serials/binding/",
        "/staff/serials/order-list/",
        "/staff/serials/reports/",
    ):
        assert staff_client.get(url).status_code == 200, url
    assert staff_client.get("/staff/serials/999999/").status_code == 404
