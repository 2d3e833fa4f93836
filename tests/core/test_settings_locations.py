"""Locations (馆藏地点) from the settings page: add, rename, change the kind, take out of
use and back; one that holds copies is never deleted. Each change is audited and scoped
to the library."""

from __future__ import annotations

import pytest

from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent, Location
from shuxiang.core.selectors import locations_of
from shuxiang.core.services import (
    library_setup,
    location_create,
    location_delete,
    location_set_active,
    location_update,
    user_create,
)


@pytest.fixture
def other_school(db):
    two = library_setup(code="school-02", name="二中图书馆")
    admin2 = user_create(library=two, username="admin2", role="admin", password="secret123")
    return Actor(library=two, user=admin2)


@pytest.fixture
def shelved(actor):
    """Two copies in the stacks."""
    from shuxiang.catalog.services import bib_create, item_create

    bib = bib_create(actor=actor, title="朝花夕拾")
    for barcode in ("10000001", "10000002"):
        item_create(actor=actor, bib_id=bib.pk, barcode=barcode, location_code="stacks")
    return Location.objects.get(library=actor.library, code="stacks")


def test_add_rename_change_kind_with_audit_events(actor, library):
    corner = location_create(
        actor=actor, code="corner-7-1", name="七年级1班图书角", kind="class_corner"
    )
    assert corner.library == library and corner.active
    assert AuditEvent.objects.get(action="location.create").after == {
        "code": "corner-7-1",
        "name": "七年级1班图书角",
        "kind": "class_corner",
        "active": True,
    }
    location_update(actor=actor, location_id=corner.pk, name="七年级一班图书角", kind="other")
    corner.refresh_from_db()
    assert (corner.name, corner.kind, corner.code) == ("七年级一班图书角", "other", "corner-7-1")
    event = AuditEvent.objects.get(action="location.update")
    assert event.before["name"] == "七年级1班图书角" and event.after["kind"] == "other"
    # saving without a change writes no event
    location_update(actor=actor, location_id=corner.pk, name="七年级一班图书角", kind="other")
    assert AuditEvent.objects.filter(action="location.update").count() == 1


@pytest.mark.parametrize(
    ("code", "name", "kind", "error", "err_code"),
    [
        ("", "新书架", "stacks", Invalid, "invalid_code"),
        ("新书", "新书架", "stacks", Invalid, "invalid_code"),
        ("a b", "新书架", "stacks", Invalid, "invalid_code"),
        ("STACKS", "新书架", "stacks", Conflict, "location_code_taken"),
        ("new", "", "stacks", Invalid, "name_required"),
        ("new", "书库", "stacks", Conflict, "location_name_taken"),
        ("new", "新书架", "attic", Invalid, "invalid_kind"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(actor, code, name, kind, error, err_code):
    before = (Location.objects.count(), AuditEvent.objects.count())
    with pytest.raises(error) as refused:
        location_create(actor=actor, code=code, name=name, kind=kind)
    assert refused.value.code == err_code and refused.value.message
    assert (Location.objects.count(), AuditEvent.objects.count()) == before


def test_codes_and_names_are_per_library(actor, other_school):
    location_create(actor=other_school, code="corner", name="图书角", kind="class_corner")
    location_create(actor=actor, code="corner", name="图书角", kind="class_corner")
    assert Location.objects.filter(code="corner").count() == 2


def test_deactivate_and_reactivate_keep_one_location_in_use(actor, library):
    ids = list(Location.objects.filter(library=library).values_list("pk", flat=True))
    for pk in ids[:-1]:
        location_set_active(actor=actor, location_id=pk, active=False)
    with pytest.raises(Conflict) as refused:
        location_set_active(actor=actor, location_id=ids[-1], active=False)
    assert refused.value.code == "last_location"
    assert Location.objects.filter(library=library, active=True).count() == 1
    location_set_active(actor=actor, location_id=ids[0], active=True)
    assert AuditEvent.objects.filter(action="location.deactivate").count() == len(ids) - 1
    assert AuditEvent.objects.filter(action="location.reactivate").count() == 1


def test_a_location_with_copies_cannot_be_deleted(actor, library, shelved):
    with pytest.raises(Conflict) as refused:
        location_delete(actor=actor, location_id=shelved.pk)
    assert refused.value.code == "location_in_use" and "2 条馆藏记录" in str(refused.value)
    assert Location.objects.filter(pk=shelved.pk).exists()
    assert not AuditEvent.objects.filter(action="location.delete").exists()
    rows = {row["location"].code: row["in_use"] for row in locations_of(library)}
    assert rows == {"stacks": 2, "reading": 0, "teachers": 0}
    # an unused one can go, with an audit event
    spare = location_create(actor=actor, code="spare", name="备用", kind="other")
    location_delete(actor=actor, location_id=spare.pk)
    assert not Location.objects.filter(pk=spare.pk).exists()
    assert AuditEvent.objects.get(action="location.delete").before["code"] == "spare"


def test_another_schools_location_is_not_found(actor, library, other_school):
    stacks = Location.objects.get(library=library, code="stacks")
    for call in (
        lambda: location_update(
            actor=other_school, location_id=stacks.pk, name="偷来的", kind="stacks"
        ),
        lambda: location_set_active(actor=other_school, location_id=stacks.pk, active=False),
        lambda: location_delete(actor=other_school, location_id=stacks.pk),
    ):
        with pytest.raises(NotFound):
            call()
    stacks.refresh_from_db()
    assert stacks.name == "书库" and stacks.active


# -- the page ------------------------------------------------------------------------------


def test_the_locations_page(client, librarian, library, shelved):
    client.force_login(librarian)
    url = "/staff/settings/locations/"
    page = client.get(url).content.decode()
    assert "书库" in page and "教师阅览室" in page and "班级图书角" in page
    response = client.post(
        url,
        {
            "action": "create",
            "code": "corner-7-1",
            "name": "七年级1班图书角",
            "kind": "class_corner",
        },
        follow=True,
    )
    assert "已添加馆藏地点“七年级1班图书角”。" in response.content.decode()
    corner = Location.objects.get(library=library, code="corner-7-1")
    response = client.post(
        url,
        {"action": "update", "id": corner.pk, "name": "七年级一班图书角", "kind": "class_corner"},
        follow=True,
    )
    assert "已保存“七年级一班图书角”。" in response.content.decode()
    response = client.post(url, {"action": "deactivate", "id": corner.pk}, follow=True)
    assert "已停用“七年级一班图书角”。" in response.content.decode()
    response = client.post(url, {"action": "delete", "id": shelved.pk})
    assert response.status_code == 409 and "不能删除" in response.content.decode()
    response = client.post(url, {"action": "delete", "id": corner.pk}, follow=True)
    assert "已删除馆藏地点。" in response.content.decode()
    assert not Location.objects.filter(pk=corner.pk).exists()


def test_bad_input_on_the_page_keeps_the_form(client, librarian):
    client.force_login(librarian)
    before = Location.objects.count()
    response = client.post(
        "/staff/settings/locations/",
        {"action": "create", "code": "新书", "name": "新书展架", "kind": "other"},
    )
    page = response.content.decode()
    assert response.status_code == 422 and "代码只能由字母、数字、连字符和下划线组成" in page
    assert 'value="新书展架"' in page and Location.objects.count() == before


def test_another_schools_admin_gets_404(client, library, other_school):
    stacks = Location.objects.get(library=library, code="stacks")
    client.force_login(other_school.user)
    for action in ("update", "deactivate", "delete"):
        response = client.post(
            "/staff/settings/locations/",
            {"action": action, "id": stacks.pk, "name": "偷来的", "kind": "stacks"},
        )
        assert response.status_code == 404
    stacks.refresh_from_db()
    assert stacks.name == "书库" and stacks.active
    page = client.get("/staff/settings/locations/").content.decode()
    assert page.count("<code>stacks</code>") == 1  # its own only
