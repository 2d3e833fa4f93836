"""The hold queue (预约): place, trap at check-in, pickup window, next in line, cancel."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules, services
from shuxiang.circulation.models import Hold
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.calendar import OpeningCalendar
from shuxiang.core.errors import Conflict, Forbidden
from shuxiang.core.models import AuditEvent

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


@pytest.fixture
def readers(student, make_patron, school_class):
    second = make_patron(card="R200002", name="王小红", class_name=school_class.name)
    third = make_patron(card="R200003", name="赵小刚", class_name=school_class.name)
    return student, second, third


@pytest.fixture
def lent_copy(actor, readers, make_bib, make_item):
    bib = make_bib("草房子")
    item = make_item(barcode="20000001", bib=bib)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="20000001")
    return bib, item


def test_hold_expiry_counts_open_days():
    calendar = OpeningCalendar.build(slot_weekdays={0, 1, 2, 3, 4})
    # Trapped on a Friday with three open days: Friday, Monday, Tuesday.
    assert rules.hold_expiry(D("2026-11-06"), 3, calendar) == D("2026-11-10")
    # Trapped on a Saturday: Monday, Tuesday, Wednesday.
    assert rules.hold_expiry(D("2026-11-07"), 3, calendar) == D("2026-11-11")
    assert rules.hold_expired(D("2026-11-10"), D("2026-11-11"))
    assert not rules.hold_expired(D("2026-11-10"), D("2026-11-10"))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"copies": 0}, "no_copies"),
        ({"already_holding": True}, "hold_exists"),
        ({"has_copy_on_loan_to_self": True}, "already_on_loan"),
        ({"active_holds": 3}, "hold_limit"),
        ({"policy": rules.NOT_LOANABLE}, "holds_not_allowed"),
        ({}, None),
    ],
)
def test_hold_refusal(kwargs, code):
    args = {
        "policy": rules.Policy(),
        "active_holds": 0,
        "max_holds": 3,
        "already_holding": False,
        "has_copy_on_loan_to_self": False,
        "copies": 2,
    } | kwargs
    refusal = rules.hold_refusal(**args)
    assert (refusal.code if refusal else None) == code


def test_queue_trap_pickup_and_renewal_refused(actor, lent_copy):
    bib, item = lent_copy
    with clock.frozen_at(MONDAY):
        first = services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        services.hold_place(actor=actor, card="R200003", bib_id=bib.pk)
        with pytest.raises(Conflict) as exc:
            services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        assert exc.value.code == "hold_exists"
        with pytest.raises(Conflict) as exc:
            services.hold_place(actor=actor, card="R200001", bib_id=bib.pk)
        assert exc.value.code == "already_on_loan"
        with pytest.raises(Conflict) as exc:
            services.loan_renew(actor=actor, barcode="20000001")
        assert exc.value.code == "hold_waiting"
    with clock.frozen_at(D("2026-11-06")):  # a Friday
        result = services.loan_checkin(actor=actor, barcode="20000001")
    assert result.hold["patron"] == "R200002"
    assert result.hold["expires_on"] == "2026-11-10"
    assert any("预约架" in m for m in result.messages)
    item.refresh_from_db()
    assert item.status == Item.Status.ON_HOLD_SHELF
    first.refresh_from_db()
    assert first.status == Hold.Status.READY and first.item_id == item.pk
    # Somebody else may not take the kept copy (a librarian could, with a reason).
    with clock.frozen_at(D("2026-11-09")):
        with pytest.raises(Conflict) as exc:
            services.loan_checkout(actor=actor, card="R200003", barcode="20000001")
        assert exc.value.code == "item_on_hold"
        loan = services.loan_checkout(actor=actor, card="R200002", barcode="20000001")
    assert loan.patron.card_number == "R200002"
    first.refresh_from_db()
    assert first.status == Hold.Status.FULFILLED
    assert AuditEvent.objects.filter(action="hold.trap").count() == 1


def test_expiry_passes_copy_to_next_in_line(actor, lent_copy):
    bib, item = lent_copy
    with clock.frozen_at(MONDAY):
        first = services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        second = services.hold_place(actor=actor, card="R200003", bib_id=bib.pk)
        services.loan_checkin(actor=actor, barcode="20000001")
    first.refresh_from_db()
    assert first.expires_on == D("2026-11-04")
    with clock.frozen_at(D("2026-11-04")):
        assert services.hold_expire(actor=actor) == []
    with clock.frozen_at(D("2026-11-05")):
        expired = services.hold_expire(actor=actor)
    assert [h.pk for h in expired] == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Hold.Status.EXPIRED
    assert second.status == Hold.Status.READY and second.item_id == item.pk
    assert second.expires_on == D("2026-11-09")
    item.refresh_from_db()
    assert item.status == Item.Status.ON_HOLD_SHELF


def test_cancel_ready_hold_releases_copy(actor, lent_copy):
    bib, item = lent_copy
    with clock.frozen_at(MONDAY):
        hold = services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        services.loan_checkin(actor=actor, barcode="20000001")
        services.hold_cancel(actor=actor, hold_id=hold.pk)
        with pytest.raises(Conflict) as exc:
            services.hold_cancel(actor=actor, hold_id=hold.pk)
        assert exc.value.code == "hold_closed"
    hold.refresh_from_db()
    item.refresh_from_db()
    assert hold.status == Hold.Status.CANCELLED
    assert item.status == Item.Status.AVAILABLE


def test_api_place_and_cancel(api, librarian, lent_copy):
    bib, _item = lent_copy
    client = api(librarian)
    with clock.frozen_at(MONDAY):
        r = client.post("/api/v1/holds", {"patron": "R200002", "bib": bib.pk})
        assert r.status_code == 201, r.content
        hold_id = r.json()["hold_id"]
        assert r.json()["position"] == 1
        r = client.post("/api/v1/holds", {"patron": "R200002", "bib": bib.pk})
        assert r.status_code == 409 and r.json()["code"] == "hold_exists"
        r = client.delete(f"/api/v1/holds/{hold_id}")
        assert r.status_code == 204, r.content
        r = client.delete("/api/v1/holds/999999")
        assert r.status_code == 404 and r.json()["code"] == "hold_not_found"


def test_desk_shows_ready_hold_and_fees(client, librarian, actor, lent_copy):
    from shuxiang.circulation.models import Fee

    bib, _item = lent_copy
    with clock.frozen_at(MONDAY):
        services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        services.loan_checkin(actor=actor, barcode="20000001")
    patron = Fee._meta.get_field("patron").related_model.objects.get(card_number="R200002")
    Fee.objects.create(
        library=actor.library,
        patron=patron,
        kind="fine",
        amount=350,
        created_at=clock.now(),
    )
    client.force_login(librarian)
    with clock.frozen_at(D("2026-11-03")):
        r = client.post("/staff/circulation/scan", {"code": "R200002"})
    html = r.content.decode()
    assert "草房子" in html and "预约架" in html
    assert "3.50" in html
    assert 'data-test="hold-ready"' in html


def test_desk_checkin_of_held_copy_says_hold_shelf(client, librarian, actor, lent_copy):
    bib, _item = lent_copy
    with clock.frozen_at(MONDAY):
        services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
    client.force_login(librarian)
    with clock.frozen_at(MONDAY):
        r = client.post("/staff/circulation/scan", {"code": "20000001"})
    html = r.content.decode()
    assert "请放预约架" in html and "王小红" in html
    assert 'data-level="warning"' in html


def test_reader_sees_own_account_and_cancels_hold(client, actor, lent_copy, make_user):
    from shuxiang.patrons.models import Patron

    bib, _item = lent_copy
    login = make_user("student", username="wangxiaohong")
    reader = Patron.objects.get(card_number="R200002")
    reader.user = login
    reader.save()
    with clock.frozen_at(MONDAY):
        hold = services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
    client.force_login(login)
    with clock.frozen_at(MONDAY):
        html = client.get("/my/").content.decode()
        assert "草房子" in html and "排队中" in html
        r = client.post("/my/", {"action": "cancel_hold", "hold": hold.pk}, follow=True)
    assert "预约已取消" in r.content.decode()
    hold.refresh_from_db()
    assert hold.status == Hold.Status.CANCELLED
    assert client.get("/staff/circulation/reader/R200001/").status_code in (302, 403)


def test_hold_shelf_page_lists_and_marks_expired_holds(client, librarian, actor, lent_copy):
    from django.core.management import call_command

    bib, _item = lent_copy
    with clock.frozen_at(MONDAY):
        first = services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        services.hold_place(actor=actor, card="R200003", bib_id=bib.pk)
        services.loan_checkin(actor=actor, barcode="20000001")
    client.force_login(librarian)
    with clock.frozen_at(MONDAY):
        html = client.get("/staff/circulation/holds/").content.decode()
    assert "王小红" in html and "草房子" in html and "2026-11-04" in html
    assert "已过期" not in html and "立即处理过期预约" not in html
    with clock.frozen_at(D("2026-11-05")):
        # Opening the page changes nothing: the overdue hold is marked, with a button.
        html = client.get("/staff/circulation/holds/").content.decode()
        assert "王小红" in html and "已过期" in html and "1 条预约已过保留日期" in html
        assert "立即处理过期预约" in html
        first.refresh_from_db()
        assert first.status == Hold.Status.READY
        r = client.post("/staff/circulation/holds/", follow=True)
    html = r.content.decode()
    assert "1 条预约已过期，图书已转给下一位或归架。" in html
    first.refresh_from_db()
    assert first.status == Hold.Status.EXPIRED
    assert "赵小刚" in html and "王小红" not in html
    # The daily command does the same, and finds nothing more to do.
    with clock.frozen_at(D("2026-11-05")):
        call_command("expire-holds")
    assert Hold.objects.filter(status=Hold.Status.EXPIRED).count() == 1


def test_assistants_see_expired_holds_but_leave_them_to_the_librarian(
    client, make_user, actor, lent_copy
):
    bib, _item = lent_copy
    with clock.frozen_at(MONDAY):
        hold = services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        services.loan_checkin(actor=actor, barcode="20000001")
    helper = make_user("assistant", "helper")
    client.force_login(helper)
    with clock.frozen_at(D("2026-11-05")):
        html = client.get("/staff/circulation/holds/").content.decode()
        assert "立即处理过期预约" not in html
        assert client.post("/staff/circulation/holds/").status_code == 403
        with pytest.raises(Forbidden):  # the rule is the service's, not the page's
            services.hold_expire(actor=Actor(library=actor.library, user=helper))
    hold.refresh_from_db()
    assert hold.status == Hold.Status.READY


def test_the_server_expires_holds_every_hour_without_cron(actor, lent_copy):
    from shuxiang.core import housekeeping

    bib, _item = lent_copy
    with clock.frozen_at(MONDAY):
        first = services.hold_place(actor=actor, card="R200002", bib_id=bib.pk)
        services.hold_place(actor=actor, card="R200003", bib_id=bib.pk)
        services.loan_checkin(actor=actor, barcode="20000001")
    assert "expire-holds" in housekeeping.jobs()
    with clock.frozen_at(MONDAY):
        assert housekeeping.run_all()["expire-holds"] == 0
    with clock.frozen_at(D("2026-11-05")):
        assert housekeeping.run_all()["expire-holds"] == 1
    first.refresh_from_db()
    assert first.status == Hold.Status.EXPIRED
    assert Hold.objects.get(patron__card_number="R200003").status == Hold.Status.READY
