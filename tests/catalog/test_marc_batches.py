"""A MARC import writes batch by batch, each batch in a transaction of its own, so a desk
gets the write lock between two batches; a batch is never half-written; a dry run,
rolled back batch by batch, reports what the real run does."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from shuxiang.catalog import services
from shuxiang.catalog.marc import importer
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.catalog.services import marc_import
from shuxiang.core.models import AuditEvent, Location
from tests.catalog.marc_builders import CN_LEADER, cnmarc_fields, iso_record


def record(
    n: int,
    *,
    isbn: str | None = None,
    barcode: str | None = None,
    clc: str = "I266",
    call: str | None = None,
    accession: str | None = None,
    title: str | None = None,
    author: str = "鲁迅",
    same_as: int | None = None,
) -> bytes:
    """One CNMARC record with one copy; `call` None leaves the call number to the import;
    `same_as` another copy of record `same_as`'s title (its number and title)."""
    fields = cnmarc_fields(same_as or n, isbn=isbn or f"X{n}")
    if isbn == "":
        fields = [f for f in fields if f[0] != "010"]
    if title is not None:
        fields = [
            ("200", "1 ", [("a", title), ("f", author + "著")]) if f[0] == "200" else f
            for f in fields
        ]
    fields = [
        ("690", "  ", [("a", clc), ("v", "5")]) if f[0] == "690" else f
        for f in fields
        if f[0] != "701"
    ]
    fields.append(("701", " 0", [("a", author), ("4", "著")]))
    holding = [("a", "SX"), ("b", barcode or f"B{n:05d}")]
    if call:
        klass, _, book = call.partition("/")
        holding += [("d", klass), ("e", book)]
    if accession:
        holding.append(("h", accession))
    fields.append(("905", "  ", holding))
    return iso_record(CN_LEADER, fields, "utf-8")


def run(actor, data: bytes, **kw):
    return marc_import(actor=actor, source=io.BytesIO(data), **kw)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("dry_run", [False, True])
def test_records_are_read_outside_any_transaction_and_a_desk_writes_between_batches(
    library, actor, monkeypatch, dry_run
):
    from shuxiang.core.sqlite import base as sqlite_base

    monkeypatch.setattr(sqlite_base, "WAIT_SECONDS", 3.0)  # a blocked desk fails soon
    data = b"".join(record(n) for n in range(1, 7))
    seen = []

    def desk(n: int) -> None:
        # Another connection, as a desk in another thread or process has.
        try:
            start = time.monotonic()
            with transaction.atomic():
                Location.objects.create(library=library, code=f"D{n}", name=f"书库{n}")
            seen.append((n, Bib.objects.count(), time.monotonic() - start))
        except Exception as exc:  # reported by the assertion below
            seen.append((n, repr(exc), None))
        finally:
            connections.close_all()

    def progress(result) -> None:
        assert not connection.in_atomic_block, "a record is read inside a transaction"
        if result.number in (3, 5):
            thread = threading.Thread(target=desk, args=(result.number,))
            thread.start()
            thread.join()

    report = run(actor, data, batch_size=2, progress=progress, dry_run=dry_run)
    assert report.imported == 6 and report.items_created == 6 and not report.rejected
    written = 0 if dry_run else 1
    assert [(n, count) for n, count, _ in seen] == [(3, 2 * written), (5, 4 * written)]
    assert all(elapsed < 1.0 for _, _, elapsed in seen)
    assert Bib.objects.count() == 6 * written
    assert AuditEvent.objects.filter(action="marc.import").count() == written


def test_a_batch_that_fails_is_not_half_written_and_its_records_are_rejected(
    actor, library, monkeypatch
):
    data = b"".join(record(n) for n in range(1, 7))
    original = importer.Importer._holdings
    attempts = []

    def failing(self, attach):
        numbers = sorted({source.number for _target, source in attach})
        if 3 in numbers:  # the second batch: its titles are in, its copies fail
            attempts.append(numbers)
            raise IntegrityError("UNIQUE constraint failed: catalog_item.barcode")
        return original(self, attach)

    monkeypatch.setattr(importer.Importer, "_holdings", failing)
    report = run(actor, data, batch_size=2)
    assert attempts == [[3, 4], [3, 4]]  # tried once more, then given up
    assert [(p.number, p.offset > 0) for p in report.rejected] == [(3, True), (4, True)]
    assert all("catalog_item.barcode" in p.message for p in report.rejected)
    assert report.imported == 4 and report.items_created == 4
    titles = sorted(Bib.objects.values_list("title", flat=True))
    assert titles == [f"朝花夕拾{n} : 散文集" for n in (1, 2, 5, 6)]
    assert Item.objects.count() == 4 and CallNumber.objects.count() == 4
    event = AuditEvent.objects.get(action="marc.import")
    assert event.after["imported"] == 4 and event.after["rejected"] == 2


def test_a_batch_that_meets_a_desk_s_new_call_number_is_written_again(actor, library):
    """Between two batches a desk catalogs a title with the next 种次号, which the import
    had counted on: the batch fails on the unique call number, is rolled back and
    written again with the class's numbers read afresh."""
    data = b"".join(record(n) for n in range(1, 5))

    def progress(result) -> None:
        if result.number == 3:  # batch one (I266/1, I266/2) is written
            bib = services.bib_create(actor=actor, title="呐喊", clc="I266")
            services.item_create(actor=actor, bib_id=bib.pk, barcode="D0001", call_number="I266/3")

    report = run(actor, data, batch_size=2, progress=progress)
    assert not report.rejected and report.imported == 4 and report.items_created == 4
    assert report.kinds == {"invalid_isbn": 4}  # the test records' "X1" ..., nothing else
    values = sorted(CallNumber.objects.values_list("value", flat=True))
    assert values == ["I266/1", "I266/2", "I266/3", "I266/4", "I266/5"]


def _sample() -> bytes:
    """Records whose fate depends on what earlier batches (of two records) wrote."""
    return b"".join(
        [
            record(1, isbn="9787020002207", call="I266/12", accession="A1"),
            record(2, clc="K825.6", call="K825.6/7"),
            record(3),  # 种次号 in I266 after the given I266/12
            record(4, isbn="", title="野草", author="鲁迅"),
            # batch 3: duplicates of batch 1 and 2's titles, a barcode and an accession
            # number batch 1 used, a call number batch 1 gave another title
            record(5, isbn="9787020002207", barcode="B00005", same_as=1),
            record(6, barcode="B00001"),
            record(7, isbn="", title="野草", author="鲁迅", barcode="B00007", same_as=4),
            record(8, call="I266/12", accession="A1"),
            # batch 5: numbers in a class first met here, after batch 1's K825.6/7
            record(9, clc="K825.6"),
            record(10, clc="K825.6", author="冰心"),
            record(11, isbn="9787020002207", barcode="B00011", same_as=1),
            b"not a record\x1d",
        ]
    )


@pytest.mark.parametrize("on_duplicate", ["skip", "merge", "replace"])
@pytest.mark.parametrize("book_number", ["sequence", "author"])
def test_a_dry_run_reports_what_the_real_run_does(
    actor, library, monkeypatch, make_bib, make_item, on_duplicate, book_number
):
    existing = make_bib("旧书", clc="I266")
    make_item(bib=existing, barcode="B00099", call_number="I266/4")
    inserted: list[tuple[bool, str, list]] = []
    real_insert = importer._insert

    def spy(model, columns, rows, *, returning):
        # What each run writes (or would): call numbers and copies, in order.
        if model in (CallNumber, Item):
            column = "value" if model is CallNumber else "barcode"
            inserted.append((model.__name__, [row[columns.index(column)] for row in rows]))
        return real_insert(model, columns, rows, returning=returning)

    monkeypatch.setattr(importer, "_insert", spy)
    options = {"on_duplicate": on_duplicate, "book_number": book_number, "batch_size": 2}

    dry = run(actor, _sample(), dry_run=True, **options)
    would_write = list(inserted)
    assert Bib.objects.count() == 1 and CallNumber.objects.count() == 1
    inserted.clear()
    real = run(actor, _sample(), **options)
    assert inserted == would_write

    def summary(report):
        return (
            report.counts(),
            [(p.number, p.offset, p.message) for p in report.rejected],
            [(p.number, p.offset, p.message, p.kind) for p in report.warnings],
            report.kinds,
        )

    assert summary(dry) == summary(real)
    assert dry.dry_run and not real.dry_run
    assert real.rejected[0].number == 12
    messages = {(p.number, p.message) for p in real.warnings}
    assert (6, "条码号 B00001 已被使用，该单册未导入") in messages
    assert (8, "登录号 A1 已被使用，该单册的登录号留空") in messages
    if on_duplicate == "skip":
        assert (5, "与本文件第 1 条记录重复，已跳过") in messages
        assert (7, "与本文件第 4 条记录重复，已跳过") in messages
        assert (11, "与本文件第 1 条记录重复，已跳过") in messages
        assert real.skipped == 3
    else:
        assert getattr(real, "merged" if on_duplicate == "merge" else "replaced") == 3
    if book_number == "sequence":
        values = set(CallNumber.objects.values_list("value", flat=True))
        assert {"I266/12", "K825.6/7", "K825.6/8", "K825.6/9"} <= values
        assert "I266/13" in values  # after the record's I266/12, not I266/5
