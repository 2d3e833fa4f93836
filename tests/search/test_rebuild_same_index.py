"""A full rebuild (`reindex` into an empty index: key indexes dropped and made again at
the end, documents made in worker processes) stores exactly what the catalog's hooks
stored title by title: the same tokens in every column, the same keys, counts and
suggest lines. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.search_data import records
from shuxiang.search import engine, facet_values, plan

pytestmark = pytest.mark.django_db(transaction=True)

STATUSES = {"available", "on_loan", "in_repair"}


def _stored() -> dict[str, list]:
    """Everything the index holds, in a fixed order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bib_id, library_id, title_key, title_py, title_in, clc_top, year, "
            "material_type, available, copies, withdrawn, locations FROM search_doc "
            "ORDER BY bib_id"
        )
        docs = [tuple(r) for r in cursor.fetchall()]
        cursor.execute(
            "SELECT library_id, bib_id, key, text, kind FROM search_suggest "
            "ORDER BY bib_id, kind, key, text"
        )
        suggest = [tuple(r) for r in cursor.fetchall()]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT bib_id, tokens::text FROM search_doc ORDER BY bib_id")
        else:
            columns = ", ".join(plan.COLUMNS)
            cursor.execute(f"SELECT rowid, {columns} FROM search_fts ORDER BY rowid")
        tokens = [tuple(r) for r in cursor.fetchall()]
    return {"docs": docs, "suggest": suggest, "tokens": tokens}


def _key_indexes() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename IN "
                "('search_doc', 'search_suggest')"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
                "('search_doc', 'search_suggest')"
            )
        return {r[0] for r in cursor.fetchall()}


@pytest.fixture
def generated(corpus, actor):
    """The engine tests' titles, and 150 of the benchmark's generated ones (Chinese and
    translated authors whose names have polyphones, English titles, series editions,
    copies lent or in repair) made through the catalog's services."""
    from shuxiang.catalog.models import Item
    from shuxiang.catalog.services import bib_create, item_create, item_status_set

    made = []
    for n, record in enumerate(records(150, seed=13)):
        bib = bib_create(
            actor=actor,
            title=record["title"],
            authors=[a["name"] for a in record["authors"]],
            responsibility=record["responsibility"],
            publisher=record["publisher"],
            year=record["year"],
            isbn=record["isbn"],
            clc=record["clc"],
            material_type=record["material_type"],
        )
        for i, status in enumerate(record["statuses"]):
            item = item_create(actor=actor, bib_id=bib.pk, barcode=f"G{n:04d}{i}")
            if status in STATUSES - {"available"}:
                item_status_set(item_id=item.pk, status=status)
        made.append(bib)
    assert Item.objects.filter(status="on_loan").exists()
    return made


def test_a_full_rebuild_stores_what_the_hooks_stored(generated, library, monkeypatch):
    incremental = _stored()
    indexes = _key_indexes()
    assert len(incremental["docs"]) == len(generated) + 13
    with connection.cursor() as cursor:  # as if the index were lost
        cursor.execute("DELETE FROM search_suggest")
        cursor.execute("DELETE FROM search_doc")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM search_fts")
    facet_values.forget()
    # Worker processes even for a few titles, and batches that split the catalog.
    monkeypatch.setattr(engine, "POOL_FROM", 1)
    seen = []
    engine.reindex(progress=lambda done, total: seen.append(done), batch_size=40)
    assert seen[-1] == len(generated) + 13 and len(seen) > 3
    rebuilt = _stored()
    assert rebuilt["docs"] == incremental["docs"]
    assert rebuilt["suggest"] == incremental["suggest"]
    assert rebuilt["tokens"] == incremental["tokens"]
    assert _key_indexes() == indexes  # dropped for the fill, made again
    # and the searches answer as before
    hits = engine.search(library, "xyj").hits
    assert hits[0].title == "西游记"
    assert engine.suggest(library, "xiyou")[0] == "西游记"


def test_filters_most_titles_pass_are_asked_through_the_few_that_fail(corpus, library):
    """A title carries "u" when no copy is on the shelf and "nb" when it is not a book;
    "available" and "book" leave those out, and give what the positive filters gave."""
    f = engine.Filters
    on_shelf = {h.title for h in engine.search(library, "西游记", filters=f(available=True)).hits}
    assert on_shelf == {"西游记", "西游记故事"}  # 少年读西游记 is out, the 连环画 withdrawn
    off = {h.title for h in engine.search(library, "西游记", filters=f(available=False)).hits}
    assert off == {"少年读西游记"}
    books = engine.search(library, "故事", filters=f(material_type="book", available=True))
    assert {h.title for h in books.hits} == {"西游记故事", "重庆的故事"}
    av = engine.search(library, "长城", filters=f(material_type="audio_visual"))
    assert [h.title for h in av.hits] == ["长城"]
    assert [
        h.title for h in engine.search(library, "长城", filters=f(material_type="book")).hits
    ] == []
    page = engine.search(library, "西游记")
    assert {v.value: v.count for v in page.facets["available"]} == {"1": 2, "0": 1}
