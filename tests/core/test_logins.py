"""The logins page (账号): a school runs its logins without the Django admin. Each change
is a service with an audit event, scoped to the library; bad input changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, Invalid, NotFound
from shuxiang.core.models import AuditEvent
from shuxiang.core.permissions import role_of
from shuxiang.core.services import (
    library_setup,
    user_create,
    user_deactivate,
    user_password_set,
    user_reactivate,
    user_role_set,
)

User = get_user_model()


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", username="boss")


def _actor(user):
    return Actor(library=user.membership.library, user=user)


def test_a_librarian_creates_a_teacher_login_with_an_audit_event(librarian):
    user = user_create(
        actor=_actor(librarian),
        username="wang",
        role="teacher",
        password="secret123",
        full_name="王老师",
    )
    assert role_of(user) == "teacher" and user.membership.library == librarian.membership.library
    assert not user.is_staff and not user.is_superuser
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert event.actor_id == librarian.pk and event.after["role"] == "teacher"


def test_only_an_admin_makes_or_manages_admins(librarian, admin_user, make_user):
    with pytest.raises(Forbidden) as refused:
        user_create(actor=_actor(librarian), username="x1", role="admin", password="secret123")
    assert refused.value.code == "role_not_allowed"
    assert not User.objects.filter(username="x1").exists()
    with pytest.raises(Forbidden):
        user_password_set(actor=_actor(librarian), user_id=admin_user.pk, password="hacked1")
    with pytest.raises(Forbidden):
        user_deactivate(actor=_actor(librarian), user_id=admin_user.pk)
    teacher = make_user("teacher")
    with pytest.raises(Forbidden):
        user_role_set(actor=_actor(librarian), user_id=teacher.pk, role="admin")
    assert role_of(teacher) == "teacher"
    second = user_create(actor=_actor(admin_user), username="boss2", role="admin", password="s" * 6)
    assert role_of(second) == "admin" and not second.is_superuser


@pytest.mark.parametrize(
    ("username", "role", "password", "error", "code"),
    [
        ("", "teacher", "secret123", Invalid, "username_required"),
        ("has space", "teacher", "secret123", Invalid, "username_invalid"),
        ("librarian1", "teacher", "secret123", Conflict, "username_taken"),
        ("LIBRARIAN1", "teacher", "secret123", Conflict, "username_taken"),
        ("new1", "teacher", "123", Invalid, "password_too_short"),
        ("new1", "wizard", "secret123", Invalid, "unknown_role"),
        ("new1", "student", "secret123", Forbidden, "role_not_allowed"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(librarian, username, role, password, error, code):
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(error) as refused:
        user_create(actor=_actor(librarian), username=username, role=role, password=password)
    assert refused.value.code == code
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_password_role_deactivate_reactivate(librarian, make_user):
    actor = _actor(librarian)
    teacher = make_user("teacher")
    user_password_set(actor=actor, user_id=teacher.pk, password="newpass1")
    teacher.refresh_from_db()
    assert teacher.check_password("newpass1")
    user_role_set(actor=actor, user_id=teacher.pk, role="leader")
    assert role_of(User.objects.get(pk=teacher.pk)) == "leader"
    user_deactivate(actor=actor, user_id=teacher.pk)
    assert not User.objects.get(pk=teacher.pk).is_active
    user_reactivate(actor=actor, user_id=teacher.pk)
    assert User.objects.get(pk=teacher.pk).is_active
    actions = list(
        AuditEvent.objects.filter(object_id=str(teacher.pk), object_type="auth.user")
        .order_by("id")
        .values_list("action", "before", "after")
    )
    assert actions[1:] == [
        ("user.password_set", None, None),
        ("user.role_set", {"role": "teacher"}, {"role": "leader"}),
        ("user.deactivate", {"is_active": True}, {"is_active": False}),
        ("user.reactivate", {"is_active": False}, {"is_active": True}),
    ]
    with pytest.raises(Invalid):
        user_password_set(actor=actor, user_id=teacher.pk, password="short")


def test_not_on_ones_own_login(librarian):
    actor = _actor(librarian)
    with pytest.raises(Forbidden) as refused:
        user_deactivate(actor=actor, user_id=librarian.pk)
    assert refused.value.code == "own_login"
    with pytest.raises(Forbidden):
        user_role_set(actor=actor, user_id=librarian.pk, role="admin")
    librarian.refresh_from_db()
    assert librarian.is_active and role_of(librarian) == "librarian"


def test_another_librarys_login_is_not_found(librarian):
    other = library_setup(code="other", name="别校图书馆")
    stranger = user_create(library=other, username="stranger", role="teacher", password="s" * 6)
    for change in (user_deactivate, user_reactivate):
        with pytest.raises(NotFound):
            change(actor=_actor(librarian), user_id=stranger.pk)
    with pytest.raises(NotFound):
        user_password_set(actor=_actor(librarian), user_id=stranger.pk, password="hacked1")
    stranger.refresh_from_db()
    assert stranger.is_active and stranger.check_password("s" * 6)


# -- the page ----------------------------------------------------------------------------


def test_the_page_lists_this_librarys_logins_in_chinese(client, librarian, make_user):
    make_user("teacher")
    other = library_setup(code="other", name="别校图书馆")
    user_create(library=other, username="stranger", role="teacher", password="s" * 6)
    client.force_login(librarian)
    r = client.get("/staff/logins/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "teacher1" in html and "教师" in html and "librarian1" in html
    assert "stranger" not in html
    assert 'href="/staff/logins/"' in html  # the menu entry 账号
    # A librarian may give every role below admin, not admin.
    create_roles = html.split('id="id_role"')[1].split("</select>")[0]
    assert 'value="leader"' in create_roles and 'value="admin"' not in create_roles


def test_who_sees_the_logins_page(client, make_user):
    for role, status in [("admin", 200), ("librarian", 200), ("assistant", 403), ("leader", 403)]:
        client.force_login(make_user(role))
        assert client.get("/staff/logins/").status_code == status, role
        html = client.get("/staff/").content.decode() if status == 200 else ""
        assert (status != 200) or "账号" in html


def test_create_from_the_page_and_bad_input_keeps_the_form(client, librarian):
    client.force_login(librarian)
    r = client.post(
        "/staff/logins/",
        {"username": "zhao", "full_name": "赵老师", "role": "teacher", "password": "secret123"},
    )
    assert r.status_code == 302
    assert role_of(User.objects.get(username="zhao")) == "teacher"
    r = client.post(
        "/staff/logins/",
        {"username": "qian", "full_name": "钱老师", "role": "teacher", "password": "12"},
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "密码至少需要 6 个字符。" in html and 'value="qian"' in html
    assert not User.objects.filter(username="qian").exists()


def test_actions_from_the_page(client, librarian, make_user):
    teacher = make_user("teacher")
    client.force_login(librarian)
    url = f"/staff/logins/{teacher.pk}/"
    r = client.post(url, {"action": "deactivate", "back": "?role=teacher"})
    assert r.status_code == 302 and r.url == "/staff/logins/?role=teacher"
    assert not User.objects.get(pk=teacher.pk).is_active
    r = client.post(url, {"action": "role", "role": "admin"}, follow=True)
    assert "您不能授予“学校管理员”角色。" in r.content.decode()
    assert role_of(User.objects.get(pk=teacher.pk)) == "teacher"
    r = client.post(f"/staff/logins/{librarian.pk}/", {"action": "deactivate"}, follow=True)
    assert "不能对自己的账号执行此操作。" in r.content.decode()
    assert client.get(url).status_code == 405
