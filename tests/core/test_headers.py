"""Headers and sessions for shared library PCs: a Content-Security-Policy everywhere,
no caching of pages with reader data, HTTPS settings, and logins that end when idle."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

from django.contrib.sessions.models import Session
from django.utils import timezone


def test_every_page_sends_a_content_security_policy(client, library):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_policy_built_once_is_django_csps_and_follows_the_settings(client, library, settings):
    from csp.utils import build_policy

    first = client.get("/")["Content-Security-Policy"]
    assert first == build_policy()
    assert client.get("/staff/login/")["Content-Security-Policy"] == first
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "https://example.org"]}
    }
    changed = client.get("/")["Content-Security-Policy"]
    assert "https://example.org" in changed and changed != first


def test_public_pages_may_be_cached_but_signed_in_pages_are_not(client, library, librarian):
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(librarian)
    assert client.get("/staff/")["Cache-Control"] == "no-store"


def test_api_answers_with_reader_data_are_not_cached(api, librarian, make_patron):
    make_patron(card="R000001")
    response = api(librarian).get("/api/v1/patrons/R000001")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_login_ends_after_the_idle_time(client, library, librarian, settings):
    client.force_login(librarian)
    assert client.get("/staff/").status_code == 200
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    session = Session.objects.get()
    # Half an hour and a minute without a request.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_activity_moves_the_end_of_the_session_on(client, library, librarian):
    client.force_login(librarian)
    client.get("/staff/")
    session = Session.objects.get()
    soon = timezone.now() + dt.timedelta(minutes=5)
    data = session.get_decoded()
    data["seen"] = 0  # last refreshed long ago
    Session.objects.filter(pk=session.pk).update(
        expire_date=soon, session_data=Session.objects.encode(data)
    )
    client.get("/staff/")
    assert Session.objects.get().expire_date > soon + dt.timedelta(minutes=20)


PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,
                  s.SECURE_SSL_REDIRECT]))
"""


def _settings_with(env: dict[str, str], tmp_path) -> list:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shuxiang.settings",
            "SHUXIANG_VAR_DIR": str(tmp_path),
            **env,
        },
        check=True,
    )
    return json.loads(result.stdout)


def test_https_deployments_get_secure_cookies_and_hsts(tmp_path):
    assert _settings_with({}, tmp_path) == [False, False, 0, False]
    assert _settings_with({"SHUXIANG_HTTPS": "true"}, tmp_path) == [True, True, 31536000, True]


def test_hsts_is_sent_over_https(client, library, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_login_deactivated_elsewhere_is_signed_out_at_the_next_request(
    client, library, librarian
):
    from django.contrib.auth import get_user_model

    client.force_login(librarian)
    assert client.get("/staff/").status_code == 200
    get_user_model().objects.filter(pk=librarian.pk).update(is_active=False)  # another process
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
