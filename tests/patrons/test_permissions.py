"""The permission matrix, role by role: who may see a reader, their history, a class,
its reading, the statistics; who may act for which class."""

import pytest

from shuxiang.core import permissions as p
from shuxiang.patrons import services
from shuxiang.patrons.models import Patron


@pytest.fixture
def world(actor, school_class, make_user, make_patron, make_class):
    """Two classes; a reader in each; a login per role; the assistant and the homeroom
    teacher belong to 七年级3班; a student login that is the reader 张小明."""
    other = make_class("八年级1班")
    mine = make_patron(card="R000001", name="张小明", class_name="七年级3班")
    theirs = make_patron(card="R000002", name="王芳", class_name="八年级1班")
    helper = make_patron(card="R000003", name="李助理", class_name="七年级3班")
    teacher = make_patron(card="R000004", name="陈老师", category="teacher")
    users = {
        role: make_user(role, f"u_{role}")
        for role in ["admin", "librarian", "assistant", "teacher", "student", "leader"]
    }
    for patron, role in [(helper, "assistant"), (teacher, "teacher"), (mine, "student")]:
        patron.user = users[role]
        patron.save()
    services.class_set_staff(
        actor=actor, class_id=school_class.pk, homeroom_card="R000004", assistant_cards=["R000003"]
    )
    return {"users": users, "mine": mine, "theirs": theirs, "class": school_class, "other": other}


def fresh(user):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)  # no cached permissions or patron


# role → (own-class reader, other-class reader) for each rule
VIEW_PATRON = {
    "admin": (True, True),
    "librarian": (True, True),
    "assistant": (True, False),
    "teacher": (True, False),
    "student": (True, False),  # the student is 张小明: sees themself only
    "leader": (False, False),
}
HISTORY_DISABLED = {
    "admin": (True, True),
    "librarian": (True, True),
    "assistant": (False, False),
    "teacher": (False, False),
    "student": (True, False),
    "leader": (False, False),
}
HISTORY_ENABLED = {**HISTORY_DISABLED, "teacher": (True, False)}
CLASS_PAGE = {
    "admin": (True, True),
    "librarian": (True, True),
    "assistant": (True, False),
    "teacher": (True, False),
    "student": (False, False),
    "leader": (False, False),
}
CLASS_READING_DISABLED = {
    "admin": (True, True),
    "librarian": (True, True),
    "assistant": (False, False),
    "teacher": (False, False),
    "student": (False, False),
    "leader": (False, False),
}
CLASS_READING_ENABLED = {**CLASS_READING_DISABLED, "teacher": (True, False)}
CIRCULATE_FOR = {
    "admin": (True, True),
    "librarian": (True, True),
    "assistant": (True, False),
    "teacher": (False, False),
    "student": (False, False),
    "leader": (False, False),
}
STATISTICS = {
    "admin": True,
    "librarian": True,
    "assistant": False,
    "teacher": False,
    "student": False,
    "leader": True,
}
MANAGE = {
    "admin": True,
    "librarian": True,
    "assistant": False,
    "teacher": False,
    "student": False,
    "leader": False,
}


@pytest.mark.parametrize("role", list(VIEW_PATRON))
def test_matrix(world, role):
    user = fresh(world["users"][role])
    mine, theirs = world["mine"], world["theirs"]
    own_class, other_class = world["class"], world["other"]
    assert (p.can_view_patron(user, mine), p.can_view_patron(user, theirs)) == VIEW_PATRON[role]
    for enabled, table in [(False, HISTORY_DISABLED), (True, HISTORY_ENABLED)]:
        got = (
            p.can_view_history(user, mine, homeroom_enabled=enabled),
            p.can_view_history(user, theirs, homeroom_enabled=enabled),
        )
        assert got == table[role], (role, enabled)
    assert (p.can_view_class(user, own_class), p.can_view_class(user, other_class)) == CLASS_PAGE[
        role
    ]
    for enabled, table in [(False, CLASS_READING_DISABLED), (True, CLASS_READING_ENABLED)]:
        got = (
            p.can_view_class_reading(user, own_class, homeroom_enabled=enabled),
            p.can_view_class_reading(user, other_class, homeroom_enabled=enabled),
        )
        assert got == table[role], (role, enabled)
    assert (
        p.can_circulate_for(user, class_id=own_class.pk),
        p.can_circulate_for(user, class_id=other_class.pk),
    ) == CIRCULATE_FOR[role]
    assert p.can(user, "view_reports") is STATISTICS[role]
    assert p.can(user, "manage_patrons") is MANAGE[role]


def test_homeroom_setting_is_read_from_the_library(world, actor):
    teacher = fresh(world["users"]["teacher"])
    assert not p.can_view_history(teacher, world["mine"])
    services.reader_settings_update(
        actor=actor, homeroom_sees_history=True, anonymize_after_years=3
    )
    assert p.can_view_history(teacher, Patron.objects.get(pk=world["mine"].pk))
    assert not p.can_view_history(teacher, world["theirs"])


def test_inactive_and_anonymous_users(world):
    user = fresh(world["users"]["librarian"])
    user.is_active = False
    assert not p.can_view_patron(user, world["mine"]) and not p.can_view_history(
        user, world["mine"]
    )
    from django.contrib.auth.models import AnonymousUser

    assert not p.can_view_patron(AnonymousUser(), world["mine"])
    assert not p.can_view_class(None, world["class"])
    assert p.role_of(fresh(world["users"]["assistant"])) == "assistant"
