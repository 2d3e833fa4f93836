"""Serials services on a real database: subscribing predicts the year's issues, check-in
makes a lendable copy in one call, late issues are claimed, year-end binding makes a
loanable volume, next year's list continues the running numbers. Refusals write
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Bib, Item
from shuxiang.circulation import services as circulation
from shuxiang.core import clock
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent
from shuxiang.serials import selectors, services
from shuxiang.serials.models import BoundVolume, IssueCopy, Subscription

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 3, 20, 9, 0)


def subscribe(actor, **kw):
    values = {
        "title": "中国少年报",
        "year": 2026,
        "frequency": "monthly",
        "issn": "0317-8471",
        "cn": "CN11-0101/Z",
        "postal_code": "1-7",
        "copies": 1,
        "price_per_issue": 800,
        "skip_months": [7, 8],
    }
    values.update(kw)
    return services.subscription_create(actor=actor, **values)


def test_subscribing_predicts_the_years_issues_and_makes_a_periodical_title(actor):
    sub = subscribe(actor)
    issues = list(sub.issues.order_by("number"))
    assert len(issues) == 10
    assert [i.expected.month for i in issues] == [1, 2, 3, 4, 5, 6, 9, 10, 11, 12]
    assert all(i.status == "expected" for i in issues)
    assert sub.bib.material_type == Bib.MaterialType.PERIODICAL
    assert sub.location.code == "reading"
    assert sub.year_total == 8000  # 10 issues × ¥8.00
    assert AuditEvent.objects.filter(action="subscription.create").count() == 1


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"frequency": "fortnightly"}, "invalid_frequency"),
        ({"issn": "0317-8472"}, "invalid_issn"),
        ({"cn": "11-0101"}, "invalid_cn"),
        ({"skip_months": [13]}, "invalid_skip_months"),
        ({"title": "  "}, "title_required"),
        ({"copies": 0}, "invalid_copies"),
        ({"year": 1800}, "invalid_year"),
        ({"price_per_issue": -1}, "invalid_price"),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_written(actor, kw, code):
    events = AuditEvent.objects.count()
    with pytest.raises(Invalid) as exc:
        subscribe(actor, **kw)
    assert exc.value.code == code
    assert not Subscription.objects.exists()
    assert not Bib.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_same_title_twice_a_year_is_refused_and_next_year_reuses_the_title(actor):
    sub = subscribe(actor)
    with pytest.raises(Conflict) as exc:
        subscribe(actor)
    assert exc.value.code == "subscription_exists"
    later = subscribe(actor, year=2027)
    assert later.bib_id == sub.bib_id


def test_receive_makes_a_copy_a_teacher_borrows_at_once(actor, make_patron):
    sub = subscribe(actor)
    issue = sub.issues.get(number=3)
    with clock.frozen_at(DAY):
        got = services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)
        item = got.items[0]
        assert (item.status, item.circulation_type) == ("available", "periodical")
        assert item.location.code == "reading"
        assert item.price == 800
        # A single issue is not an asset: no accession number, not in the register.
        assert item.accession_number is None
        teacher = make_patron(card="R9000001", name="王老师", category="teacher")
        loan = circulation.loan_checkout(actor=actor, card=teacher.card_number, barcode=got.barcode)
    assert loan.item_id == item.pk
    issue.refresh_from_db()
    assert issue.status == "received"
    assert issue.received_at is not None
    [row] = selectors.teacher_loans(actor.library, 2026)
    assert (row["patron"].name, row["loans"], row["open"]) == ("王老师", 1, 1)


def test_receiving_twice_is_refused_and_writes_nothing(actor):
    sub = subscribe(actor)
    issue = sub.issues.get(number=1)
    services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)
    items, events = Item.objects.count(), AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)
    assert exc.value.code == "issue_received"
    assert (Item.objects.count(), AuditEvent.objects.count()) == (items, events)


def test_an_issue_of_another_title_is_not_found(actor):
    sub = subscribe(actor)
    other = subscribe(actor, title="少年文艺", issn="", cn="")
    with pytest.raises(NotFound):
        services.issue_receive(
            actor=actor, subscription_id=sub.pk, issue_id=other.issues.first().pk
        )


def test_each_subscribed_copy_becomes_a_copy_and_the_newest_stays_in_the_room(actor):
    sub = subscribe(actor, copies=2, current_not_loanable=True)
    first = services.issue_receive(
        actor=actor, subscription_id=sub.pk, issue_id=sub.issues.get(number=1).pk
    )
    assert len(first.items) == 2
    assert {i.circulation_type for i in first.items} == {"reference"}
    services.issue_receive(
        actor=actor, subscription_id=sub.pk, issue_id=sub.issues.get(number=2).pk
    )
    types = dict(
        IssueCopy.objects.values_list("issue__number", "item__circulation_type").distinct()
    )
    assert types == {1: "periodical", 2: "reference"}


def test_a_late_issue_checked_in_after_a_newer_one_goes_out_like_a_back_issue(actor):
    sub = subscribe(actor, current_not_loanable=True)
    for number in (3, 1):
        services.issue_receive(
            actor=actor, subscription_id=sub.pk, issue_id=sub.issues.get(number=number).pk
        )
    types = dict(IssueCopy.objects.values_list("issue__number", "item__circulation_type"))
    assert types == {1: "periodical", 3: "reference"}


def test_one_scan_of_the_cover_barcode_checks_in_that_issue(actor):
    sub = subscribe(actor)
    got = services.issue_receive_scan(actor=actor, text="977031784700104", year=2026)
    assert got.issue.number == 4
    got = services.issue_receive_scan(actor=actor, text="0317-8471", year=2026)
    assert got.issue.number == 1  # the earliest still expected
    got = services.issue_receive_scan(actor=actor, text="中国少年", year=2026)
    assert got.issue.number == 2
    with pytest.raises(NotFound):
        services.issue_receive_scan(actor=actor, text="不存在的刊", year=2026)
    assert sub.issues.filter(status="received").count() == 3


def test_late_issues_are_claimed_with_the_claim_recorded(actor):
    sub = subscribe(actor)
    services.issue_receive(
        actor=actor, subscription_id=sub.pk, issue_id=sub.issues.get(number=1).pk
    )
    with clock.frozen_at(dt.date(2026, 3, 20)):
        rows = selectors.issue_rows(sub, clock.today())
        assert [r.status for r in rows[:4]] == ["received", "late", "late", "expected"]
        claimed = services.issues_claim(actor=actor, subscription_id=sub.pk)
    assert [i.number for i in claimed] == [2, 3]
    issue = sub.issues.get(number=2)
    assert (issue.status, issue.claim_count) == ("claimed", 1)
    assert AuditEvent.objects.filter(action="issue.claim").count() == 2
    with clock.frozen_at(dt.date(2026, 3, 20)), pytest.raises(Conflict) as exc:
        services.issues_claim(actor=actor, subscription_id=sub.pk)
    assert exc.value.code == "nothing_late"
    # a claimed issue that comes in is received as usual
    services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)


def test_binding_makes_a_loanable_volume_and_marks_the_issues(actor, make_patron):
    sub = subscribe(actor, clc="G62")
    ids = []
    for number in range(1, 7):
        issue = sub.issues.get(number=number)
        services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)
        ids.append(issue.pk)
    bound = services.volume_bind(actor=actor, subscription_id=sub.pk, year=2026, issue_ids=ids)
    item = bound.item
    assert bound.call_number == "G62/1:2026-1"
    assert item.call_number.value == "G62/1:2026-1"
    assert item.accession_number
    assert (item.status, item.circulation_type) == ("available", "periodical")
    assert item.price == 4800
    assert item.bib.title == "中国少年报 2026年合订本（第1—6期）"
    assert set(sub.issues.filter(pk__in=ids).values_list("status", flat=True)) == {"bound"}
    assert set(
        Item.objects.filter(serial_copy__issue_id__in=ids).values_list("status", flat=True)
    ) == {"withdrawn"}
    with clock.frozen_at(DAY):
        teacher = make_patron(card="R9000002", name="李老师", category="teacher")
        circulation.loan_checkout(actor=actor, card=teacher.card_number, barcode=item.barcode)
    [row] = selectors.binding_list(actor.library, 2026)
    assert [i.number for i in row.issues] == [1, 2, 3, 4, 5, 6]
    # the second volume of the year follows on
    rest = []
    for number in (7, 8):
        issue = sub.issues.get(number=number)
        services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)
        rest.append(issue.pk)
    second = services.volume_bind(actor=actor, subscription_id=sub.pk, year=2026, issue_ids=rest)
    assert second.call_number == "G62/1:2026-2"


def test_binding_refusals_write_nothing(actor, make_patron):
    sub = subscribe(actor)
    one = sub.issues.get(number=1)
    two = sub.issues.get(number=2)
    got = services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=one.pk)
    services.volume_bind(actor=actor, subscription_id=sub.pk, year=2026, issue_ids=[one.pk])
    counts = (Item.objects.count(), Bib.objects.count(), AuditEvent.objects.count())

    def refused(ids, code, year=2026):
        with pytest.raises((Conflict, Invalid, NotFound)) as exc:
            services.volume_bind(actor=actor, subscription_id=sub.pk, year=year, issue_ids=ids)
        assert exc.value.code == code
        assert (Item.objects.count(), Bib.objects.count(), AuditEvent.objects.count()) == counts

    refused([one.pk], "issue_bound")
    refused([two.pk], "issue_not_received")
    refused([], "issues_required")
    refused([999999], "issue_not_found")
    refused([two.pk], "issue_not_found", year=2025)
    assert BoundVolume.objects.count() == 1
    assert got.items[0].pk  # the bound issue's copy is withdrawn, not deleted
    # an issue whose only copy is out cannot be bound until it comes back
    three = sub.issues.get(number=3)
    got = services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=three.pk)
    with clock.frozen_at(DAY):
        teacher = make_patron(card="R9000003", name="赵老师", category="teacher")
        circulation.loan_checkout(actor=actor, card=teacher.card_number, barcode=got.barcode)
    counts = (Item.objects.count(), Bib.objects.count(), AuditEvent.objects.count())
    refused([three.pk], "issue_on_loan")


def test_a_title_without_a_class_binds_under_z6(actor):
    sub = subscribe(actor)
    issue = sub.issues.get(number=1)
    services.issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)
    bound = services.volume_bind(
        actor=actor, subscription_id=sub.pk, year=2026, issue_ids=[issue.pk]
    )
    assert bound.call_number == "Z6/1:2026-1"


def test_next_years_list_carries_the_titles_over_with_changes(actor):
    weekly = subscribe(
        actor,
        title="中学生报",
        issn="",
        cn="",
        frequency="weekly",
        first_total=1001,
        skip_months=[],
    )
    subscribe(actor, title="停订的刊", issn="", cn="", price_per_year=6000)
    stopped = Subscription.objects.get(title="停订的刊")
    services.subscription_update(actor=actor, subscription_id=stopped.pk, active=False)
    renewal = services.subscriptions_renew(actor=actor, from_year=2026, to_year=2027)
    titles = sorted(s.title for s in renewal.created)
    assert titles == ["中学生报"]
    new_weekly = Subscription.objects.get(title="中学生报", year=2027)
    assert new_weekly.bib_id == weekly.bib_id
    assert new_weekly.first_total == 1001 + 52
    first = new_weekly.issues.order_by("number").first()
    assert (first.number, first.total, first.expected) == (1, 1053, dt.date(2027, 1, 4))
    services.subscription_update(actor=actor, subscription_id=new_weekly.pk, copies=3)
    again = services.subscriptions_renew(actor=actor, from_year=2026, to_year=2027)
    assert (again.created, again.existing) == ([], 1)
    listing = selectors.order_list(actor.library, 2027)
    assert (listing.titles, listing.copies) == (1, 3)
    assert listing.total == 52 * 800 * 3  # 52 issues at ¥8.00, three copies
    this_year = selectors.order_list(actor.library, 2026)
    assert (this_year.titles, this_year.total) == (1, 52 * 800)  # the stopped one is left out
