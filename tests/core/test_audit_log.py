"""The audit log names a reader of loans, holds and fees by pseudonym only, so that
anonymizing a history cuts the link while the log stays append-only; the audit page
shows events and states in words, with filters."""

import json

import pytest
from django.db import DatabaseError, connection, transaction

from shuxiang.circulation import services as circulation
from shuxiang.core import housekeeping
from shuxiang.core.models import AuditEvent, AuditReader
from shuxiang.patrons import services as patrons


@pytest.fixture
def admin_client(client, make_user):
    """The school's admin, who reads the audit log."""
    client.force_login(make_user("admin"))
    return client


def _rows(response):
    """The table's rows as text (the filters above it list every action's name)."""
    return response.content.decode().split("<tbody>")[1]


def _event_text(event):
    return json.dumps(
        [event.object_id, event.object_repr, event.before, event.after, event.reason],
        ensure_ascii=False,
        default=str,
    )


@pytest.fixture
def reading(actor, make_patron, make_item, school_class):
    """A reader who borrowed and returned one book, has one out and one title on hold."""
    reader = make_patron(card="R700001", name="林小雨", class_name="七年级3班")
    first, second = make_item("A0001"), make_item("A0002")
    circulation.loan_checkout(actor=actor, card=reader.card_number, barcode=first.barcode)
    circulation.loan_checkin(actor=actor, barcode=first.barcode)
    circulation.loan_checkout(actor=actor, card=reader.card_number, barcode=second.barcode)
    circulation.hold_place(actor=actor, card=reader.card_number, bib_id=first.bib_id)
    return reader


def test_loan_and_hold_events_name_the_reader_by_pseudonym_only(reading):
    about_reading = AuditEvent.objects.filter(object_type__startswith="circulation.")
    assert about_reading.count() == 4  # checkout, checkin, checkout, hold
    link = AuditReader.objects.get(patron_id=reading.pk)
    for event in about_reading:
        assert event.reader == link.pseudonym
        text = _event_text(event)
        assert reading.card_number not in text and reading.name not in text
        assert f"→ {reading.pk} " not in event.object_repr


def test_anonymizing_cuts_the_link_and_leaves_the_log_as_it_was(actor, reading, admin_client):
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "reader", "after"))
    page = _rows(admin_client.get("/staff/audit/", {"reader": "R700001"}))
    # The reader's record, and their four loan and hold events through the pseudonym.
    assert page.count("林小雨（R700001）") == 5 and "借出" in page and "归还" in page

    circulation.loan_checkin(actor=actor, barcode="A0002")
    patrons.reader_settings_update(
        actor=actor, homeroom_sees_history=False, anonymize_after_years=0
    )
    patrons.patron_depart(actor=actor, patron_id=reading.pk, kind="graduated")
    results = housekeeping.run_all()  # what `shuxiang serve` runs every hour
    assert results["anonymize-history"] == 2

    assert not AuditReader.objects.filter(patron_id=reading.pk).exists()
    after = list(AuditEvent.objects.order_by("pk").values_list("pk", "reader", "after"))
    assert after[: len(before)] == before  # nothing rewritten, nothing removed
    page = _rows(admin_client.get("/staff/audit/", {"reader": "R700001"}))
    assert "借出" not in page and "归还" not in page  # the loans no longer lead to the reader
    assert "匿名化借阅历史" in page  # the reader's own record says it happened
    everything = _rows(admin_client.get("/staff/audit/")).split("<tr>")
    loans = [row for row in everything if "loan.check" in row or "hold.place" in row]
    assert len(loans) == 5  # two loans, a return and a hold before, the last return after
    assert all("已匿名读者" in row and "林小雨" not in row for row in loans)
    # Still append-only.
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET reader = NULL")


def test_a_new_loan_after_anonymizing_gets_a_new_pseudonym(actor, reading, make_item):
    old = AuditReader.objects.get(patron_id=reading.pk).pseudonym
    patrons.patron_set_keep_history(actor=actor, patron_id=reading.pk, keep=False)
    assert not AuditReader.objects.filter(patron_id=reading.pk).exists()
    circulation.loan_checkout(actor=actor, card="R700001", barcode=make_item("A0003").barcode)
    new = AuditReader.objects.get(patron_id=reading.pk).pseudonym
    assert new != old and AuditEvent.objects.filter(reader=old).count() == 4


def test_the_audit_page_in_words_with_filters(reading, admin_client):
    page = _rows(admin_client.get("/staff/audit/"))
    assert "图书状态：在架 → 借出" in page
    assert "预约" in page and '<code class="muted">loan.checkout</code>' in page
    only = admin_client.get("/staff/audit/", {"action": "loan.checkin"}).content.decode()
    assert (
        "归还" in only
        and "图书状态：借出 → 在架" in only
        and "loan.checkout" not in only.split("<tbody>")[1]
    )
    assert "共 1 条记录" in only
    nobody = admin_client.get("/staff/audit/", {"reader": "NOSUCH"}).content.decode()
    assert "暂无记录" in nobody
    bad = admin_client.get("/staff/audit/", {"start": "yesterday"})
    assert bad.status_code == 200 and "无法识别" in bad.content.decode()
    by_date = admin_client.get("/staff/audit/", {"start": "2000-01-01", "end": "2000-01-02"})
    assert "暂无记录" in by_date.content.decode()
    web = admin_client.get("/staff/audit/", {"channel": "web", "actor": "librarian1"})
    # The reader, two titles and copies, two loans, a return and a hold.
    assert "共 9 条记录" in web.content.decode()


def test_every_recorded_action_has_words():
    """An action the code records but nobody named would show as its code."""
    import re
    from pathlib import Path

    from shuxiang.core import audit_words

    audit_words.load()
    root = Path(__file__).resolve().parents[2] / "src" / "shuxiang"
    recorded = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'audit\.record\(\s*\w+,\s*"([a-z_]+\.[a-z_]+)"', text))
        recorded |= set(re.findall(r'action = "([a-z_]+\.[a-z_]+)"', text))
        recorded |= set(re.findall(r'"([a-z_]+\.[a-z_]+)" if \w+ ', text))
    recorded |= {f"fee.{kind}" for kind in ("payment", "waiver", "refund")}
    unnamed = sorted(a for a in recorded if audit_words.action_words(a) == a)
    assert not unnamed, unnamed


def test_every_staff_view_of_a_readers_loans_leaves_an_event(
    actor, reading, admin_client, api, librarian, school_class
):
    """The desk's card scan, the reader's account and page, the receipt, the class page,
    the overdue lists and slips, and the API's loan list and history."""
    from shuxiang.core import clock

    def views():
        return list(
            AuditEvent.objects.filter(
                action__in=["patron.loans_view", "patron.history_view"], object_id=str(reading.pk)
            ).values_list("after__where", flat=True)
        )

    admin_client.post("/staff/circulation/scan", {"code": "R700001"})
    admin_client.get("/staff/circulation/reader/R700001/")
    admin_client.get("/staff/circulation/receipt/R700001/")
    admin_client.get(f"/staff/patrons/{reading.pk}/")
    admin_client.get(f"/staff/patrons/{reading.pk}/history/")
    token = api(librarian)
    assert token.get("/api/v1/patrons/R700001/loans").status_code == 200
    assert token.get("/api/v1/patrons/R700001/loans?history=1").status_code == 200
    assert sorted(views()) == sorted(
        ["desk", "reader_account", "receipt", "reader_page", "page", "api", "api"]
    )
    with clock.frozen_at(clock.today().replace(year=clock.today().year + 1)):
        admin_client.get(f"/staff/patrons/classes/{school_class.pk}/")
        admin_client.get(f"/staff/circulation/overdue/class/{school_class.pk}/")
        admin_client.get("/staff/circulation/overdue/")
    seen = list(
        AuditEvent.objects.filter(action__in=["class.loans_view", "library.overdue_view"])
        .order_by("pk")
        .values_list("action", "after__where")
    )
    assert seen == [
        ("class.loans_view", "class_page"),
        ("class.loans_view", "class_overdue"),
        ("library.overdue_view", "overdue_summary"),
    ]


def test_housekeeping_with_nothing_to_anonymize_makes_no_anonymous_reader(library):
    from shuxiang.patrons.models import Patron

    assert housekeeping.run_all()["anonymize-history"] == 0
    assert not Patron.objects.filter(anonymous=True).exists()
