"""Kiosk logins: made by `shuxiang createuser --role kiosk`, usable only over SIP2,
listed for the librarian with their last transaction and today's transactions."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shuxiang.core.permissions import role_of
from shuxiang.sip2.session import Session


def test_createuser_makes_a_kiosk_of_one_library(library):
    call_command("createuser", "gate1", "--role", "kiosk", "--password", "kiosk-secret")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="gate1")
    assert role_of(user) == "kiosk"
    assert user.membership.library == library
    assert not user.is_staff


def test_a_kiosk_cannot_sign_in_to_staff_pages_or_get_an_api_token(client, kiosk):
    response = client.post("/staff/login/", {"username": "kiosk1", "password": "kiosk-secret"})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/api/v1/auth/token",
        {"username": "kiosk1", "password": "kiosk-secret"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_a_kiosk_forced_into_a_session_gets_403(client, kiosk):
    client.force_login(kiosk)
    assert client.get("/staff/kiosks/").status_code == 403
    assert client.get("/staff/circulation/").status_code in (403, 404)


def test_kiosk_list_shows_todays_transactions(staff_client, kiosk, make_patron, make_item):
    make_patron(card="R700001", name="赵小燕", category="teacher")
    make_item(barcode="70000001")
    session = Session()
    assert session.handle_frame(b"9300CNkiosk1|COkiosk-secret|").startswith(b"941")
    checkout = b"11YN20261102    120000                  AOmain|AAR700001|AB70000001|"
    assert session.handle_frame(checkout).startswith(b"121")
    assert session.handle_frame(
        b"09N20261102    12000020261102    120000APdesk|AOmain|AB70000001|"
    ).startswith(b"101")
    response = staff_client.get("/staff/kiosks/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "kiosk1" in page
    row = page[page.index("kiosk1") :]
    assert "<td>1</td><td>1</td><td>0</td>" in row


@pytest.mark.parametrize("role", ["assistant", "leader", "teacher"])
def test_kiosk_page_is_for_librarians(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get("/staff/kiosks/").status_code == 403
