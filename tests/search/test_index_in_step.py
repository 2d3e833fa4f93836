"""The index changes in the transaction that changes the record: cataloging, copies
lent and returned, withdrawals, MARC imports (and their dry runs), and `shuxiang
reindex` rebuilds it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import bib_create, item_create, item_status_set, marc_import
from shuxiang.search import engine
from shuxiang.search.models import SearchDoc
from tests.catalog.marc_builders import CN_LEADER, cnmarc_fields, iso_record


def found(library, text, **kw):
    return [h.title for h in engine.search(library, text, **kw).hits]


def test_a_new_title_is_found_at_once(actor, library):
    bib = bib_create(actor=actor, title="草房子", authors=["曹文轩"])
    assert found(library, "cfz") == ["草房子"]
    assert SearchDoc.objects.get(bib=bib).copies == 0


def test_a_failed_transaction_leaves_no_trace_in_the_index(actor, library):
    with pytest.raises(RuntimeError), transaction.atomic():
        bib_create(actor=actor, title="青铜葵花")
        assert found(library, "青铜葵花") == ["青铜葵花"]
        raise RuntimeError
    assert found(library, "青铜葵花") == []


def test_copies_lent_returned_and_withdrawn(actor, library, add):
    bib = add("草房子", copies=2)
    assert engine.search(library, "草房子").hits[0].available == 2
    items = list(Item.objects.filter(bib=bib).order_by("id"))
    item_status_set(item_id=items[0].pk, status="on_loan")
    hit = engine.search(library, "草房子").hits[0]
    assert (hit.available, hit.copies) == (1, 2)
    on_shelf = engine.Filters(available=True)
    assert found(library, "草房子", filters=on_shelf) == ["草房子"]
    item_status_set(item_id=items[1].pk, status="withdrawn")
    hit = engine.search(library, "草房子").hits[0]
    assert (hit.available, hit.copies) == (0, 1)
    # the last copy on the shelf went out: the title leaves the "on the shelf" filter
    assert found(library, "草房子", filters=on_shelf) == []
    assert found(library, "草房子", filters=engine.Filters(available=False)) == ["草房子"]
    item_status_set(item_id=items[0].pk, status="withdrawn")
    assert found(library, "草房子") == []
    assert found(library, "草房子", staff=True) == ["草房子"]
    item_create(actor=actor, bib_id=bib.pk, barcode="N0000001")  # a new copy comes in
    assert engine.search(library, "草房子").hits[0].available == 1
    assert found(library, "草房子", filters=on_shelf) == ["草房子"]


def test_cataloging_with_copies_and_parallel_title(actor, library, stacks):
    from shuxiang.catalog.cataloging import CopySpec, bib_catalog

    result = bib_catalog(
        actor=actor,
        values={"title": "小王子", "parallel_title": "The Little Prince", "clc": "I565.88"},
        copies=[CopySpec(location_code="stacks"), CopySpec(location_code="stacks")],
    )
    hit = engine.search(library, "little prince").hits[0]
    assert hit.bib_id == result.bib.pk
    assert (hit.available, hit.copies) == (2, 2)
    assert hit.call_number.startswith("I565.88/")


def _marc(n: int, title: str, barcode: str) -> bytes:
    fields = cnmarc_fields(n, barcode=barcode, isbn=f"978-7-5{n:03d}-0000-0")
    fields = [
        (f[0], f[1], [(c, title if (f[0], c) == ("200", "a") else v) for c, v in f[2]])
        if len(f) == 3
        else f
        for f in fields
    ]
    return iso_record(CN_LEADER, fields)


def test_marc_import_indexes_each_batch_and_a_dry_run_leaves_nothing(actor, library):
    data = b"".join(_marc(n, t, f"M{n:05d}") for n, t in [(1, "城南旧事"), (2, "呼兰河传")])
    report = marc_import(actor=actor, source=io.BytesIO(data), dry_run=True)
    assert report.imported == 2
    assert found(library, "城南旧事") == []
    marc_import(actor=actor, source=io.BytesIO(data), batch_size=1)
    assert found(library, "cnjs") == ["城南旧事 : 散文集"]
    assert engine.search(library, "呼兰河传").hits[0].copies == 1
    assert found(library, "lx", field="author") != []  # 鲁迅著 from 200 $f


def test_reindex_command_rebuilds_the_index(actor, library, add):
    add("草房子", copies=1)
    add("青铜葵花", copies=1)
    with connection.cursor() as cursor:  # as if the index were lost
        cursor.execute("DELETE FROM search_suggest")
        cursor.execute("DELETE FROM search_doc")
    assert found(library, "草房子") == []
    out = io.StringIO()
    call_command("reindex", stdout=out, verbosity=0)
    assert "2" in out.getvalue()
    assert found(library, "草房子") == ["草房子"]
    assert engine.suggest(library, "qtkh") == ["青铜葵花"]
    # again, over a full index: the same answers, nothing twice
    call_command("reindex", "--library", library.code, stdout=io.StringIO(), verbosity=0)
    assert found(library, "草房子") == ["草房子"]
    assert SearchDoc.objects.count() == 2


def test_reindex_reports_progress(library, add):
    for i in range(5):
        add(f"书{i}")
    seen = []
    assert (
        engine.reindex(
            library, progress=lambda done, total: seen.append((done, total)), batch_size=2
        )
        == 5
    )
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_unindex(library, add):
    bib = add("草房子")
    engine.unindex_bibs([bib.pk])
    assert found(library, "草房子") == []
