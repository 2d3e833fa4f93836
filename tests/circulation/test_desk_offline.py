"""The desk's scan ids (HTTP and services): a scan the desk sends again after a lost
answer, or from the queue it kept while offline, is applied once and answered the same."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shuxiang.circulation import services
from shuxiang.circulation.models import DeskScan, Loan
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent

MONDAY = dt.date.fromisoformat("2026-11-02")


@pytest.fixture
def desk(client, librarian):
    client.force_login(librarian)
    return client


def scan(client, code, patron="", **extra):
    response = client.post("/staff/circulation/scan", {"code": code, "patron": patron, **extra})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("replay", ["1", ""])
def test_a_checkout_sent_twice_is_one_loan_and_the_same_answer(desk, student, make_item, replay):
    make_item(barcode="56000000")
    scan_id = str(uuid.uuid4())
    with clock.frozen_at(MONDAY):
        first = scan(desk, "56000000", patron="R200001", scan_id=scan_id)
        second = scan(desk, "56000000", patron="R200001", scan_id=scan_id, replay=replay)
    assert 'data-level="ok"' in first and "应还日期 2026-11-16" in first
    assert second == first
    assert Loan.objects.count() == 1
    assert AuditEvent.objects.filter(action="loan.checkout").count() == 1
    assert DeskScan.objects.get().outcome["action"] == "checkout"


@pytest.mark.parametrize("replay", ["1", ""])
def test_a_checkin_sent_twice_is_one_return_and_the_same_answer(
    desk, student, make_item, actor, replay
):
    make_item(barcode="56000001")
    scan_id = str(uuid.uuid4())
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="56000001")
    with clock.frozen_at(dt.datetime(2026, 11, 20, 12, 30)):
        first = scan(desk, "56000001", scan_id=scan_id)
        second = scan(desk, "56000001", scan_id=scan_id, replay=replay)
    assert "已归还" in first and "逾期" in first and "李小华" in first
    assert second == first
    assert AuditEvent.objects.filter(action="loan.checkin").count() == 1
    assert Loan.objects.get().status == "returned"


def test_a_refusal_sent_again_gets_the_first_answer(desk, student, make_item, actor):
    for n in range(3):
        make_item(barcode=f"5600001{n}")
    scan_id = str(uuid.uuid4())
    with clock.frozen_at(MONDAY):
        scan(desk, "56000010", patron="R200001")
        scan(desk, "56000011", patron="R200001")
        first = scan(desk, "56000012", patron="R200001", scan_id=scan_id)
        assert 'data-code="loan_limit"' in first and "override-form" in first
        # Meanwhile a book comes back: the same scan sent again is still the refusal
        # it was, and lends nothing (the librarian saw it refused and may scan again).
        services.loan_checkin(actor=actor, barcode="56000010")
        second = scan(desk, "56000012", patron="R200001", scan_id=scan_id, replay="1")
        assert 'data-code="loan_limit"' in second and "达到上限 2 册" in second
        assert not Loan.objects.filter(item__barcode="56000012").exists()
        # A new scan (a new id) is decided anew.
        third = scan(desk, "56000012", patron="R200001", scan_id=str(uuid.uuid4()))
    assert 'data-level="ok"' in third


def test_the_service_applies_a_scan_id_once(actor, student, make_item):
    make_item(barcode="56000020")
    scan_id = uuid.uuid4()
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="56000020", scan_id=scan_id)
        services.loan_checkin(actor=actor, barcode="56000020")
        # The copy is back on the shelf: sending the same check-out again would lend it,
        # but the scan id was used, so nothing is written.
        with pytest.raises(services.ScanReplayed) as err:
            services.loan_checkout(actor=actor, card="R200001", barcode="56000020", scan_id=scan_id)
    assert err.value.code == "scan_replayed"
    assert Loan.objects.count() == 1
    assert AuditEvent.objects.filter(action="loan.checkout").count() == 1


def test_scans_without_an_id_work_as_before(desk, student, make_item):
    make_item(barcode="56000030")
    with clock.frozen_at(MONDAY):
        assert 'data-level="ok"' in scan(desk, "56000030", patron="R200001")
        assert "已归还" in scan(desk, "56000030")
    assert not DeskScan.objects.exists()


def test_a_malformed_scan_id_is_refused(desk, student, make_item):
    make_item(barcode="56000040")
    html = scan(desk, "56000040", patron="R200001", scan_id="not-a-uuid")
    assert 'data-level="error"' in html and "扫描编号无效" in html
    assert not Loan.objects.exists()


def test_the_readers_panel_carries_the_due_date_for_offline_checkouts(desk, student):
    with clock.frozen_at(MONDAY):
        html = scan(desk, "R200001")
    assert 'data-due="2026-11-16"' in html and 'data-card="R200001"' in html


def test_the_desk_page_carries_what_the_offline_desk_needs(desk, library):
    html = desk.get("/staff/circulation/").content.decode()
    assert "data-offline-text=" in html and "离线：扫描已暂存，联网后自动提交" in html
    assert f'data-queue-key="{library.pk}:' in html
    assert "data-card-pattern=" in html


def test_old_scan_ids_are_forgotten(actor, student, make_item):
    make_item(barcode="56000050")
    make_item(barcode="56000051")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(
            actor=actor, card="R200001", barcode="56000050", scan_id=uuid.uuid4()
        )
    with clock.frozen_at(MONDAY + dt.timedelta(days=40)):
        services.loan_checkout(
            actor=actor, card="R200001", barcode="56000051", scan_id=uuid.uuid4()
        )
        assert services.desk_scans_prune() == 1
    assert DeskScan.objects.count() == 1


def test_forgetting_old_scan_ids_is_a_housekeeping_job_and_a_command(actor, student, make_item):
    from io import StringIO

    from django.core.management import call_command

    from shuxiang.core import housekeeping

    make_item(barcode="56000060")
    assert "forget-desk-scans" in housekeeping.jobs()
    with clock.frozen_at(MONDAY):
        services.loan_checkout(
            actor=actor, card="R200001", barcode="56000060", scan_id=uuid.uuid4()
        )
    out = StringIO()
    with clock.frozen_at(MONDAY + dt.timedelta(days=31)):
        call_command("forget-desk-scans", stdout=out)
    assert "1 desk scan ids forgotten" in out.getvalue()
    assert not DeskScan.objects.exists()
