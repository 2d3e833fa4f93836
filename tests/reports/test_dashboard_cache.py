"""The staff home's term rates are counted once and kept until something they count
changes (a loan, a return, a reader, a copy: each writes an audit event); today's counts
beside them stay live."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuxiang.circulation import services as circulation
from shuxiang.core import clock
from shuxiang.core.models import Term

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def tile(page: str, label: str) -> str:
    found = re.search(
        r'<div class="figure">([^<]*)</div>(?:<div class="note[^"]*">([^<]*)</div>)?'
        rf'<div class="label">{label}</div>',
        page,
    )
    assert found, label
    # the figure, and the line beside it (last term's value and the trend) as it reads
    return f"{found.group(1)}（{found.group(2)}）" if found.group(2) else found.group(1)


def counts_the_term(queries: list[dict]) -> bool:
    """Whether the term's loans were read (the loan facts' query names the category)."""
    return any("patron_category" in q["sql"] and "circulation_loan" in q["sql"] for q in queries)


@pytest.fixture
def terms(school):
    library = school["classes"]["71"].library
    Term.objects.create(library=library, name="2025秋季学期", start="2025-09-01", end="2026-01-31")
    Term.objects.create(library=library, name="2026春季学期", start="2026-02-01", end="2026-07-10")
    return library


def test_the_term_rates_are_kept_until_a_reader_or_a_loan_changes(
    client, librarian, actor, make_patron, terms
):
    client.force_login(librarian)
    with clock.frozen_at(TODAY):
        with CaptureQueriesContext(connection) as first:
            page = client.get("/staff/").content.decode()
        # S1, S2, S5 and (in February) S3 of 6 students.
        assert tile(page, "本学期借书率") == "66.7%（上学期 0.0% ↑）"
        assert counts_the_term(first.captured_queries)
        loans_today = int(tile(page, "今日借出"))

        with CaptureQueriesContext(connection) as second:
            page = client.get("/staff/").content.decode()
        assert tile(page, "本学期借书率") == "66.7%（上学期 0.0% ↑）"
        assert not counts_the_term(second.captured_queries)

        # A new student: 4 of 7 have borrowed.
        make_patron(card="R300001", name="陈七", class_name="七年级2班")
        page = client.get("/staff/").content.decode()
        assert tile(page, "本学期借书率") == "57.1%（上学期 0.0% ↑）"

        # The new student borrows b7 at the desk: 5 of 7, and today's loans go up by one.
        circulation.loan_checkout(actor=actor, card="R300001", barcode=_barcode("书b7"))
        page = client.get("/staff/").content.decode()
        assert tile(page, "本学期借书率") == "71.4%（上学期 0.0% ↑）"
        assert int(tile(page, "今日借出")) == loans_today + 1


def _barcode(title: str) -> str:
    from shuxiang.catalog.models import Item

    return Item.objects.get(bib__title=title).barcode


def test_a_copy_added_changes_the_circulation_rate(client, librarian, make_item, terms):
    client.force_login(librarian)
    with clock.frozen_at(TODAY):
        page = client.get("/staff/").content.decode()
        # b1 b2 b3 b4 b5 b6 w1 lent of 11 loanable copies held this term (b1–b8, w1, x1
        # entered 04-10, l1 lost in it; not r1, a reference book).
        assert tile(page, "本学期藏书流通率") == "63.6%（上学期 0.0% ↑）"
        make_item()
        page = client.get("/staff/").content.decode()
    assert tile(page, "本学期藏书流通率") == "58.3%（上学期 0.0% ↑）"
