"""GET /api/v1/classes, GET /api/v1/classes/{name}/patrons, and the reader endpoint."""

from urllib.parse import quote

import pytest

from shuxiang.patrons import services


@pytest.fixture
def two_classes(school_class, make_patron, make_class):
    other = make_class("八年级1班")
    make_patron(card="R000001", name="张小明", class_name="七年级3班", student_number="S1")
    make_patron(card="R000002", name="李华", class_name="七年级3班", student_number="S2")
    make_patron(card="R000003", name="王芳", class_name="八年级1班")
    make_patron(card="R000009", name="陈老师", category="teacher")
    return school_class, other


def test_classes_list(api, librarian, two_classes):
    response = api(librarian).get("/api/v1/classes")
    assert response.status_code == 200
    body = response.json()
    assert [(c["name"], c["grade"], c["students"], c["school_year"]) for c in body] == [
        ("七年级3班", 7, 2, 2026),
        ("八年级1班", 8, 1, 2026),
    ]
    assert api(librarian).get("/api/v1/classes?year=2020").json() == []


def test_class_patrons_by_any_spelling(api, librarian, two_classes):
    for name in ["七年级3班", "初一(3)班", "7年级3班"]:
        response = api(librarian).get(f"/api/v1/classes/{quote(name)}/patrons")
        assert response.status_code == 200, name
        assert [
            (p["card"], p["name"], p["class_name"], p["category"]) for p in response.json()
        ] == [
            ("R000002", "李华", "七年级3班", "student"),
            ("R000001", "张小明", "七年级3班", "student"),
        ]
    missing = api(librarian).get(f"/api/v1/classes/{quote('九年级9班')}/patrons")
    assert missing.status_code == 404 and missing.json()["code"] == "class_not_found"


def test_assistant_sees_only_their_class(api, actor, make_user, two_classes):
    seventh, eighth = two_classes
    user = make_user("assistant", "helper")
    from shuxiang.patrons.models import Patron

    me = Patron.objects.get(card_number="R000001")
    me.user = user
    me.save()
    services.class_set_staff(actor=actor, class_id=seventh.pk, assistant_cards=["R000001"])
    assert [c["name"] for c in api(user).get("/api/v1/classes").json()] == ["七年级3班"]
    assert api(user).get(f"/api/v1/classes/{quote('七年级3班')}/patrons").status_code == 200
    refused = api(user).get(f"/api/v1/classes/{quote('八年级1班')}/patrons")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # A reader by card: their own class's, yes; another class's answers as if there
    # were no such card, like a card that does not exist.
    mine = Patron.objects.filter(school_class=seventh).exclude(card_number="R000001").first()
    theirs = Patron.objects.filter(school_class=eighth).first()
    assert api(user).get(f"/api/v1/patrons/{mine.card_number}").status_code == 200
    other = api(user).get(f"/api/v1/patrons/{theirs.card_number}")
    nobody = api(user).get("/api/v1/patrons/R999999")
    assert other.status_code == nobody.status_code == 404
    assert other.json()["code"] == nobody.json()["code"] == "patron_not_found"


@pytest.mark.parametrize("role", ["teacher", "student", "leader"])
def test_roles_without_circulation_are_refused(api, make_user, two_classes, role):
    response = api(make_user(role)).get("/api/v1/classes")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_unauthenticated(api, two_classes):
    assert api().get("/api/v1/classes").status_code == 401


def test_patron_endpoint_and_lost_card(api, actor, librarian, two_classes):
    body = api(librarian).get("/api/v1/patrons/R000001").json()
    assert (body["category"], body["class_name"], body["status"]) == (
        "student",
        "七年级3班",
        "active",
    )
    from shuxiang.patrons.models import Patron

    patron = Patron.objects.get(card_number="R000001")
    services.card_report_lost(actor=actor, patron_id=patron.pk)
    old = api(librarian).get("/api/v1/patrons/R000001")
    assert old.status_code == 409 and old.json()["code"] == "card_lost"
    patron.refresh_from_db()
    assert api(librarian).get(f"/api/v1/patrons/{patron.card_number}").json()["name"] == "张小明"


def test_openapi_lists_the_endpoints(api):
    paths = api().get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/classes" in paths and "/api/v1/classes/{name}/patrons" in paths
