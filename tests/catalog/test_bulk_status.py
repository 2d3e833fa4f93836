"""Many copies to one state at once (`items_status_set_many`): set-based UPDATEs, one
audit event per copy changed, nothing else touched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuxiang.catalog import services
from shuxiang.catalog.models import Item
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Invalid
from shuxiang.core.models import AuditEvent
from shuxiang.core.services import library_setup

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 10, 15, 0, tzinfo=dt.UTC)


def test_many_copies_change_each_audited(actor, make_item):
    items = [make_item(barcode=f"8100{n:04d}") for n in range(1200)]
    Item.objects.filter(pk=items[0].pk).update(status="missing")
    Item.objects.filter(pk=items[1].pk).update(status="in_repair")
    ids = [i.pk for i in items] + [items[5].pk]  # a repeat counts once
    with CaptureQueriesContext(connection) as queries, clock.frozen_at(AT):
        changed = services.items_status_set_many(
            actor=actor, item_ids=ids, status="missing", action="item.missing", after={"x": 1}
        )
    assert changed == 1199
    assert Item.objects.filter(status="missing").count() == 1200
    # Reads, UPDATEs and audit INSERTs by the chunk (and by SQLite's cap on a
    # statement's parameters), not two statements by the copy.
    assert len(queries) < 60
    events = AuditEvent.objects.filter(action="item.missing")
    assert events.count() == 1199
    repaired = events.get(object_id=str(items[1].pk))
    assert repaired.before == {"item_status": "in_repair"}
    assert repaired.after == {"item_status": "missing", "x": 1}
    assert repaired.object_type == "catalog.item" and repaired.object_repr == "81000001"
    assert repaired.actor_id == actor.user.pk and repaired.at == AT
    assert Item.objects.get(pk=items[2].pk).updated_at == AT
    assert not events.filter(object_id=str(items[0].pk)).exists()  # already missing


def test_another_librarys_copies_and_bad_states_are_left_alone(actor, make_item):
    mine = make_item(barcode="82000001")
    other_library = library_setup(code="other", name="另一所学校图书馆", school_name="另一所学校")
    other = Actor(library=other_library)
    changed = services.items_status_set_many(
        actor=other, item_ids=[mine.pk], status="missing", action="item.missing"
    )
    assert changed == 0 and Item.objects.get(pk=mine.pk).status == "available"
    with pytest.raises(Invalid) as bad:
        services.items_status_set_many(
            actor=actor, item_ids=[mine.pk], status="gone", action="item.missing"
        )
    assert bad.value.code == "invalid_status"
    assert not AuditEvent.objects.filter(action="item.missing").exists()
