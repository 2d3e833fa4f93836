"""The inventory API over HTTP: stocktake, scans, figures, closing; repair; withdrawal
batches approved by a second role."""

from __future__ import annotations

import pytest

from shuxiang.catalog.models import Item

pytestmark = pytest.mark.django_db


def test_a_stocktake_over_the_api(api, librarian, shelf):
    client = api(librarian)
    made = client.post("/api/v1/stocktakes", {"name": "春季清点", "locations": ["stacks"]})
    assert made.status_code == 201
    sid = made.json()["id"]
    scans = client.post(
        f"/api/v1/stocktakes/{sid}/scans",
        {"barcodes": ["30000", "30001", "30001", "ZZ-1"], "location": "stacks"},
    )
    assert scans.status_code == 200
    assert scans.json() == {"accepted": 2, "unknown": ["ZZ-1"], "duplicates": 1}
    again = client.post(f"/api/v1/stocktakes/{sid}/scans", {"barcodes": ["30000"]})
    assert again.json() == {"accepted": 0, "unknown": [], "duplicates": 1}
    live = client.get(f"/api/v1/stocktakes/{sid}").json()
    assert live["status"] == "open"
    assert (live["expected"], live["found"], live["missing"], live["unknown"]) == (6, 2, 4, 1)
    closed = client.post(f"/api/v1/stocktakes/{sid}/close")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["missing"] == 4
    assert Item.objects.filter(status="missing").count() == 4
    late = client.post(f"/api/v1/stocktakes/{sid}/scans", {"barcodes": ["30002"]})
    assert late.status_code == 409 and late.json()["code"] == "stocktake_closed"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": ""}, 422, "name_required"),
        ({"name": "x", "clc": "9"}, 422, "invalid_clc"),
        ({"name": "x", "locations": ["roof"]}, 404, "location_not_found"),
        ({}, 422, "invalid"),
    ],
)
def test_bad_stocktakes_get_a_clear_message(api, librarian, body, status, code):
    got = api(librarian).post("/api/v1/stocktakes", body)
    assert got.status_code == status
    assert got.json()["code"] == code and got.json()["message"]


def test_bad_scans_and_strangers(api, librarian, make_user, shelf):
    client = api(librarian)
    sid = client.post("/api/v1/stocktakes", {"name": "x"}).json()["id"]
    bad = client.post(f"/api/v1/stocktakes/{sid}/scans", {"barcodes": ["30000", "a b"]})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_barcode"
    assert client.get(f"/api/v1/stocktakes/{sid}").json()["scanned"] == 0
    assert client.get("/api/v1/stocktakes/99999").json()["code"] == "stocktake_not_found"
    student = api(make_user("assistant"))
    assert student.post("/api/v1/stocktakes", {"name": "x"}).status_code == 403
    assert api().get(f"/api/v1/stocktakes/{sid}").status_code == 401


def test_repair_over_the_api(api, librarian, shelf):
    client = api(librarian)
    sent = client.post("/api/v1/items/30000/repair", {"note": "书脊脱落"})
    assert sent.status_code == 200 and sent.json() == {"barcode": "30000", "status": "in_repair"}
    twice = client.post("/api/v1/items/30000/repair", {})
    assert twice.status_code == 409 and twice.json()["code"] == "already_in_repair"
    back = client.post("/api/v1/items/30000/repaired", {"cost": 350})
    assert back.json() == {"barcode": "30000", "status": "available"}
    assert client.post("/api/v1/items/30000/repaired", {}).json()["code"] == "not_in_repair"
    assert client.post("/api/v1/items/NOPE/repair", {}).status_code == 404


def test_withdrawal_needs_a_second_role(api, librarian, make_user, shelf):
    client = api(librarian)
    made = client.post("/api/v1/withdrawals", {"barcodes": ["30000", "30001"], "reason": "weeding"})
    assert made.status_code == 201
    body = made.json()
    assert body["status"] == "pending" and body["total_price"] == 4100
    wid = body["id"]
    own = client.post(f"/api/v1/withdrawals/{wid}/approve")
    assert own.status_code == 403
    assert Item.objects.get(barcode="30000").status == "available"
    other_librarian = api(make_user("librarian", username="lib2"))
    assert other_librarian.post(f"/api/v1/withdrawals/{wid}/approve").status_code == 403
    leader = api(make_user("leader"))
    done = leader.post(f"/api/v1/withdrawals/{wid}/approve")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert set(Item.objects.filter(status="withdrawn").values_list("barcode", flat=True)) == {
        "30000",
        "30001",
    }
    assert leader.post(f"/api/v1/withdrawals/{wid}/approve").json()["code"] == "withdrawal_decided"
    bad = client.post("/api/v1/withdrawals", {"barcodes": ["30000"], "reason": "weeding"})
    assert bad.status_code == 409 and "30000" in bad.json()["message"]
    reason = client.post("/api/v1/withdrawals", {"barcodes": ["30002"], "reason": "old"})
    assert reason.status_code == 422 and reason.json()["code"] == "invalid_reason"


def test_an_admin_may_approve(api, librarian, make_user, shelf):
    wid = (
        api(librarian)
        .post("/api/v1/withdrawals", {"barcodes": ["30002"], "reason": "damaged"})
        .json()["id"]
    )
    admin = api(make_user("admin"))
    assert admin.post(f"/api/v1/withdrawals/{wid}/approve").status_code == 200
