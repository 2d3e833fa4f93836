"""A school's admin controls only its school: the admin role is scoped to its library
like the others, and the Django admin (/staff/admin/) is the deployment superuser's
alone, every change made there audited."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from shuxiang.core.audit import Actor
from shuxiang.core.models import AuditEvent, Location
from shuxiang.core.permissions import can
from shuxiang.core.services import library_setup, superuser_create, user_create


@pytest.fixture
def two_schools(db):
    """school-01 with a reader, a class, a loan and its own logins; school-02's admin."""
    from shuxiang.catalog.services import bib_create, item_create
    from shuxiang.circulation.services import loan_checkout
    from shuxiang.patrons.models import SchoolClass
    from shuxiang.patrons.services import patron_create

    one = library_setup(code="school-01", name="一中图书馆")
    two = library_setup(code="school-02", name="二中图书馆")
    librarian1 = user_create(library=one, username="lib01", role="librarian", password="secret123")
    actor = Actor(library=one, user=librarian1)
    school_class = SchoolClass.objects.create(
        library=one, school_year=one.current_school_year, grade=7, number=1, name="七年级1班"
    )
    patron = patron_create(actor=actor, card="R100001", name="张小明", class_name="七年级1班")
    bib = bib_create(actor=actor, title="朝花夕拾")
    item = item_create(actor=actor, bib_id=bib.pk, barcode="10000001")
    loan = loan_checkout(actor=actor, card="R100001", barcode="10000001")
    admin2 = user_create(library=two, username="admin2", role="admin", password="secret123")
    return {
        "one": one,
        "two": two,
        "librarian1": librarian1,
        "patron": patron,
        "class": school_class,
        "item": item,
        "loan": loan,
        "admin2": admin2,
    }


def test_a_schools_admin_is_neither_superuser_nor_staff(two_schools):
    admin2 = two_schools["admin2"]
    assert not admin2.is_superuser and not admin2.is_staff
    assert not two_schools["librarian1"].is_staff
    assert can(admin2, "manage_library") and can(admin2, "manage_logins")
    assert not can(admin2, "manage_deployment")
    assert admin2.membership.library == two_schools["two"]


def test_the_django_admin_refuses_a_schools_admin(client, two_schools):
    one = two_schools
    client.force_login(one["admin2"])
    for path in [
        "/staff/admin/",
        "/staff/admin/login/",
        "/staff/admin/patrons/patron/",
        f"/staff/admin/patrons/patron/{one['patron'].pk}/change/",
        "/staff/admin/circulation/loan/",
        f"/staff/admin/circulation/loan/{one['loan'].pk}/change/",
        "/staff/admin/auth/user/",
        f"/staff/admin/auth/user/{one['librarian1'].pk}/change/",
        "/staff/admin/core/auditevent/",
        "/staff/admin/core/location/",
    ]:
        r = client.get(path)
        assert r.status_code == 403, (path, r.status_code)
    location = Location.objects.get(library=one["one"], code="stacks")
    r = client.post(
        f"/staff/admin/core/location/{location.pk}/change/",
        {"name": "被改名", "code": "stacks", "kind": "stacks", "library": one["one"].pk},
    )
    assert r.status_code == 403
    location.refresh_from_db()
    assert location.name == "书库"


def test_staff_pages_and_the_api_do_not_reach_another_school(client, api, two_schools):
    one = two_schools
    client.force_login(one["admin2"])
    patron, school_class = one["patron"], one["class"]
    for path in [
        f"/staff/patrons/{patron.pk}/",
        f"/staff/patrons/{patron.pk}/history/",
        f"/staff/patrons/{patron.pk}/export.json",
        f"/staff/patrons/classes/{school_class.pk}/",
        f"/staff/circulation/reader/{patron.card_number}/",
        f"/staff/circulation/class/{school_class.pk}/",
    ]:
        r = client.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
    r = client.post(
        f"/staff/logins/{one['librarian1'].pk}/", {"action": "password", "password": "hacked1"}
    )
    assert r.status_code == 302
    one["librarian1"].refresh_from_db()
    assert one["librarian1"].check_password("secret123")
    for path in ["/staff/logins/", "/staff/audit/"]:
        html = client.get(path).content.decode()
        assert "lib01" not in html and "张小明" not in html and "R100001" not in html, path
    html = client.get("/staff/patrons/?q=张小明").content.decode()
    assert f"/staff/patrons/{patron.pk}/" not in html and "七年级1班" not in html
    assert "一中" not in client.get("/staff/audit/").content.decode()

    a = api(one["admin2"])
    for path in [
        f"/api/v1/patrons/{patron.card_number}",
        f"/api/v1/patrons/{patron.card_number}/loans",
        f"/api/v1/items/{one['item'].barcode}",
        f"/api/v1/bibs/{one['item'].bib_id}",
        "/api/v1/classes/七年级1班/patrons",
    ]:
        r = a.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
    r = a.post("/api/v1/circulation/checkin", {"item": one["item"].barcode})
    assert r.status_code in (403, 404, 409)
    one["loan"].refresh_from_db()
    assert one["loan"].status == "on_loan"


def test_a_deployment_superusers_change_in_the_django_admin_is_audited(client, two_schools):
    root = superuser_create(username="root", password="secret123")
    assert root.is_superuser and not hasattr(root, "membership")
    client.force_login(root)
    assert client.get("/staff/admin/").status_code == 200
    location = Location.objects.get(library=two_schools["one"], code="stacks")
    r = client.post(
        f"/staff/admin/core/location/{location.pk}/change/",
        {"name": "新书库", "code": "stacks", "kind": "stacks", "library": two_schools["one"].pk},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    event = AuditEvent.objects.get(action="location.admin_change")
    assert event.channel == "admin"
    assert event.actor_id == root.pk
    assert event.library_id == two_schools["one"].pk
    assert event.before == {"name": "书库"} and event.after == {"name": "新书库"}

    group = Group.objects.get(name="leader")
    r = client.post("/staff/admin/auth/group/add/", {"name": "visitors"})
    assert r.status_code == 302
    added = AuditEvent.objects.get(action="group.admin_add")
    assert added.library_id is None and added.after["name"] == "visitors"
    r = client.post(
        "/staff/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )
    assert r.status_code == 302
    deleted = AuditEvent.objects.get(action="group.admin_delete")
    assert deleted.before["name"] == "leader"

    user = two_schools["librarian1"]
    r = client.post(
        f"/staff/admin/auth/user/{user.pk}/password/",
        {"password1": "brand-new-9", "password2": "brand-new-9", "usable_password": "true"},
    )
    assert r.status_code == 302
    changed = AuditEvent.objects.filter(action="user.admin_change", object_id=str(user.pk)).get()
    assert changed.library_id == two_schools["one"].pk
    assert "password" not in (changed.after or {}) and "password" not in (changed.before or {})


def test_the_staff_menu_shows_the_django_admin_to_the_superuser_only(client, two_schools):
    client.force_login(two_schools["admin2"])
    html = client.get("/staff/").content.decode()
    assert "账号" in html and "系统管理" not in html
    client.force_login(superuser_create(username="root", password="secret123"))
    assert "系统管理" in client.get("/staff/").content.decode()


def test_the_migration_takes_superuser_and_staff_from_existing_school_logins(db, library):
    User = get_user_model()
    old_admin = user_create(library=library, username="old-admin", role="admin", password="x" * 8)
    old_librarian = user_create(
        library=library, username="old-lib", role="librarian", password="x" * 8
    )
    User.objects.filter(pk=old_admin.pk).update(is_superuser=True, is_staff=True)
    User.objects.filter(pk=old_librarian.pk).update(is_staff=True)
    root = User.objects.create_superuser(username="root", password="x" * 8)

    migration = importlib.import_module("shuxiang.core.migrations.0005_library_scoped_admins")
    migration.scope_logins(global_apps, None)

    old_admin.refresh_from_db()
    old_librarian.refresh_from_db()
    root.refresh_from_db()
    assert (old_admin.is_superuser, old_admin.is_staff) == (False, False)
    assert (old_librarian.is_superuser, old_librarian.is_staff) == (False, False)
    assert root.is_superuser and root.is_staff  # the deployment's superuser keeps its flags
    events = AuditEvent.objects.filter(action="user.scope").order_by("object_id")
    assert [e.object_repr for e in events] == ["old-admin", "old-lib"]
    assert events[0].before == {"is_superuser": True, "is_staff": True}
    assert events[0].library_id == library.pk
    assert can(old_admin, "manage_logins") and can(old_librarian, "manage_logins")
