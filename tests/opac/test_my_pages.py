"""The reader's own pages: renew from /my/, the history of finished loans at
/my/history/ and the switch to keep none (finished loans anonymized at once)."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.circulation import services as circulation
from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent


@pytest.fixture
def loans(actor, corpus, reader, monday):
    """张小明 has 西游记 on loan and has returned 三国演义."""
    xiyouji = corpus["xiyouji"].items.order_by("barcode").first().barcode
    sanguo = corpus["sanguo"].items.first().barcode
    circulation.loan_checkout(actor=actor, card=reader.card_number, barcode=sanguo)
    circulation.loan_checkin(actor=actor, barcode=sanguo)
    return circulation.loan_checkout(actor=actor, card=reader.card_number, barcode=xiyouji)


def test_renew_from_my_page(client, reader, loans, monday):
    client.force_login(reader.user)
    html = client.get("/my/").content.decode()
    assert "续借《西游记》" in html and 'href="/my/history/"' in html
    before = loans.due_date
    with clock.frozen_at(dt.datetime(2026, 11, 12, 12, 30)):  # ten days later
        response = client.post(
            "/my/", {"action": "renew", "barcode": loans.item.barcode}, follow=True
        )
    loans.refresh_from_db()
    assert loans.due_date > before and loans.renewals == 1
    assert f"续借成功，新的应还日期 {loans.due_date.isoformat()}。" in response.content.decode()
    assert AuditEvent.objects.filter(action="loan.renew", object_id=str(loans.pk)).exists()
    # No renewals left: the button is gone, and a forged request is refused in words.
    assert "续借《西游记》" not in client.get("/my/").content.decode()
    again = client.post("/my/", {"action": "renew", "barcode": loans.item.barcode}, follow=True)
    assert 'class="msg error"' in again.content.decode()
    loans.refresh_from_db()
    assert loans.renewals == 1


def test_renew_is_refused_in_words_when_someone_waits(
    client, actor, reader, other_reader, loans, corpus, monday
):
    from shuxiang.catalog.services import item_status_set

    # Every other copy is out, so the next reader in line needs this one.
    for item in corpus["xiyouji"].items.exclude(pk=loans.item_id):
        item_status_set(item_id=item.pk, status="on_loan")
    circulation.hold_place(actor=actor, card=other_reader.card_number, bib_id=corpus["xiyouji"].pk)
    client.force_login(reader.user)
    response = client.post("/my/", {"action": "renew", "barcode": loans.item.barcode}, follow=True)
    html = response.content.decode()
    loans.refresh_from_db()
    assert loans.renewals == 0
    assert "有 1 位读者在等这本书，不能续借。" in html


def test_history_lists_finished_loans_only(client, reader, other_reader, loans, actor, corpus):
    client.force_login(reader.user)
    response = client.get("/my/history/")
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('data-test="history"', 1)[1].split("</table>", 1)[0]
    assert "三国演义" in table and "I242.4/2" in table
    assert "西游记" not in table  # still on loan: on /my/, not in the history
    # Another reader sees their own (empty) history, never this one's.
    client.force_login(other_reader.user)
    theirs = client.get("/my/history/").content.decode()
    assert "三国演义" not in theirs and 'data-test="no-history"' in theirs


def test_stop_and_start_keeping_the_history(client, reader, loans, actor):
    client.force_login(reader.user)
    assert 'data-test="stop-keeping"' in client.get("/my/history/").content.decode()
    response = client.post("/my/history/", {"keep": "0"}, follow=True)
    html = response.content.decode()
    assert "已不再保留借阅历史：已还图书的记录已匿名。" in html
    assert 'data-test="not-kept"' in html and 'data-test="no-history"' in html
    reader.refresh_from_db()
    assert reader.keep_history is False
    # The finished loan is anonymized; the open one stays the reader's.
    assert list(Loan.objects.filter(patron=reader).values_list("status", flat=True)) == ["on_loan"]
    event = AuditEvent.objects.get(action="patron.keep_history", object_id=str(reader.pk))
    assert event.after == {"keep_history": False} and event.actor_id == reader.user_id
    # Returning the open loan now leaves no history either (after the hourly job).
    with clock.frozen_at(dt.datetime(2026, 11, 3, 12, 30)):
        circulation.loan_checkin(actor=actor, barcode=loans.item.barcode)
    back = client.post("/my/history/", {"keep": "1"}, follow=True).content.decode()
    assert "已开始保留借阅历史。" in back and 'data-test="stop-keeping"' in back
    reader.refresh_from_db()
    assert reader.keep_history is True


def test_my_pages_need_a_reader(client, librarian, library):
    for path in ("/my/", "/my/history/"):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
    client.force_login(librarian)
    assert client.get("/my/history/").status_code == 404
    assert client.post("/my/history/", {"keep": "0"}).status_code == 404
