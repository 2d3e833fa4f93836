"""The serials API over HTTP: subscribe, list issues, receive and lend at once through
/circulation/checkout, claim, bind; refusals answer {"code", "message"} and write
nothing; only librarians and admins may."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from shuxiang.serials.models import Subscription

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 3, 20, 10, 0)


@pytest.fixture
def staff_api(api, librarian):
    return api(librarian)


def subscribe(staff_api, **kw):
    body = {
        "title": "我们爱科学",
        "issn": "0317-8471",
        "cn": "CN11-1234/N",
        "frequency": "semimonthly",
        "year": 2026,
        "copies": 1,
        "price_per_issue": 650,
        "skip_months": [7, 8],
    }
    body.update(kw)
    return staff_api.post("/api/v1/serials", body)


def test_subscribe_list_receive_and_lend_at_once(staff_api, make_patron):
    with clock.frozen_at(TODAY):
        r = subscribe(staff_api)
        assert r.status_code == 201, r.content
        sub_id = r.json()["id"]
        assert r.json()["issues"] == 20
        r = staff_api.get(f"/api/v1/serials/{sub_id}/issues?year=2026")
        issues = r.json()["issues"]
        assert [i["expected"] for i in issues[:3]] == ["2026-01-01", "2026-01-16", "2026-02-01"]
        assert issues[0]["label"] == "2026年第1期"
        assert issues[0]["status"] == "late"  # 1 Jan + 10 days, still not in on 20 March
        assert issues[5]["status"] == "expected"
        first = issues[0]["id"]
        r = staff_api.post(f"/api/v1/serials/{sub_id}/receive", {"issue": first})
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "received"
        barcode = r.json()["barcode"]
        teacher = make_patron(card="R800001", name="周老师", category="teacher")
        r = staff_api.post(
            "/api/v1/circulation/checkout", {"patron": teacher.card_number, "item": barcode}
        )
        assert r.status_code == 201, r.content
        r = staff_api.get(f"/api/v1/serials/{sub_id}/issues")
        row = r.json()["issues"][0]
        assert (row["status"], row["barcodes"], row["loans"]) == ("received", [barcode], 1)


def test_a_daily_that_skips_the_weekend(staff_api):
    r = subscribe(staff_api, title="中国教育报", issn="", frequency="daily", skip_weekdays=[5, 6])
    assert r.status_code == 201, r.content
    assert (r.json()["issues"], r.json()["skip_weekdays"]) == (261 - 44, [5, 6])
    r = subscribe(staff_api, title="每天", issn="", frequency="daily", skip_weekdays=list(range(7)))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_weekday")


def test_bad_frequency_is_422_with_a_code_and_writes_nothing(staff_api):
    r = subscribe(staff_api, frequency="fortnightly")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_frequency"
    assert r.json()["message"]
    r = subscribe(staff_api, issn="1234-5678")
    assert (r.status_code, r.json()["code"]) == (422, "invalid_issn")
    assert not Subscription.objects.exists()


def test_receiving_twice_is_409_and_writes_nothing(staff_api):
    sub_id = subscribe(staff_api).json()["id"]
    issue = staff_api.get(f"/api/v1/serials/{sub_id}/issues").json()["issues"][0]["id"]
    assert staff_api.post(f"/api/v1/serials/{sub_id}/receive", {"issue": issue}).status_code == 200
    items, events = Item.objects.count(), AuditEvent.objects.count()
    r = staff_api.post(f"/api/v1/serials/{sub_id}/receive", {"issue": issue})
    assert (r.status_code, r.json()["code"]) == (409, "issue_received")
    assert (Item.objects.count(), AuditEvent.objects.count()) == (items, events)
    r = staff_api.post("/api/v1/serials/999999/receive", {"issue": issue})
    assert (r.status_code, r.json()["code"]) == (404, "subscription_not_found")


def test_claims_mark_the_late_issues(staff_api):
    sub_id = subscribe(staff_api).json()["id"]
    with clock.frozen_at(TODAY):
        r = staff_api.post(f"/api/v1/serials/{sub_id}/claims", {})
        assert r.status_code == 200, r.content
        claimed = r.json()["claimed"]
        # 1 Jan … 16 Feb are past their ten days; 1 March is not yet (until the 11th+)
        assert [c["number"] for c in claimed] == [1, 2, 3, 4, 5]
        assert {c["status"] for c in claimed} == {"claimed"}
        statuses = [
            i["status"] for i in staff_api.get(f"/api/v1/serials/{sub_id}/issues").json()["issues"]
        ]
        assert statuses[:7] == ["claimed"] * 5 + ["expected"] * 2
        r = staff_api.post(f"/api/v1/serials/{sub_id}/claims", {})
        assert (r.status_code, r.json()["code"]) == (409, "nothing_late")


def test_bind_makes_a_loanable_volume_and_refuses_a_second_binding(staff_api, make_patron):
    sub_id = subscribe(staff_api, clc="N49").json()["id"]
    issues = staff_api.get(f"/api/v1/serials/{sub_id}/issues").json()["issues"][:4]
    ids = [i["id"] for i in issues]
    for issue_id in ids:
        staff_api.post(f"/api/v1/serials/{sub_id}/receive", {"issue": issue_id})
    r = staff_api.post(f"/api/v1/serials/{sub_id}/bind", {"year": 2026, "issues": ids})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["call_number"] == "N49/1:2026-1"
    assert body["accession_number"]
    assert body["issues"] == [1, 2, 3, 4]
    statuses = [
        i["status"] for i in staff_api.get(f"/api/v1/serials/{sub_id}/issues").json()["issues"][:4]
    ]
    assert statuses == ["bound"] * 4
    with clock.frozen_at(TODAY):
        teacher = make_patron(card="R800002", name="吴老师", category="teacher")
        r = staff_api.post(
            "/api/v1/circulation/checkout", {"patron": teacher.card_number, "item": body["barcode"]}
        )
        assert r.status_code == 201, r.content
    items, events = Item.objects.count(), AuditEvent.objects.count()
    r = staff_api.post(f"/api/v1/serials/{sub_id}/bind", {"year": 2026, "issues": ids[:1]})
    assert (r.status_code, r.json()["code"]) == (409, "issue_bound")
    assert (Item.objects.count(), AuditEvent.objects.count()) == (items, events)


@pytest.mark.parametrize(("role", "status"), [("assistant", 403), ("leader", 403), ("admin", 201)])
def test_who_may_subscribe(api, make_user, role, status):
    r = subscribe(api(make_user(role)))
    assert r.status_code == status
    if status == 403:
        assert r.json()["code"] == "forbidden"


def test_without_a_token_401(api):
    r = api().get("/api/v1/serials")
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
