"""Login throttling (django-axes): 10 failures lock an account, and separately an
address, for 15 minutes on the staff login page and the API's token endpoint; the
answer is 429 with the time to try again; a librarian can unlock from the logins page."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from shuxiang.core import throttle
from shuxiang.core.audit import Actor
from shuxiang.core.models import AuditEvent
from shuxiang.core.services import user_unlock

LOCKED = "登录失败次数过多，已暂时锁定。请在 "


def _login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/staff/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, librarian):
    answers = [_login(client, "librarian1", f"wrong{i}").status_code for i in range(30)]
    assert answers[:9] == [200] * 9  # the form again, "用户名或密码不正确"
    assert set(answers[9:]) == {429}
    r = _login(client, "librarian1", "secret123")
    assert r.status_code == 429
    html = r.content.decode()
    assert LOCKED in html and "以后再试，或请图书管理员解锁。" in html
    assert 'name="password"' in html and 'value="librarian1"' in html  # the form is shown
    until = timezone.localtime(throttle.locked_until(username="librarian1", ip_address=None))
    assert f"请在 {until:%H:%M} 以后再试" in html
    assert 14 * 60 <= int(r["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


def test_after_the_cool_off_the_right_password_is_accepted(client, librarian):
    for i in range(10):
        _login(client, "librarian1", f"wrong{i}")
    assert _login(client, "librarian1", "secret123").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    r = _login(client, "librarian1", "secret123")
    assert r.status_code == 302 and r.url == "/staff/"
    assert not AccessAttempt.objects.filter(username="librarian1").exists()  # reset on success


def test_nine_failures_and_a_success_start_again(client, librarian):
    for i in range(9):
        _login(client, "librarian1", f"wrong{i}")
    assert _login(client, "librarian1", "secret123").status_code == 302
    client.logout()
    for i in range(9):
        assert _login(client, "librarian1", f"again{i}").status_code == 200


def test_the_lock_is_per_account_across_addresses(client, librarian):
    for i in range(10):
        _login(client, "librarian1", f"wrong{i}", address=f"10.0.1.{i}")
    assert _login(client, "librarian1", "secret123", address="10.0.2.1").status_code == 429


def test_the_lock_is_per_address_across_usernames(client, make_user):
    make_user("librarian", username="alice")
    make_user("librarian", username="bob")
    make_user("librarian", username="carol")
    for i in range(5):
        _login(client, "alice", f"wrong{i}", address="10.0.3.3")
        _login(client, "bob", f"wrong{i}", address="10.0.3.3")
    r = _login(client, "carol", "secret123", address="10.0.3.3")
    assert r.status_code == 429 and LOCKED in r.content.decode()
    assert _login(client, "carol", "secret123", address="10.0.3.4").status_code == 302


def test_the_api_answers_json_429(client, librarian):
    def token(password):
        return client.post(
            "/api/v1/auth/token",
            {"username": "librarian1", "password": password},
            content_type="application/json",
            REMOTE_ADDR="10.0.4.4",
        )

    for i in range(9):
        assert token(f"wrong{i}").status_code == 401
    assert token("wrong9").status_code == 429
    r = token("secret123")
    assert r.status_code == 429
    body = r.json()
    assert body["code"] == "login_locked" and body["message"].startswith(LOCKED)
    r = client.post(
        "/api/v1/auth/token",
        {"username": "librarian1", "password": "secret123"},
        content_type="application/json",
        REMOTE_ADDR="10.0.4.4",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 429
    assert r.json()["message"].startswith("Too many failed logins: temporarily locked.")


def test_a_librarian_unlocks_a_login(client, librarian, make_user):
    teacher = make_user("teacher")
    for i in range(10):
        _login(client, "teacher1", f"wrong{i}")
    assert throttle.locked_usernames(["teacher1", "librarian1"]) == {"teacher1"}
    client.force_login(librarian)
    html = client.get("/staff/logins/").content.decode()
    assert "已锁定" in html and "解锁" in html
    r = client.post(f"/staff/logins/{teacher.pk}/", {"action": "unlock"}, follow=True)
    assert "已解锁 teacher1。" in r.content.decode()
    event = AuditEvent.objects.get(action="user.unlock")
    assert event.actor_id == librarian.pk and event.before == {"failures": 10}
    client.logout()
    r = _login(client, "teacher1", "secret123")
    assert r.status_code == 302


def test_unlock_also_clears_the_address_the_failures_came_from(librarian, make_user):
    from django.test import Client

    teacher = make_user("teacher")
    client = Client()
    for i in range(10):
        _login(client, "teacher1", f"wrong{i}", address="10.0.5.5")
    user_unlock(
        actor=Actor(library=librarian.membership.library, user=librarian), user_id=teacher.pk
    )
    assert _login(client, "librarian1", "secret123", address="10.0.5.5").status_code == 302


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_address_behind_a_proxy(rf, settings, proxies):
    settings.SHUXIANG_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.1.1.1")
    assert throttle.client_address(request) == ("10.9.9.9" if proxies == 0 else "10.1.1.1")
