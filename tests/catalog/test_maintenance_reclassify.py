"""Reclassification (再分类): the preview of old → new call numbers, applying it in one
transaction, the refusals, and the spine labels of exactly the copies it changed (the
labels page's "this reclassification"), looked at as PNG."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shuxiang.catalog import labels
from shuxiang.catalog.maintenance import selection, services
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent
from tests.pdfs import pdf_text, pdf_to_png

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"


@pytest.fixture
def tp3(make_bib, make_item):
    """Three TP3 titles (one with two copies, one withdrawn copy), a TP311 title that
    holds TP311/1, and a title elsewhere that must not move."""
    a = make_bib("C语言程序设计", clc="TP312")
    b = make_bib("计算机基础", clc="TP3")
    c = make_bib("网络安全", clc="TP393")
    d = make_bib("操作系统", clc="TP311")
    other = make_bib("西游记", clc="I242.4")
    make_item(barcode="50000001", bib=a, call_number="TP312/4")
    make_item(barcode="50000002", bib=a)
    make_item(barcode="50000003", bib=b, call_number="TP3/2")
    make_item(barcode="50000004", bib=c, call_number="TP393/1")
    withdrawn = make_item(barcode="50000005", bib=c)
    Item.objects.filter(pk=withdrawn.pk).update(status=Item.Status.WITHDRAWN)
    make_item(barcode="50000006", bib=d, call_number="TP311/1")
    make_item(barcode="50000007", bib=other, call_number="I242.4/1")
    return a, b, c, d, other


def _snapshot():
    return (
        list(Bib.objects.order_by("pk").values_list("clc", flat=True)),
        list(CallNumber.objects.order_by("pk").values_list("value", flat=True)),
        AuditEvent.objects.count(),
    )


def test_preview_shows_old_and_new_and_writes_nothing(library, actor, tp3):
    a, b, c, d, _other = tp3
    chosen = selection.by_range(library, "TP3", "TP3", "tp311")
    assert set(chosen.changes) == {a.pk, b.pk, c.pk, d.pk}
    before = _snapshot()
    result = services.reclassify(actor=actor, changes=chosen.changes, dry_run=True)
    assert _snapshot() == before
    # Old shelf order: TP3/2, TP312/4, TP393/1; TP311/1 is already in the class.
    assert [(m.title, m.calls[0].old, m.calls[0].new) for m in result.moves] == [
        ("计算机基础", "TP3/2", "TP311/2"),
        ("C语言程序设计", "TP312/4", "TP311/3"),
        ("网络安全", "TP393/1", "TP311/4"),
    ]
    assert [m.title for m in result.unchanged] == ["操作系统"]
    # Withdrawn copies get no label.
    assert [c.barcode for c in result.copies] == ["50000001", "50000002", "50000003", "50000004"]


def test_apply_changes_class_call_numbers_and_records_events(library, actor, tp3):
    a, b, c, d, other = tp3
    Item.objects.filter(barcode="50000002").update(call_number=None)
    changes = selection.by_range(library, "TP3", "TP3", "TP311").changes
    preview = services.reclassify(actor=actor, changes=changes, dry_run=True)
    result = services.reclassify(actor=actor, changes=changes, expect=preview.digest)
    assert result.event_id is not None
    assert Bib.objects.get(pk=a.pk).clc == "TP311"
    assert Item.objects.get(barcode="50000001").call_number.value == "TP311/3"
    # A copy that had no call number takes its title's new one.
    assert Item.objects.get(barcode="50000002").call_number.value == "TP311/3"
    assert Item.objects.get(barcode="50000003").call_number.value == "TP311/2"
    assert Item.objects.get(barcode="50000007").call_number.value == "I242.4/1"
    assert not CallNumber.objects.filter(value__in=["TP3/2", "TP312/4", "TP393/1"]).exists()
    assert AuditEvent.objects.filter(action="bib.reclassify").count() == 3
    event = AuditEvent.objects.get(pk=result.event_id)
    assert event.action == "bibs.reclassify" and event.after["titles"] == 3
    assert event.after["new_class"] == ["TP311"]
    ids = set(
        Item.objects.filter(
            barcode__in=["50000001", "50000002", "50000003", "50000004"]
        ).values_list("pk", flat=True)
    )
    assert set(event.after["item_ids"]) == ids
    # Applying the same preview again changes nothing and says why.
    with pytest.raises(Conflict) as exc:
        services.reclassify(actor=actor, changes=changes, expect=preview.digest)
    assert exc.value.code == "plan_changed"


def test_apply_is_one_transaction(library, actor, tp3, monkeypatch):
    changes = selection.by_range(library, "TP3", "TP3", "TP311").changes
    before = _snapshot()

    def fail(ids):
        raise RuntimeError("the index is gone")

    monkeypatch.setattr(services.search_port, "bibs_changed", fail)
    with pytest.raises(RuntimeError):
        services.reclassify(actor=actor, changes=changes)
    assert _snapshot() == before


def test_a_preview_overtaken_by_another_desk_is_refused(library, actor, tp3, make_bib, make_item):
    changes = selection.by_range(library, "TP3", "TP3", "TP311").changes
    preview = services.reclassify(actor=actor, changes=changes, dry_run=True)
    make_item(barcode="50000099", bib=make_bib("新书", clc="TP311"), call_number="TP311/2")
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.reclassify(actor=actor, changes=changes, expect=preview.digest)
    assert exc.value.code == "plan_changed"
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({}, Invalid, "nothing_selected"),
        ({"first": "W1"}, Invalid, "invalid_clc"),
        ({"first": ""}, Invalid, "invalid_clc"),
        ({999999: "TP311"}, NotFound, "bib_not_found"),
        ({"d": "TP311"}, Invalid, "nothing_changes"),
    ],
)
def test_refusals(actor, tp3, changes, error, code):
    a, _b, _c, d, _o = tp3
    ids = {"first": a.pk, "d": d.pk}
    changes = {ids.get(k, k): v for k, v in changes.items()}
    before = _snapshot()
    with pytest.raises(error) as exc:
        services.reclassify(actor=actor, changes=changes)
    assert exc.value.code == code
    assert _snapshot() == before


def test_another_librarys_titles_are_never_reached(library, actor, tp3):
    from shuxiang.catalog.services import bib_create
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup

    other_library = library_setup(code="other", name="二中图书馆")
    theirs = bib_create(actor=Actor.system(other_library), title="数据库", clc="TP311")
    assert theirs.pk not in selection.bibs_in_class_range(library, "TP3", "TP3")
    with pytest.raises(NotFound):
        services.reclassify(actor=actor, changes={theirs.pk: "TP312"})


def test_barcode_list_with_classes(library, tp3):
    a, b, _c, _d, _o = tp3
    content = (
        "再分类清单\n条码号,新分类号\n50000001,TP311.1\n50000002,TP311.1\n"
        "50000003,\n99999999,TP3\n50000002,TP312\n50000004,W9\n"
    ).encode("gbk")
    rows = selection.read_rows(content, "list.csv")
    chosen = selection.by_barcodes(library, rows, new_class="")
    assert chosen.changes == {a.pk: "TP311.1"}
    assert [(p.line, p.barcode) for p in chosen.problems] == [
        (5, "50000003"),
        (6, "99999999"),
        (7, "50000002"),
        (8, "50000004"),
    ]
    assert "本馆没有这个条码号" in chosen.problems[1].reason
    with_default = selection.by_barcodes(library, rows[:3], new_class="TP39")
    assert with_default.changes == {a.pk: "TP311.1", b.pk: "TP39"}


def test_barcode_list_from_xlsx_without_header(library, tp3):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["50000003"])
    book.active.append([50000004])
    out = BytesIO()
    book.save(out)
    rows = selection.read_rows(out.getvalue(), "list.xlsx")
    assert rows == [(1, "50000003", ""), (2, "50000004", "")]
    chosen = selection.by_barcodes(library, rows, new_class="TP311")
    assert len(chosen.changes) == 2 and not chosen.problems


@pytest.mark.needs_cjk_font
def test_spine_labels_of_exactly_this_reclassification(library, actor, tp3, tmp_path, staff_client):
    changes = selection.by_range(library, "TP3", "TP3", "TP311").changes
    result = services.reclassify(actor=actor, changes=changes)
    items = labels.select_items(library, reclassification_id=result.event_id)
    assert sorted(items.values_list("barcode", flat=True)) == [
        "50000001",
        "50000002",
        "50000003",
        "50000004",
    ]

    page = staff_client.get("/staff/cataloging/labels/")
    assert "这次再分类换了索书号的单册" in page.content.decode()
    response = staff_client.get(
        "/staff/cataloging/labels/",
        {
            "selection": "reclassification",
            "reclassification": result.event_id,
            "kind": "spine",
            "sheet": "a4-5x13",
            "pdf": "1",
        },
    )
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = pdf_text(pdf, tmp_path, "reclassify")
    for line in ("TP311", "2", "3", "4"):
        assert line in text
    assert "TP312" not in text and "TP393" not in text and "I242.4" not in text
    assert text.count("实验中学图书馆") == 4
    pages = pdf_to_png(pdf, tmp_path, "reclassify", dpi=100)
    assert len(pages) == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], SHOTS / "reclassify-labels.png")


def test_labels_of_another_librarys_reclassification_are_refused(
    library, actor, tp3, client, make_user
):
    from shuxiang.core.services import library_setup, user_create

    result = services.reclassify(
        actor=actor, changes=selection.by_range(library, "TP3", "TP3", "TP311").changes
    )
    other = library_setup(code="other", name="二中图书馆")
    client.force_login(
        user_create(library=other, username="lib2", role="librarian", password="x1234567")
    )
    response = client.get(
        "/staff/cataloging/labels/",
        {"selection": "reclassification", "reclassification": result.event_id, "pdf": "1"},
    )
    assert response.status_code == 422
    assert "没有这次再分类的记录" in response.content.decode()


@pytest.mark.parametrize("flavor", ["cnmarc", "marc21"])
def test_the_stored_marc_record_gets_the_new_class(library, actor, make_bib, make_item, flavor):
    import datetime as dt

    from shuxiang.catalog.marc import edit
    from shuxiang.catalog.marc.record import parse_utf8

    bib = make_bib("网络安全", clc="TP393", authors=["张三"], publisher="电子工业出版社")
    make_item(barcode="51000001", bib=bib, call_number="TP393/1")
    values = {
        "title": "网络安全",
        "clc": "TP393",
        "authors": [{"name": "张三", "role": ""}],
        "publisher": "电子工业出版社",
    }
    original = edit.build_record(
        values, flavor, control_number="OLD1", now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    Bib.objects.filter(pk=bib.pk).update(marc_record=original, marc_format=flavor)
    services.reclassify(actor=actor, changes={bib.pk: "TP309"})
    stored = bytes(Bib.objects.get(pk=bib.pk).marc_record)
    assert edit.to_values(stored, flavor)["clc"] == "TP309"
    before = {f.tag: f for f in parse_utf8(original).fields}
    after = {f.tag: f for f in parse_utf8(stored).fields}
    class_tag = "690" if flavor == "cnmarc" else ("084" if "084" in after else "093")
    changed = {t for t in set(before) | set(after) if str(before.get(t)) != str(after.get(t))}
    assert changed <= {class_tag, "005"} and class_tag in changed
