"""The API skeleton: tokens, the read and create endpoints, and every error path."""

import json

import pytest
from openapi_spec_validator import validate

from shuxiang.catalog.models import Bib, Item
from shuxiang.core.models import ApiToken, AuditEvent
from shuxiang.patrons.models import Patron


def test_token_from_password_then_bearer_works(api, librarian):
    response = api().post("/api/v1/auth/token", {"username": "librarian1", "password": "secret123"})
    assert response.status_code == 200
    token = response.json()["token"]
    # Only the hash is stored.
    assert not ApiToken.objects.filter(key_hash=token).exists()
    assert ApiToken.objects.filter(prefix=token[:8]).count() == 1
    r = api().client.get("/api/v1/bibs/1", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 404
    assert r.json()["code"] == "bib_not_found"


def test_wrong_credentials_and_missing_token_are_401(api, librarian):
    r = api().post("/api/v1/auth/token", {"username": "librarian1", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_credentials"
    r = api().get("/api/v1/items/123")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    r = api().client.get("/api/v1/items/123", HTTP_AUTHORIZATION="Bearer sx_not-a-token")
    assert r.status_code == 401
    assert set(r.json()) == {"code", "message"}


def test_create_bib_item_patron_and_read_them_back(api, librarian, school_class):
    client = api(librarian)
    r = client.post(
        "/api/v1/bibs",
        {
            "title": "朝花夕拾",
            "isbn": "7-02-000220-X",
            "authors": ["鲁迅"],
            "publisher": "人民文学出版社",
            "year": 1973,
            "clc": "i210.4",
            "price": 1200,
        },
    )
    assert r.status_code == 201, r.content
    bib = r.json()
    assert bib["isbn"] == "9787020002207"
    assert bib["clc"] == "I210.4"
    assert bib["authors"] == ["鲁迅"]

    r = client.post(
        "/api/v1/items",
        {"bib": bib["id"], "barcode": "00012345", "call_number": "I210.4/1", "location": "stacks"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["call_number"] == "I210.4/1"
    assert r.json()["location"] == "书库"
    assert r.json()["status"] == "available"
    assert r.json()["price"] == 1200

    r = client.get("/api/v1/items/00012345")
    assert r.status_code == 200
    assert r.json()["title"] == "朝花夕拾"

    r = client.get(f"/api/v1/bibs/{bib['id']}")
    assert r.json()["items"] == 1
    assert r.json()["call_number"] == "I210.4/1"

    r = client.post(
        "/api/v1/patrons",
        {
            "card": "R260001",
            "name": "李华",
            "category": "student",
            "class": "七年级3班",
            "student_number": "2026001",
        },
    )
    assert r.status_code == 201, r.content
    r = client.get("/api/v1/patrons/R260001")
    assert r.status_code == 200
    body = r.json()
    assert (body["name"], body["category"], body["class_name"], body["status"]) == (
        "李华",
        "student",
        "七年级3班",
        "active",
    )
    assert (
        AuditEvent.objects.filter(action__in=["bib.create", "item.create", "patron.create"]).count()
        == 3
    )


def test_bad_input_is_refused_and_nothing_is_written(api, librarian, make_bib):
    client = api(librarian)
    bib = make_bib("已有的书")
    Item.objects.create(library=bib.library, bib=bib, barcode="00000001")
    before = (Bib.objects.count(), Item.objects.count(), Patron.objects.count())

    r = client.post("/api/v1/bibs", {"title": "某书", "isbn": "978-7-111-11111-1"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_isbn")
    assert "ISBN" in r.json()["message"]

    r = client.post("/api/v1/items", {"bib": bib.pk, "barcode": "00000001"})
    assert (r.status_code, r.json()["code"]) == (409, "duplicate_barcode")

    r = client.post("/api/v1/items", {"bib": 999999, "barcode": "00000002"})
    assert (r.status_code, r.json()["code"]) == (404, "bib_not_found")

    r = client.post("/api/v1/patrons", {"card": "R123456", "name": "王五", "class": "九年级9班"})
    assert (r.status_code, r.json()["code"]) == (422, "class_not_found")
    assert "九年级9班" in r.json()["message"]

    r = client.post("/api/v1/patrons", {"card": "R123456", "name": "王五", "category": "alien"})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"

    r = client.post("/api/v1/bibs", raw="{not json")
    assert (r.status_code, r.json()["code"]) == (400, "malformed_json")

    r = client.post("/api/v1/bibs", {"isbn": "9787020002207"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid")
    assert r.json()["errors"][0]["field"] == "title"

    assert (Bib.objects.count(), Item.objects.count(), Patron.objects.count()) == before


def test_unknown_things_answer_json_404(api, librarian):
    client = api(librarian)
    for path, code in [
        ("/api/v1/items/nope", "item_not_found"),
        ("/api/v1/patrons/R999999", "patron_not_found"),
        ("/api/v1/bibs/424242", "bib_not_found"),
        ("/api/v1/no/such/endpoint", "not_found"),
    ]:
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["code"] == code
        assert r.json()["message"]


def test_wrong_method_answers_json_405(api, librarian):
    r = api(librarian).delete("/api/v1/bibs/1")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


def test_english_messages_follow_accept_language(api, librarian):
    r = api(librarian).get("/api/v1/items/nope", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404
    assert r.json()["code"] == "item_not_found"
    assert "nope" in r.json()["message"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])


@pytest.mark.parametrize("role", ["student", "teacher", "leader", "assistant"])
def test_roles_without_catalog_rights_get_403(api, make_user, role):
    user = make_user(role)
    r = api(user).post("/api/v1/bibs", {"title": "某书"})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert not Bib.objects.exists()


def test_student_may_not_read_other_readers(api, make_user, make_patron):
    make_patron(card="R200001", name="赵六")
    r = api(make_user("student")).get("/api/v1/patrons/R200001")
    assert r.status_code == 403


def test_lookups_are_scoped_to_the_callers_library(api, librarian, make_item):
    from shuxiang.core.services import library_setup, user_create

    make_item(barcode="55555555")
    other = library_setup(code="other", name="二中图书馆")
    stranger = user_create(
        library=other, username="other-lib", role="librarian", password="secret123"
    )
    r = api(stranger).get("/api/v1/items/55555555")
    assert r.status_code == 404
    assert api(librarian).get("/api/v1/items/55555555").status_code == 200


def test_openapi_document_validates(client, library):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = json.loads(r.content)
    validate(spec)
    paths = spec["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/bibs",
        "/api/v1/items",
        "/api/v1/patrons",
        "/api/v1/items/{barcode}",
        "/api/v1/patrons/{card}",
        "/api/v1/bibs/{bib_id}",
    ]:
        assert path in paths


def test_a_revoked_token_stops_working_at_once(api, librarian):
    client = api(librarian)
    assert client.get("/api/v1/items/none").status_code == 404  # token accepted (and cached)
    ApiToken.objects.filter(user=librarian).delete()
    r = client.get("/api/v1/items/none")
    assert r.status_code == 401


def test_a_deactivated_login_loses_its_token(api, librarian):
    client = api(librarian)
    assert client.get("/api/v1/items/none").status_code == 404
    librarian.is_active = False
    librarian.save()
    assert client.get("/api/v1/items/none").status_code == 401


def test_a_token_revoked_by_another_worker_process_stops_working_at_once(api, librarian):
    """Another process's change reaches this one through the database only: no signal
    clears this process's cache. Deleting the row without signals stands for it."""
    from django.db import connection

    client = api(librarian)
    assert client.get("/api/v1/items/none").status_code == 404  # accepted and cached
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ApiToken._meta.db_table} WHERE user_id = %s", [librarian.pk])
    assert client.get("/api/v1/items/none").status_code == 401


def test_a_login_deactivated_by_another_worker_process_loses_its_token_at_once(api, librarian):
    from django.contrib.auth import get_user_model

    client = api(librarian)
    assert client.get("/api/v1/items/none").status_code == 404
    get_user_model().objects.filter(pk=librarian.pk).update(is_active=False)  # no signal
    assert client.get("/api/v1/items/none").status_code == 401
