"""The staff shell: the Chinese login page, the dashboard's figures, and who may enter."""

import datetime as dt

from django.http import HttpRequest

from shuxiang.circulation.models import Loan
from shuxiang.core import clock


def test_login_page_is_chinese(client, library):
    r = client.get("/staff/login/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "书香图书管理系统" in html
    assert "用户名" in html and "密码" in html
    assert "实验中学图书馆" in html


def test_staff_pages_send_anonymous_users_to_login(client, library):
    r = client.get("/staff/")
    assert r.status_code == 302
    assert r.url.startswith("/staff/login/")


def test_wrong_password_shows_an_error(client, librarian):
    r = client.post("/staff/login/", {"username": "librarian1", "password": "wrong"})
    assert r.status_code == 200
    assert "用户名或密码不正确" in r.content.decode()


def test_dashboard_shows_the_days_figures(client, librarian, library, make_item, make_patron):
    patron = make_patron()
    items = [make_item() for _ in range(3)]
    now = clock.now()
    today = clock.today()
    Loan.objects.create(
        library=library,
        item=items[0],
        patron=patron,
        checked_out_at=now,
        due_date=today + dt.timedelta(days=14),
        channel="web",
    )
    Loan.objects.create(
        library=library,
        item=items[1],
        patron=patron,
        checked_out_at=now - dt.timedelta(days=30),
        due_date=today - dt.timedelta(days=3),
        channel="web",
    )
    Loan.objects.create(
        library=library,
        item=items[2],
        patron=patron,
        checked_out_at=now - dt.timedelta(days=10),
        due_date=today,
        returned_at=now,
        status="returned",
        channel="web",
    )
    assert client.login(request=HttpRequest(), username="librarian1", password="secret123")
    r = client.get("/staff/")
    assert r.status_code == 200
    figures = r.context["figures"]
    assert figures["loans_today"] == 1
    assert figures["returns_today"] == 1
    assert figures["on_loan"] == 2
    assert figures["overdue"] == 1
    assert figures["items"] == 3
    assert figures["patrons"] == 1
    html = r.content.decode()
    assert "今日借出" in html and "逾期未还" in html


def test_students_and_teachers_do_not_enter_the_staff_pages(client, make_user):
    for role in ["student", "teacher"]:
        make_user(role)
        assert client.login(request=HttpRequest(), username=f"{role}1", password="secret123")
        # /staff/ itself sends them on to their own page; the staff pages stay shut.
        home = client.get("/staff/")
        assert home.status_code == 302 and home["Location"] == "/my/"
        assert client.get("/staff/circulation/").status_code == 403
        client.logout()


def test_navigation_shows_only_what_the_role_may_use(client, make_user):
    make_user("leader")
    assert client.login(request=HttpRequest(), username="leader1", password="secret123")
    html = client.get("/staff/").content.decode()
    assert "审计日志" not in html
    assert "系统管理" not in html


def test_audit_page_lists_events(client, make_user, make_bib):
    make_bib("审计测试书")
    make_user("admin", username="boss")
    assert client.login(request=HttpRequest(), username="boss", password="secret123")
    r = client.get("/staff/audit/")
    assert r.status_code == 200
    assert "bib.create" in r.content.decode()
