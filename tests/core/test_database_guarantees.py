"""What must never happen is refused by the database itself."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from shuxiang.catalog.models import CallNumber, Item
from shuxiang.circulation.models import Loan
from shuxiang.core import audit, clock
from shuxiang.core.models import AuditEvent


def test_audit_events_cannot_be_changed_or_deleted(actor, library):
    event = audit.record(actor, "test.event", library, after={"x": 1})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    event.refresh_from_db()
    assert event.action == "test.event"
    assert AuditEvent.objects.count() >= 1


def test_barcodes_and_accession_numbers_are_unique_per_library(library, make_bib, make_item):
    from shuxiang.core.services import library_setup

    bib = make_bib()
    Item.objects.create(library=library, bib=bib, barcode="123456", accession_number="A0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(library=library, bib=bib, barcode="123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(library=library, bib=bib, barcode="123457", accession_number="A0001")
    # Items without an accession number do not collide.
    Item.objects.create(library=library, bib=bib, barcode="123458")
    Item.objects.create(library=library, bib=bib, barcode="123459")
    # Another school may use the same barcode.
    other = library_setup(code="other", name="二中")
    from shuxiang.catalog.models import Bib

    other_bib = Bib.objects.create(library=other, title="别校的书")
    Item.objects.create(library=other, bib=other_bib, barcode="123456", accession_number="A0001")


def test_one_call_number_per_title_and_unique_in_the_library(library, make_bib):
    a, b = make_bib("甲"), make_bib("乙")
    CallNumber.objects.create(library=library, bib=a, value="I247.5/12")
    with pytest.raises(IntegrityError), transaction.atomic():
        CallNumber.objects.create(library=library, bib=b, value="I247.5/12")
    with pytest.raises(IntegrityError), transaction.atomic():
        CallNumber.objects.create(library=library, bib=a, value="I247.5/13")
    CallNumber.objects.create(library=library, bib=a, volume="2", value="I247.5/12:2")


def _loan(library, item, patron=None, school_class=None, status="on_loan"):
    return Loan.objects.create(
        library=library,
        item=item,
        patron=patron,
        school_class=school_class,
        status=status,
        checked_out_at=clock.now(),
        due_date=dt.date(2026, 12, 1),
        returned_at=None if status == "on_loan" else clock.now(),
        channel="web",
    )


def test_at_most_one_open_loan_per_item(library, make_item, make_patron):
    item, p1, p2 = make_item(), make_patron(), make_patron()
    _loan(library, item, p1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _loan(library, item, p2)
    # Returned loans do not count.
    _loan(library, make_item(), p1, status="returned")


def test_a_loan_has_exactly_one_borrower(library, make_item, make_patron, school_class):
    with pytest.raises(IntegrityError), transaction.atomic():
        _loan(library, make_item(), make_patron(), school_class)
    with pytest.raises(IntegrityError), transaction.atomic():
        _loan(library, make_item(), None, None)
    _loan(library, make_item(), None, school_class)


def test_item_status_must_be_a_known_state(library, make_item):
    item = make_item()
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=item.pk).update(status="borrowed-ish")


def test_sqlite_runs_in_wal_with_immediate_transactions(db):
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
