"""The circulation API over HTTP (Django test client)."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.core import clock

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


@pytest.fixture
def desk_api(api, librarian):
    return api(librarian)


def test_checkout_checkin_renew_and_loans(desk_api, student, make_item):
    make_item(barcode="20000001")
    with clock.frozen_at(MONDAY):
        r = desk_api.post("/api/v1/circulation/checkout", {"patron": "R200001", "item": "20000001"})
        assert r.status_code == 201, r.content
        body = r.json()
        assert (
            body["due"] == "2026-11-16"
            and body["item"] == "20000001"
            and body["patron"] == "R200001"
        )
        assert isinstance(body["loan_id"], int)

        r = desk_api.get("/api/v1/patrons/R200001/loans")
        assert r.status_code == 200
        assert [(x["item"], x["due"], x["returned_at"]) for x in r.json()] == [
            ("20000001", "2026-11-16", None)
        ]

    with clock.frozen_at(D("2026-11-10")):
        r = desk_api.post("/api/v1/circulation/renew", {"item": "20000001"})
        assert r.status_code == 200 and r.json()["due"] == "2026-11-24"
        r = desk_api.post("/api/v1/circulation/renew", {"item": "20000001"})
        assert r.status_code == 409 and r.json()["code"] == "renewal_limit"

    with clock.frozen_at(D("2026-11-26")):  # two open days late
        r = desk_api.post("/api/v1/circulation/checkin", {"item": "20000001"})
        assert r.status_code == 200
        assert r.json() == {
            "item": "20000001",
            "patron": "R200001",
            "overdue_days": 2,
            "fee": 0,
            "hold": None,
            "found": False,
            "messages": ["逾期 2 天。"],
        }
    assert desk_api.get("/api/v1/patrons/R200001/loans").json() == []
    history = desk_api.get("/api/v1/patrons/R200001/loans?history=1").json()
    assert len(history) == 1 and history[0]["status"] == "returned" and history[0]["returned_at"]


@pytest.mark.parametrize(
    ("setup", "payload", "status", "code"),
    [
        (None, {"patron": "R999999", "item": "20000002"}, 404, "patron_not_found"),
        (None, {"patron": "R200001", "item": "99999999"}, 404, "item_not_found"),
        ("reference", {"patron": "R200001", "item": "20000002"}, 409, "not_loanable"),
        ("blocked", {"patron": "R200001", "item": "20000002"}, 409, "patron_blocked"),
        ("expired", {"patron": "R200001", "item": "20000002"}, 409, "card_expired"),
        ("limit", {"patron": "R200001", "item": "20000002"}, 409, "loan_limit"),
        ("on_loan", {"patron": "R200001", "item": "20000002"}, 409, "item_on_loan"),
        (None, {"patron": "R200001"}, 422, "invalid"),
    ],
)
def test_checkout_refusals(
    desk_api, actor, student, make_item, make_patron, setup, payload, status, code
):
    from shuxiang.circulation import services

    item = make_item(barcode="20000002")
    if setup == "reference":
        Item.objects.filter(pk=item.pk).update(circulation_type="reference")
    elif setup == "blocked":
        student.status = "blocked"
        student.save()
    elif setup == "expired":
        student.valid_until = D("2026-01-01")
        student.save()
    elif setup == "limit":
        make_item(barcode="20000003")
        make_item(barcode="20000004")
        with clock.frozen_at(MONDAY):
            services.loan_checkout(actor=actor, card="R200001", barcode="20000003")
            services.loan_checkout(actor=actor, card="R200001", barcode="20000004")
    elif setup == "on_loan":
        make_patron(card="R200005", name="钱同学", class_name="七年级3班")
        services.loan_checkout(actor=actor, card="R200005", barcode="20000002")
    with clock.frozen_at(MONDAY):
        r = desk_api.post("/api/v1/circulation/checkout", payload)
    assert r.status_code == status, r.content
    assert r.json()["code"] == code
    assert r.json()["message"]


def test_checkin_refusals(desk_api, make_item):
    make_item(barcode="20000005")
    r = desk_api.post("/api/v1/circulation/checkin", {"item": "20000005"})
    assert (r.status_code, r.json()["code"]) == (409, "not_on_loan")
    r = desk_api.post("/api/v1/circulation/checkin", {"item": "00000000"})
    assert (r.status_code, r.json()["code"]) == (404, "item_not_found")
    r = desk_api.post("/api/v1/circulation/renew", {"item": "20000005"})
    assert (r.status_code, r.json()["code"]) == (409, "not_on_loan")


def test_checkin_found_item(desk_api, make_item):
    item = make_item(barcode="20000006")
    Item.objects.filter(pk=item.pk).update(status="missing")
    r = desk_api.post("/api/v1/circulation/checkin", {"item": "20000006"})
    assert r.status_code == 200 and r.json()["found"] is True and r.json()["patron"] is None


def test_loans_unknown_card_and_auth(desk_api, api, make_user, library):
    assert desk_api.get("/api/v1/patrons/R404040/loans").status_code == 404
    assert (
        api().post("/api/v1/circulation/checkout", {"patron": "R1", "item": "1"}).status_code == 401
    )
    student_user = make_user("student", username="pupil")
    r = api(student_user).post(
        "/api/v1/circulation/checkout", {"patron": "R200001", "item": "20000001"}
    )
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")


def test_openapi_lists_circulation(desk_api):
    paths = desk_api.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/circulation/checkout",
        "/api/v1/circulation/checkin",
        "/api/v1/circulation/renew",
        "/api/v1/patrons/{card}/loans",
    ]:
        assert path in paths


def test_scan_path_query_budget(desk_api, student, make_item, django_assert_max_num_queries):
    """The lunchtime queue depends on few queries per scan, each one named here:
    token, library, reader (with class and audit pseudonym), item, open loans, fees and
    blocks, the loan, the item's status, the reader's holds on the title, the audit event
    (+ the savepoint pair in tests) — 12 — and the search index following the copy's
    state (the title's copies, the stored counts, the new counts, and the on-the-shelf
    filter token when the last copy goes out or the first comes back) — 4."""
    make_item(barcode="20000007")
    make_item(barcode="20000008")
    with clock.frozen_at(MONDAY):
        desk_api.post(
            "/api/v1/circulation/checkout", {"patron": "R200001", "item": "20000008"}
        )  # rules cached
        with django_assert_max_num_queries(16):
            assert (
                desk_api.post(
                    "/api/v1/circulation/checkout", {"patron": "R200001", "item": "20000007"}
                ).status_code
                == 201
            )
        with django_assert_max_num_queries(16):
            assert (
                desk_api.post("/api/v1/circulation/checkin", {"item": "20000007"}).status_code
                == 200
            )
