"""The reader's panel at the desk: read with prepared statements, and brought up to date
by a check-out with the panel's figures and the new loan's row only when the desk says
it shows that reader's panel with every other open loan on it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shuxiang.circulation import services
from shuxiang.circulation.models import Fee, Loan
from shuxiang.circulation.selectors import desk_reader, patron_summary
from shuxiang.core import clock
from shuxiang.patrons.models import Patron

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


@pytest.fixture
def desk(client, librarian):
    client.force_login(librarian)
    return client


def scan(client, code, patron="", **extra):
    response = client.post("/staff/circulation/scan", {"code": code, "patron": patron, **extra})
    assert response.status_code == 200
    return response.content.decode()


def loan_ids(html):
    return re.findall(r'data-loan="(\d+)"', html)


def test_a_checkout_for_the_panel_shown_answers_with_the_update(desk, student, make_item, make_bib):
    make_item(barcode="57000001", bib=make_bib("朝花夕拾"), call_number="I210/1")
    make_item(barcode="57000002", bib=make_bib("骆驼祥子"))
    with clock.frozen_at(MONDAY):
        card = scan(desk, "R200001")
        assert 'class="reader-panel"' in card and "目前没有在借图书" in card
        first = scan(desk, "57000001", patron="R200001", shown="R200001", shown_loans="")
        second = scan(
            desk,
            "57000002",
            patron="R200001",
            shown="R200001",
            shown_loans=",".join(loan_ids(first)),
        )
    # The message, the reader's figures and the new loan's row; not the whole panel.
    assert 'data-lent="1"' in first and 'class="reader-update"' in first
    assert "《朝花夕拾》借出，应还日期 2026-11-16。" in first
    assert 'data-test="loan-count">1 / 2<' in first
    assert "reader-panel" not in first and "<thead>" not in first
    assert "I210/1" in first and 'data-due="2026-11-16"' in first and "今日" in first
    assert "目前没有在借图书" not in first
    assert 'data-test="loan-count">2 / 2<' in second and "figure-box full" in second
    # Only the new loan's row: the first one is on the desk's panel already.
    (first_id,) = loan_ids(first)
    (second_id,) = loan_ids(second)
    assert first_id != second_id and "朝花夕拾" not in second and "骆驼祥子" in second
    assert 'class="fresh"' in second
    assert Loan.objects.filter(status="on_loan").count() == 2


def test_a_panel_that_is_out_of_date_gets_the_whole_panel(desk, student, make_item, actor):
    make_item(barcode="57000011")
    make_item(barcode="57000012")
    make_item(barcode="57000013")
    with clock.frozen_at(MONDAY):
        first = scan(desk, "57000011", patron="R200001", shown="R200001", shown_loans="")
        # Another desk takes the book back meanwhile: the panel lists a loan no longer
        # open, so the next check-out answers with the whole panel, without it.
        services.loan_checkin(actor=actor, barcode="57000011")
        html = scan(
            desk,
            "57000012",
            patron="R200001",
            shown="R200001",
            shown_loans=",".join(loan_ids(first)),
        )
        assert 'class="reader-panel"' in html and "reader-update" not in html
        assert "57000011" not in html and 'data-test="loan-count">1 / 2<' in html
        # Another reader's panel on screen, or none, or a list that cannot be read: the
        # whole panel too.
        for shown, listed in [("R999999", ""), ("", ""), ("R200001", "x")]:
            services.loan_checkin(actor=actor, barcode="57000012")
            html = scan(desk, "57000012", patron="R200001", shown=shown, shown_loans=listed)
            assert 'class="reader-panel"' in html and "<thead>" in html, (shown, listed)


def test_the_desk_reads_the_reader_as_the_account_pages_do(
    actor, student, make_item, make_bib, make_patron, school_class
):
    """desk_reader (prepared statements) gives the figures patron_summary gives: loans in
    the same order, overdue days, renewals left, holds ready, fees and refusals."""
    bib = make_bib("草房子")
    make_item(barcode="57000021", bib=bib, call_number="I287/5")
    make_item(barcode="57000022")
    other = make_patron(card="R200009", name="王小红", class_name=school_class.name)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="57000021")
        services.hold_place(actor=actor, card="R200009", bib_id=bib.pk)
        services.loan_checkin(actor=actor, barcode="57000021")  # on the hold shelf for 王小红
    with clock.frozen_at(MONDAY - dt.timedelta(days=30)):
        services.loan_checkout(actor=actor, card="R200009", barcode="57000022")
    Fee.objects.create(
        library=actor.library, patron=other, kind="fine", amount=350, created_at=clock.now()
    )
    services.patron_block(actor=actor, card="R200009", reason="损坏图书未赔偿")
    patron = Patron.objects.select_related("school_class").get(card_number="R200009")
    with clock.frozen_at(MONDAY):
        today = clock.today()
        mine = desk_reader(actor.library, patron, today=today)
        theirs = patron_summary(actor.library, patron, today=today)
    for key in ("count", "limit", "at_limit", "overdue", "fees", "fees_yuan", "due_today"):
        assert mine[key] == theirs[key], key
    assert [b.code for b in mine["blocks"]] == [b.code for b in theirs["blocks"]] != []
    assert [h.title for h in mine["holds_ready"]] == [h.bib.title for h in theirs["holds_ready"]]
    assert [h.expires_on for h in mine["holds_ready"]] == [
        h.expires_on for h in theirs["holds_ready"]
    ]
    assert len(mine["loans"]) == len(theirs["loans"]) == 1
    for row, other_row in zip(mine["loans"], theirs["loans"], strict=True):
        loan, same = row["loan"], other_row["loan"]
        assert (loan.pk, loan.barcode, loan.title, loan.due_date, loan.renewals) == (
            same.pk,
            same.item.barcode,
            same.item.bib.title,
            same.due_date,
            same.renewals,
        )
        assert loan.checked_out_at == same.checked_out_at
        for key in ("overdue_days", "renewals_left", "today"):
            assert row[key] == other_row[key], key
        assert row["overdue_days"] > 0
