"""Correcting records and copies through the API: PATCH /bibs/{id}, PATCH
/items/{barcode}, GET /bibs/{id}/history: the same checks and audit as the form."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from shuxiang.catalog import cataloging, services
from shuxiang.catalog.marc.exporter import Exporter
from shuxiang.catalog.marc.record import split_fields
from shuxiang.catalog.models import Bib
from shuxiang.core.models import AuditEvent

DATA = Path(__file__).parents[1] / "catalog" / "data" / "records_edit"


def _patch(client, path: str, data: dict):
    return client.client.patch(
        path, json.dumps(data), content_type="application/json", **client.headers
    )


@pytest.fixture
def book(actor, make_bib, stacks):
    bib = make_bib("朝花夕拾", isbn="9787020002207", clc="I210.4", authors=["鲁迅"], price=2600)
    cataloging.copies_add(actor=actor, bib=bib, copies=[cataloging.CopySpec("T0001", "stacks")])
    return bib


def test_patch_bib_changes_only_the_given_fields_and_is_audited(api, librarian, book):
    client = api(librarian)
    r = _patch(client, f"/api/v1/bibs/{book.pk}", {"title": "朝花夕拾（插图本）", "year": 2022})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["title"] == "朝花夕拾（插图本）"
    assert body["year"] == 2022
    assert body["isbn"] == "9787020002207" and body["clc"] == "I210.4"
    assert body["changed"] == ["title", "year"]
    assert body["call_numbers_moved"] == []
    event = AuditEvent.objects.get(action="bib.update")
    assert event.channel == "api"
    assert event.before == {"title": "朝花夕拾", "year": None}


def test_patch_class_moves_the_call_number_and_history_shows_it(api, librarian, book):
    client = api(librarian)
    r = _patch(client, f"/api/v1/bibs/{book.pk}", {"clc": "I266"})
    assert r.status_code == 200
    assert r.json()["call_numbers_moved"] == [["I210.4/1", "I266/1"]]
    assert r.json()["call_number"] == "I266/1"
    history = client.get(f"/api/v1/bibs/{book.pk}/history")
    assert history.status_code == 200
    events = history.json()["events"]
    assert events[0]["action"] == "bib.update"
    assert events[0]["action_words"] == "修改书目"
    assert events[0]["actor"] == "librarian1"
    changes = {c["field"]: c for c in events[0]["changes"]}
    assert (changes["clc"]["before"], changes["clc"]["after"]) == ("I210.4", "I266")
    assert changes["call_number"]["before"] == "I210.4/1"
    assert changes["call_number"]["label"] == "索书号"
    assert {e["action"] for e in events} >= {"bib.create", "item.create"}
    assert any(e["barcode"] == "T0001" for e in events if e["object"] == "item")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"isbn": "978-7-02-000220-8"}, "invalid_isbn"),
        ({"clc": "W12"}, "invalid_clc"),
        ({"year": 99}, "invalid_year"),
        ({"price": -1}, "invalid_price"),
        ({"material_type": "scroll"}, "invalid_material_type"),
        ({"title": ""}, "invalid"),
        ({"title": None}, "title_required"),
    ],
)
def test_patch_bib_bad_input_is_422_with_a_code_and_changes_nothing(
    api, librarian, book, data, code
):
    r = _patch(api(librarian), f"/api/v1/bibs/{book.pk}", data)
    assert r.status_code == 422
    assert r.json()["code"] == code
    assert r.json()["message"]
    book.refresh_from_db()
    assert (book.title, book.clc, book.isbn) == ("朝花夕拾", "I210.4", "9787020002207")
    assert not AuditEvent.objects.filter(action="bib.update").exists()


def test_patch_of_an_imported_record_keeps_its_unseen_fields_in_export(api, librarian, actor):
    services.marc_import(
        actor=actor, source=io.BytesIO((DATA / "loc-marc21-batch.mrc").read_bytes())
    )
    bib = Bib.objects.filter(marc_format="marc21").order_by("pk").first()
    original = dict(split_fields(bytes(bib.marc_record))[1])
    r = _patch(api(librarian), f"/api/v1/bibs/{bib.pk}", {"clc": "TP311.5", "publisher": "Pearson"})
    assert r.status_code == 200
    out = io.BytesIO()
    Exporter(library=actor.library, bib_ids=[bib.pk]).write(out)
    after = dict(split_fields(out.getvalue())[1])
    changed = {t for t in set(original) | set(after) if original.get(t) != after.get(t)}
    assert changed == {"005", "084", "260"}
    assert after["260"] == b"  \x1faReading, Mass :\x1fbPearson,\x1fc2000."


def test_patch_item_location_price_note(api, librarian, book):
    client = api(librarian)
    r = _patch(client, "/api/v1/items/T0001", {"price": 3000, "note": "赠书", "location": None})
    assert r.status_code == 200, r.json()
    assert r.json()["price"] == 3000 and r.json()["location"] is None
    assert AuditEvent.objects.get(action="item.update").after == {
        "location": "",
        "price": 3000,
        "note": "赠书",
    }
    r = _patch(client, "/api/v1/items/T0001", {"location": "nowhere"})
    assert r.status_code == 404 and r.json()["code"] == "location_not_found"
    r = _patch(client, "/api/v1/items/T0001", {"price": -5})
    assert r.status_code == 422 and r.json()["code"] == "invalid_price"
    r = _patch(client, "/api/v1/items/T0001", {"status": "lost"})
    assert r.status_code == 200 and r.json()["status"] == "available"  # not this endpoint's
    r = _patch(client, "/api/v1/items/NOPE", {"note": "x"})
    assert r.status_code == 404


@pytest.mark.parametrize("role", ["assistant", "teacher", "leader"])
def test_only_catalogers_may_patch(api, make_user, book, role):
    client = api(make_user(role))
    assert _patch(client, f"/api/v1/bibs/{book.pk}", {"title": "改"}).status_code == 403
    assert _patch(client, "/api/v1/items/T0001", {"note": "改"}).status_code == 403
    assert client.get(f"/api/v1/bibs/{book.pk}/history").status_code == 403
