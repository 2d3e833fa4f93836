"""The reads every signed-in request makes (its session, its user, the login's library)
are prepared statements: they must answer exactly as Django's ORM queries did, so an
expired or deleted session, a deactivated login and a login without a library are
refused at once."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.utils import timezone

from shuxiang.core.auth_backend import CachedModelBackend
from shuxiang.core.libraries import library_of_user
from shuxiang.core.sessions import SessionStore


def test_the_session_is_read_while_it_lasts(client, librarian):
    client.force_login(librarian)
    assert client.get("/staff/circulation/ping").status_code == 204
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()["_auth_user_id"] == str(librarian.pk)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert client.get("/staff/circulation/ping").status_code == 302  # to the login page


def test_a_session_deleted_elsewhere_signs_out(client, librarian):
    client.force_login(librarian)
    Session.objects.all().delete()  # e.g. signed out on another PC's process
    assert client.get("/staff/circulation/ping").status_code == 302


def test_the_user_is_read_on_every_request(client, librarian):
    client.force_login(librarian)
    assert client.get("/staff/circulation/ping").status_code == 204
    librarian.is_active = False
    librarian.save(update_fields=["is_active"])
    assert client.get("/staff/circulation/ping").status_code == 302
    backend = CachedModelBackend()
    assert backend.get_user(str(librarian.pk)) is None
    librarian.is_active = True
    librarian.save(update_fields=["is_active"])
    assert backend.get_user(str(librarian.pk)) == librarian
    assert backend.get_user("not-a-number") is None
    assert backend.get_user("999999") is None


def test_the_library_of_a_login(library, librarian, django_user_model):
    assert library_of_user(librarian) == library
    assert library_of_user(librarian).card_pattern == library.card_pattern
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert library_of_user(nobody) is None
    root = django_user_model.objects.create_superuser("root", password="x")
    assert library_of_user(root) == library  # the default library
    assert library_of_user(None) is None
