"""Patrons asks about loans only through its port (patrons.obligations), which
circulation fills at start-up; without circulation the port says nobody owes anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuxiang.circulation import services as circulation
from shuxiang.core import clock
from shuxiang.patrons import obligations
from shuxiang.patrons.models import Patron
from shuxiang.patrons.selectors import class_roster

MONDAY = dt.date.fromisoformat("2026-11-02")
LATER = dt.date.fromisoformat("2026-11-20")  # loans made on MONDAY fell due on 16 November


def test_circulation_registers_the_answers():
    assert obligations._source() is not None


def test_class_roster_counts_open_and_overdue_loans_in_two_queries(
    actor, make_patron, make_item, school_class
):
    late, current, idle = (
        make_patron(name=n, class_name=school_class.name) for n in ("甲", "乙", "丙")
    )
    with clock.frozen_at(MONDAY):
        circulation.loan_checkout(actor=actor, card=late.card_number, barcode=make_item().barcode)
    with clock.frozen_at(LATER):
        for patron in (late, current):
            circulation.loan_checkout(
                actor=actor, card=patron.card_number, barcode=make_item().barcode
            )
        with CaptureQueriesContext(connection) as queries:
            lines = class_roster(school_class)
    assert len(queries) == 2  # the readers, then their loans grouped
    counts = {line.patron.pk: (line.open_loans, line.overdue) for line in lines}
    assert counts == {late.pk: (2, 1), current.pk: (1, 0), idle.pk: (0, 0)}


def test_without_circulation_nobody_owes_anything(actor, make_patron, monkeypatch):
    monkeypatch.setattr(obligations, "_SOURCE", {})
    patron = make_patron()
    library = actor.library
    assert obligations.reader_obligations(library, [patron.pk]) == {
        patron.pk: obligations.Obligations()
    }
    assert list(obligations.open_loans(library, patron_ids=[patron.pk])) == []
    assert obligations.loan_counts(library.pk, [patron.pk], clock.today()) == {
        patron.pk: obligations.LoanCounts()
    }
    assert list(obligations.history(patron)) == []
    assert obligations.finished_loans(library, Patron.objects.all()) == {}
    assert obligations.history_detach(actor=actor, patron_id=patron.pk, anonymous_id=1) == 0


@pytest.mark.parametrize("dry_run", [True, False])
def test_history_anonymize_counts_finished_loans_through_the_port(
    actor, make_patron, make_item, dry_run
):
    from shuxiang.patrons import services

    patron = make_patron()
    for _ in range(2):
        item = make_item()
        circulation.loan_checkout(actor=actor, card=patron.card_number, barcode=item.barcode)
        circulation.loan_checkin(actor=actor, barcode=item.barcode)
    circulation.loan_checkout(actor=actor, card=patron.card_number, barcode=make_item().barcode)
    Patron.objects.filter(pk=patron.pk).update(keep_history=False)
    result = services.history_anonymize(actor=actor, dry_run=dry_run)
    assert (result.patrons, result.loans) == (1, 2)
    assert obligations.reader_obligations(actor.library, [patron.pk])[patron.pk].open_loans == 1
    left = obligations.finished_loans(actor.library, Patron.objects.filter(pk=patron.pk))
    assert left == ({patron.pk: 2} if dry_run else {})
