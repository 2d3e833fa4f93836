"""Two desks scanning the same copy at the same moment: exactly one loan, and every other
desk gets 409 item_on_loan (never a 500 or "database is locked"). Real threads and real
processes against the real database file (or the real PostgreSQL server in that pass)."""

from __future__ import annotations

import json
import multiprocessing
import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection, connections

from shuxiang.circulation import services
from shuxiang.circulation.models import Loan
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)

DESKS = 6
ROUNDS = 4


@pytest.fixture
def race(library, librarian, make_patron, make_item):
    cards = [
        make_patron(card=f"R40000{n}", name=f"教师{n}", category="teacher").card_number
        for n in range(DESKS)
    ]
    barcodes = [make_item(barcode=f"4000000{n}").barcode for n in range(ROUNDS)]
    return {"library": library, "user": librarian, "cards": cards, "barcodes": barcodes}


def _outcome(call) -> tuple[str, str]:
    try:
        call()
        return ("ok", "")
    except Conflict as exc:
        return ("conflict", exc.code)
    except Exception as exc:  # anything else is a failure the test reports
        return ("error", repr(exc))


def _assert_one_winner(outcomes, barcode):
    assert sorted(o[0] for o in outcomes) == ["conflict"] * (len(outcomes) - 1) + ["ok"], outcomes
    assert {o[1] for o in outcomes if o[0] == "conflict"} == {"item_on_loan"}
    assert Loan.objects.filter(item__barcode=barcode, status="on_loan").count() == 1


def test_threads_race_for_one_item(race):
    for barcode in race["barcodes"]:
        barrier = threading.Barrier(DESKS)
        outcomes = []

        def desk(card, barcode=barcode, barrier=barrier, outcomes=outcomes):
            actor = Actor(library=race["library"], user=race["user"])
            try:
                barrier.wait()
                outcomes.append(
                    _outcome(
                        lambda: services.loan_checkout(actor=actor, card=card, barcode=barcode)
                    )
                )
            finally:
                connection.close()

        threads = [threading.Thread(target=desk, args=(card,)) for card in race["cards"]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        _assert_one_winner(outcomes, barcode)


def _process_desk(library_id, user_id, card, barcode, barrier, queue):
    from django.contrib.auth import get_user_model

    from shuxiang.core.models import Library

    connections.close_all()
    actor = Actor(
        library=Library.objects.get(pk=library_id), user=get_user_model().objects.get(pk=user_id)
    )
    barrier.wait()
    queue.put(_outcome(lambda: services.loan_checkout(actor=actor, card=card, barcode=barcode)))
    connections.close_all()


def test_processes_race_for_one_item(race):
    context = multiprocessing.get_context("fork")
    barcode = race["barcodes"][0]
    connections.close_all()  # a forked child must not share the parent's connection
    barrier = context.Barrier(DESKS)
    queue = context.Queue()
    procs = [
        context.Process(
            target=_process_desk,
            args=(race["library"].pk, race["user"].pk, card, barcode, barrier, queue),
        )
        for card in race["cards"]
    ]
    for p in procs:
        p.start()
    outcomes = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    _assert_one_winner(outcomes, barcode)


def test_http_race_for_one_item(race, live_server):
    from shuxiang.core.services import token_create

    token = token_create(username=race["user"].username)
    for barcode in race["barcodes"][:2]:
        barrier = threading.Barrier(DESKS)
        outcomes = []

        def desk(card, barcode=barcode, barrier=barrier, outcomes=outcomes):
            request = urllib.request.Request(
                f"{live_server.url}/api/v1/circulation/checkout",
                data=json.dumps({"patron": card, "item": barcode}).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                method="POST",
            )
            barrier.wait()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    outcomes.append((response.status, json.loads(response.read())))
            except urllib.error.HTTPError as exc:
                outcomes.append((exc.code, json.loads(exc.read())))

        threads = [threading.Thread(target=desk, args=(card,)) for card in race["cards"]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(status for status, _body in outcomes)
        assert statuses == [201] + [409] * (DESKS - 1), outcomes
        assert {body["code"] for status, body in outcomes if status == 409} == {"item_on_loan"}
        assert Loan.objects.filter(item__barcode=barcode, status="on_loan").count() == 1


def test_one_reader_at_two_desks_keeps_the_limit(
    library, librarian, make_patron, make_item, school_class
):
    """A student with one loan left scans two books at two desks at once: one is lent,
    the other is refused with loan_limit."""
    make_patron(card="R410000", name="两台同学", class_name=school_class.name)
    make_item(barcode="41000000")
    make_item(barcode="41000001")
    make_item(barcode="41000002")
    actor = Actor(library=library, user=librarian)
    services.loan_checkout(actor=actor, card="R410000", barcode="41000000")
    barrier = threading.Barrier(2)
    outcomes = []

    def desk(barcode):
        try:
            barrier.wait()
            outcomes.append(
                _outcome(
                    lambda: services.loan_checkout(actor=actor, card="R410000", barcode=barcode)
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(b,)) for b in ("41000001", "41000002")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == [("conflict", "loan_limit"), ("ok", "")], outcomes
    assert Loan.objects.filter(patron__card_number="R410000", status="on_loan").count() == 2


def test_ten_desks_taking_money_at_once_get_ten_receipt_numbers(library, librarian, student):
    """Ten fees paid from ten threads at the same moment: ten distinct receipt numbers of
    the day, no error (on PostgreSQL counting the day's receipts gave duplicates)."""
    from shuxiang.circulation.models import Fee, Payment
    from shuxiang.core import clock

    fees = [
        Fee.objects.create(
            library=library, patron=student, kind="fine", amount=100 + n, created_at=clock.now()
        )
        for n in range(10)
    ]
    actor = Actor(library=library, user=librarian)
    barrier = threading.Barrier(len(fees))
    outcomes = []

    def desk(fee_id):
        try:
            barrier.wait()
            outcomes.append(_outcome(lambda: services.fee_pay(actor=actor, fee_ids=[fee_id])))
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(fee.pk,)) for fee in fees]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes == [("ok", "")] * len(fees), outcomes
    numbers = sorted(
        Payment.objects.filter(library=library).values_list("receipt_number", flat=True)
    )
    stem = f"SX{clock.today():%Y%m%d}-"
    assert numbers == [f"{stem}{n:04d}" for n in range(1, 11)]
    assert set(
        Fee.objects.filter(pk__in=[f.pk for f in fees]).values_list("status", flat=True)
    ) == {"paid"}
