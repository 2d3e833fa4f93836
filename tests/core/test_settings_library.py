"""The library's details (图书馆设置 → 基本信息) and who opens the settings pages: the
school's admin and the librarian (capability manage_settings), nobody else."""

from __future__ import annotations

import pytest

from shuxiang.core import grade_systems
from shuxiang.core.errors import Invalid
from shuxiang.core.models import AuditEvent, Library
from shuxiang.core.permissions import can
from shuxiang.core.services import library_setup, library_update, user_create

PAGES = [
    "/staff/settings/",
    "/staff/settings/hours/",
    "/staff/settings/calendar/",
    "/staff/settings/formats/",
    "/staff/settings/locations/",
]


@pytest.fixture
def systems(monkeypatch):
    monkeypatch.setattr(grade_systems, "_CHOICES", [])
    grade_systems.register(lambda: [("6-3", "六三制"), ("9", "九年一贯制"), ("high", "高中")])


def test_details_are_changed_with_one_audit_event(actor, library, systems):
    library_update(actor=actor, name=" 实验中学 图书馆 ", school_name="实验中学", grade_system="9")
    library.refresh_from_db()
    assert (library.name, library.school_name, library.grade_system) == (
        "实验中学 图书馆",
        "实验中学",
        "9",
    )
    event = AuditEvent.objects.get(action="library.update")
    assert event.before == {"name": "实验中学图书馆", "grade_system": "6-3"}
    assert event.after == {"name": "实验中学 图书馆", "grade_system": "9"}
    assert actor.library.name == "实验中学 图书馆"  # the caller's copy shows it too
    library_update(actor=actor, name="实验中学 图书馆", school_name="实验中学")
    assert AuditEvent.objects.filter(action="library.update").count() == 1  # no change, no event


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "   "}, "required"),
        ({"name": "图" * 201}, "too_long"),
        ({"school_name": "校" * 201}, "too_long"),
        ({"grade_system": "7-2"}, "unknown_grade_system"),
    ],
)
def test_bad_details_are_refused_and_change_nothing(actor, library, systems, fields, code):
    with pytest.raises(Invalid) as refused:
        library_update(actor=actor, **fields)
    assert refused.value.code == code and refused.value.message
    assert Library.objects.get(pk=library.pk).name == "实验中学图书馆"
    assert not AuditEvent.objects.filter(action="library.update").exists()


def test_without_registered_grade_systems_only_the_current_one_is_kept(actor, library, monkeypatch):
    monkeypatch.setattr(grade_systems, "_CHOICES", [])
    library_update(actor=actor, grade_system="6-3")  # unchanged is fine
    with pytest.raises(Invalid):
        library_update(actor=actor, grade_system="9")


def test_the_current_grade_system_is_shown_whatever_is_registered(client, librarian):
    client.force_login(librarian)
    page = client.get("/staff/settings/").content.decode()
    assert 'name="grade_system"' in page and 'value="6-3" selected' in page


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("librarian", True),
        ("assistant", False),
        ("leader", False),
        ("teacher", False),
    ],
)
def test_who_opens_the_settings_pages(client, make_user, role, allowed):
    user = make_user(role, username=f"{role}9")
    assert can(user, "manage_settings") is allowed
    client.force_login(user)
    for url in PAGES:
        response = client.get(url)
        if allowed:
            assert response.status_code == 200, url
        else:
            assert response.status_code in (302, 403), url
    dashboard = client.get("/staff/", follow=True).content.decode()
    assert ("图书馆设置" in dashboard) is allowed


def test_the_menu_entry_stays_highlighted_on_every_tab(client, librarian):
    client.force_login(librarian)
    for url in PAGES:
        page = client.get(url).content.decode()
        assert 'href="/staff/settings/" class="active">图书馆设置</a>' in page, url
        assert page.count('class="active" aria-current="page"') == 1


def test_the_details_page_saves_and_refuses(client, librarian, library):
    client.force_login(librarian)
    response = client.post(
        "/staff/settings/",
        {"name": "书香实验中学图书馆", "school_name": "书香实验中学", "grade_system": "6-3"},
        follow=True,
    )
    assert "已保存图书馆信息。" in response.content.decode()
    library.refresh_from_db()
    assert library.name == "书香实验中学图书馆"
    response = client.post(
        "/staff/settings/", {"name": "", "school_name": "x", "grade_system": "6-3"}
    )
    assert response.status_code == 422 and "请填写图书馆名称。" in response.content.decode()
    assert Library.objects.get(pk=library.pk).school_name == "书香实验中学"


def test_the_pages_speak_english(client, librarian):
    client.force_login(librarian)
    client.cookies["django_language"] = "en"
    for url in PAGES:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Library settings" in page, url


def test_another_schools_admin_changes_only_their_own_library(client, library):
    two = library_setup(code="school-02", name="二中图书馆")
    admin2 = user_create(library=two, username="admin2", role="admin", password="secret123")
    client.force_login(admin2)
    page = client.get("/staff/settings/").content.decode()
    assert "二中图书馆" in page and "实验中学图书馆" not in page
    client.post(
        "/staff/settings/", {"name": "第二中学图书馆", "school_name": "", "grade_system": "6-3"}
    )
    assert Library.objects.get(pk=two.pk).name == "第二中学图书馆"
    assert Library.objects.get(pk=library.pk).name == "实验中学图书馆"
