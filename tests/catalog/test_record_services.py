"""Correcting records and copies through the services, against a real database: an
imported LoC record edited and exported keeps every field nobody touched; a new class
moves the call number; copies are corrected and moved; every change is audited."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pymarc
import pytest

from shuxiang.catalog import services
from shuxiang.catalog.marc import edit
from shuxiang.catalog.marc.exporter import Exporter
from shuxiang.catalog.marc.record import split_fields
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core import clock
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent, Location

DATA = Path(__file__).parent / "data" / "records_edit"
WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _import(actor, name: str) -> list[Bib]:
    before = set(Bib.objects.values_list("pk", flat=True))
    services.marc_import(actor=actor, source=io.BytesIO((DATA / name).read_bytes()))
    return list(Bib.objects.exclude(pk__in=before).order_by("pk"))


def _export(library, bib: Bib) -> bytes:
    out = io.BytesIO()
    Exporter(library=library, bib_ids=[bib.pk]).write(out)
    return out.getvalue()


def _fields(data: bytes) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for tag, chunk in split_fields(data)[1]:
        out.setdefault(tag, []).append(chunk)
    return out


@pytest.fixture
def japanese(actor):
    return _import(actor, "loc-japanese-880.mrc")[0]


@pytest.fixture
def pragmatic(actor):
    return _import(actor, "loc-marc21-batch.mrc")[0]


def test_setting_the_class_of_an_imported_record_keeps_every_other_field_in_export(
    actor, library, japanese
):
    original = bytes(japanese.marc_record)
    with clock.frozen_at(WHEN):
        result = services.bib_update(actor=actor, bib_id=japanese.pk, changes={"clc": "d771.2"})
    assert result.changed == ["clc"]
    japanese.refresh_from_db()
    assert japanese.clc == "D771.2"
    exported = _export(library, japanese)
    before, after = _fields(original), _fields(exported)
    assert after["084"] == [b"  \x1faD771.2\x1f2clc"]
    assert after["005"] == [b"20261201093000.0"]
    for tag in set(before) - {"005", "084"}:
        assert after[tag] == before[tag], tag  # 008, 880, 260 with two places, 710s ...
    # The export is the stored record byte for byte (the exporter's unedited path).
    assert exported == bytes(japanese.marc_record)
    record = next(iter(pymarc.MARCReader(io.BytesIO(exported), to_unicode=True, force_utf8=True)))
    assert record["880"]["a"].startswith("米国の統治の仕組")
    assert record["300"]["b"] == "col. ill."
    assert [f.indicator1 for f in record.get_fields("710")] == ["1", "2"]


def test_editing_title_and_author_of_an_imported_record_then_exporting(actor, library, pragmatic):
    original = bytes(pragmatic.marc_record)
    services.bib_update(
        actor=actor,
        bib_id=pragmatic.pk,
        changes={
            "title": "The pragmatic programmer : your journey to mastery",
            "authors": ["Hunt, Andrew", "Thomas, Dave"],
            "isbn": "978-0-13-595705-9",
        },
    )
    pragmatic.refresh_from_db()
    assert pragmatic.title == "The pragmatic programmer : your journey to mastery"
    assert pragmatic.isbn == "9780135957059"
    exported = _export(library, pragmatic)
    changed = {
        t
        for t in set(_fields(original)) | set(_fields(exported))
        if _fields(original).get(t) != _fields(exported).get(t)
    }
    assert changed == {"005", "020", "245", "700"}
    record = next(iter(pymarc.MARCReader(io.BytesIO(exported), to_unicode=True, force_utf8=True)))
    assert list(record["245"].indicators) == ["1", "4"]
    assert record["100"]["d"] == "1964-"
    assert record["700"]["d"] == "1956-"
    assert record["008"].data == _fields(original)["008"][0].decode()


def test_an_edit_is_an_audit_event_with_before_and_after(actor, pragmatic):
    services.bib_update(
        actor=actor, bib_id=pragmatic.pk, changes={"publisher": "Pearson", "year": 2019}
    )
    event = AuditEvent.objects.get(action="bib.update", object_id=str(pragmatic.pk))
    assert event.before == {"publisher": "Addison-Wesley", "year": 2000}
    assert event.after == {"publisher": "Pearson", "year": 2019}
    assert event.actor_name == "librarian1"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "  "}, "title_required"),
        ({"isbn": "978-7-02-000220-8"}, "invalid_isbn"),
        ({"year": 99}, "invalid_year"),
        ({"price": -5}, "invalid_price"),
        ({"clc": "W123"}, "invalid_clc"),
        ({"publisher": "长" * 201}, "too_long"),
        ({"material_type": "scroll"}, "invalid_material_type"),
        ({"barcode": "1"}, "unknown_field"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(actor, pragmatic, changes, code):
    stored = bytes(pragmatic.marc_record)
    with pytest.raises(Invalid) as caught:
        services.bib_update(actor=actor, bib_id=pragmatic.pk, changes=changes)
    assert caught.value.code == code
    pragmatic.refresh_from_db()
    assert bytes(pragmatic.marc_record) == stored
    assert not AuditEvent.objects.filter(action="bib.update").exists()


def test_another_librarys_record_is_not_found(actor, make_bib):
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup

    other = library_setup(code="east", name="东校区图书馆", school_name="东校区")
    bib = services.bib_create(actor=Actor.system(other), title="别校的书")
    with pytest.raises(NotFound):
        services.bib_update(actor=actor, bib_id=bib.pk, changes={"title": "改"})


def test_class_change_gives_the_next_sequence_number_and_keeps_the_old_in_history(
    actor, make_bib, stacks
):
    from shuxiang.catalog import cataloging

    neighbour = make_bib("围城", clc="I247.5")
    cataloging.copies_add(
        actor=actor, bib=neighbour, copies=[cataloging.CopySpec()], call_number="I247.5/7"
    )
    bib = make_bib("朝花夕拾", clc="I210.4")
    added = cataloging.copies_add(
        actor=actor, bib=bib, copies=[cataloging.CopySpec(), cataloging.CopySpec()]
    )
    assert added.call_number == "I210.4/1"
    result = services.bib_update(actor=actor, bib_id=bib.pk, changes={"clc": "I247.5"})
    assert result.call_numbers == [("I210.4/1", "I247.5/8")]
    assert {i.call_number.value for i in Item.objects.filter(bib=bib)} == {"I247.5/8"}
    event = AuditEvent.objects.get(action="bib.update", object_id=str(bib.pk))
    assert event.before["call_number"] == ["I210.4/1"]
    assert event.after["call_number"] == ["I247.5/8"]
    assert event.before["clc"] == "I210.4"


def test_author_mark_call_numbers_keep_the_mark_in_the_new_class(actor, make_bib):
    bib = make_bib("呐喊", clc="I210.4")
    CallNumber.objects.create(library=actor.library, bib=bib, value="I210.4/LX")
    CallNumber.objects.create(library=actor.library, bib=bib, volume="2", value="I210.4/LX:2")
    other = make_bib("另一本", clc="I246.5")
    CallNumber.objects.create(library=actor.library, bib=other, value="I246.5/LX")
    result = services.bib_update(actor=actor, bib_id=bib.pk, changes={"clc": "I246.5"})
    assert sorted(result.call_numbers) == [
        ("I210.4/LX", "I246.5/LX2"),
        ("I210.4/LX:2", "I246.5/LX2:2"),
    ]


def test_a_title_made_here_is_edited_as_a_marc_table_and_keeps_its_record(actor, library, make_bib):
    bib = make_bib("朝花夕拾", isbn="9787020002207", clc="I210.4", authors=["鲁迅"], year=2021)
    rows = services.bib_marc_rows(bib)
    assert [r.tag for r in rows][:3] == ["001", "005", "008"]
    rows.append(edit.TableRow(tag="500", subfields=[("a", "鲁迅回忆散文。")]))
    title = next(r for r in rows if r.tag == "245")
    title.subfields = [("a", "朝花夕拾（插图本）")]
    result = services.bib_marc_update(actor=actor, bib_id=bib.pk, rows=rows)
    assert "title" in result.changed
    bib.refresh_from_db()
    assert bib.title == "朝花夕拾（插图本）"
    assert bib.marc_format == "marc21"
    exported = _export(library, bib)
    assert exported == bytes(bib.marc_record)
    assert "鲁迅回忆散文。".encode() in exported
    event = AuditEvent.objects.get(action="bib.marc_update")
    assert event.after["title"] == "朝花夕拾（插图本）"
    assert any("500" in line for line in event.after["marc_fields"])


def test_marc_table_that_drops_the_title_is_refused(actor, pragmatic):
    rows = [r for r in services.bib_marc_rows(pragmatic) if r.tag != "245"]
    with pytest.raises(Invalid) as caught:
        services.bib_marc_update(actor=actor, bib_id=pragmatic.pk, rows=rows)
    assert caught.value.code == "title_required"


def test_item_update_changes_location_price_note_and_audits(actor, make_item, stacks):
    reading = Location.objects.create(library=actor.library, code="corner7", name="七年级图书角")
    item = make_item(location_code="stacks", price=2600)
    services.item_update(
        actor=actor, item_id=item.pk, location_code="corner7", price=3000, note="书脊破损"
    )
    item.refresh_from_db()
    assert (item.location, item.price, item.note) == (reading, 3000, "书脊破损")
    event = AuditEvent.objects.get(action="item.update")
    assert event.before == {"location": stacks.name, "price": 2600, "note": ""}
    assert event.after == {"location": "七年级图书角", "price": 3000, "note": "书脊破损"}
    with pytest.raises(NotFound):
        services.item_update(actor=actor, item_id=item.pk, location_code="nowhere")
    with pytest.raises(Invalid):
        services.item_update(actor=actor, item_id=item.pk, price=-1)
    with pytest.raises(Invalid):
        services.item_update(actor=actor, item_id=item.pk, circulation_type="gift")
    item.refresh_from_db()
    assert item.price == 3000 and item.status == Item.Status.AVAILABLE


def test_item_move_takes_the_targets_call_number(actor, make_bib):
    from shuxiang.catalog import cataloging

    wrong = make_bib("朝花夕拾", clc="I210.4")
    right = make_bib("呐喊", clc="I246.5")
    copy = cataloging.copies_add(actor=actor, bib=wrong, copies=[cataloging.CopySpec()]).items[0]
    moved = services.item_move(actor=actor, item_id=copy.pk, bib_id=right.pk)
    assert moved.bib == right
    assert moved.call_number.value == "I246.5/1"
    event = AuditEvent.objects.get(action="item.move")
    assert event.before["call_number"] == "I210.4/1"
    assert event.after == {"bib": right.pk, "title": "呐喊", "call_number": "I246.5/1"}
    with pytest.raises(Invalid):
        services.item_move(actor=actor, item_id=copy.pk, bib_id=right.pk)
    with pytest.raises(NotFound):
        services.item_move(actor=actor, item_id=copy.pk, bib_id=999999)


def test_call_number_taken_meanwhile_is_a_conflict(actor, make_bib, monkeypatch):
    from shuxiang.catalog import callnumbers

    bib = make_bib("朝花夕拾", clc="I210.4")
    CallNumber.objects.create(library=actor.library, bib=bib, value="I210.4/1")
    other = make_bib("围城", clc="I247.5")
    CallNumber.objects.create(library=actor.library, bib=other, value="I247.5/3")
    monkeypatch.setattr(callnumbers, "reassigned", lambda *a, **k: "I247.5/3")
    with pytest.raises(Conflict):
        services.bib_update(actor=actor, bib_id=bib.pk, changes={"clc": "I247.5"})


def test_copies_without_a_call_number_get_one_when_the_class_is_set(actor, make_bib, make_item):
    bib = make_bib("Perl")  # imported without a class: its copies have no call number
    item = make_item(bib=bib)
    assert item.call_number is None
    result = services.bib_update(actor=actor, bib_id=bib.pk, changes={"clc": "TP312"})
    assert result.call_numbers == [("", "TP312/1")]
    item.refresh_from_db()
    assert item.call_number.value == "TP312/1"
