"""Check-out, check-in and renewal against a real database."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation import services
from shuxiang.circulation.models import Loan, LoanPolicy
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, DomainError, Forbidden, NotFound
from shuxiang.core.models import AuditEvent
from shuxiang.patrons.models import Patron

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


def test_checkout_makes_loan_and_audit(actor, student, make_item):
    item = make_item(barcode="10000001")
    with clock.frozen_at(MONDAY):
        loan = services.loan_checkout(actor=actor, card="R200001", barcode="10000001")
    assert loan.due_date == D("2026-11-16")
    assert loan.patron_category == "student" and loan.patron_grade == 7
    assert loan.class_name_at_loan == "七年级3班"
    item.refresh_from_db()
    assert item.status == "on_loan"
    event = AuditEvent.objects.get(action="loan.checkout")
    assert event.after["due"] == "2026-11-16"
    assert event.before == {"item_status": "available"}
    assert event.actor == actor.user


def test_teacher_due_at_end_of_term(actor, teacher, make_item):
    make_item(barcode="10000002")
    with clock.frozen_at(MONDAY):
        loan = services.loan_checkout(actor=actor, card="R300001", barcode="10000002")
    assert loan.due_date == D("2027-01-15")


def test_graduating_grade_due_by_leaving_date(
    actor, make_patron, library, calendar_setup, make_item
):
    from shuxiang.patrons.models import SchoolClass

    SchoolClass.objects.create(
        library=library,
        school_year=library.current_school_year,
        grade=9,
        number=1,
        name="九年级1班",
    )
    make_patron(card="R200009", name="赵毕业", class_name="九年级1班")
    make_item(barcode="10000003")
    with clock.frozen_at(D("2027-06-28")):
        loan = services.loan_checkout(actor=actor, card="R200009", barcode="10000003")
    assert loan.due_date == D("2027-07-02")  # the last day of the school year, not 12 July


def test_unknown_card_and_barcode(actor, student, make_item):
    make_item(barcode="10000004")
    with pytest.raises(NotFound) as exc:
        services.loan_checkout(actor=actor, card="R999999", barcode="10000004")
    assert exc.value.code == "patron_not_found"
    with pytest.raises(NotFound) as exc:
        services.loan_checkout(actor=actor, card="R200001", barcode="99999999")
    assert exc.value.code == "item_not_found"


def test_loan_limit_and_override(actor, student, make_item):
    for n in range(3):
        make_item(barcode=f"1100000{n}")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="11000000")
        services.loan_checkout(actor=actor, card="R200001", barcode="11000001")
        with pytest.raises(Conflict) as exc:
            services.loan_checkout(actor=actor, card="R200001", barcode="11000002")
        assert exc.value.code == "loan_limit"
        assert exc.value.details["overridable"] is True
        loan = services.loan_checkout(
            actor=actor, card="R200001", barcode="11000002", override_reason="语文课阅读任务"
        )
    assert loan.pk
    event = AuditEvent.objects.filter(action="loan.checkout").order_by("-id").first()
    assert event.reason == "语文课阅读任务"
    assert event.after["override"] == ["loan_limit"]


@pytest.mark.parametrize("reason", ["11000103", "R200001", "ISBN97875", "  "])
def test_a_scanned_code_is_never_an_override_reason(actor, student, make_item, reason):
    """At the desk a scanner types its code wherever the cursor is: a code given as the
    reason is refused and nothing is lent, through every adapter."""
    for n in range(4):
        make_item(barcode=f"1100010{n}")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="11000100")
        services.loan_checkout(actor=actor, card="R200001", barcode="11000101")
        with pytest.raises(DomainError) as exc:
            services.loan_checkout(
                actor=actor, card="R200001", barcode="11000102", override_reason=reason
            )
    assert exc.value.code == ("loan_limit" if not reason.strip() else "override_reason_invalid")
    assert not Loan.objects.filter(item__barcode="11000102").exists()


def test_assistant_may_not_override(library, student, make_item, make_user):
    from shuxiang.patrons.models import SchoolClass

    user = make_user("assistant", username="helper")
    helper_patron = Patron.objects.create(
        library=library,
        card_number="R200099",
        name="班级管理员",
        user=user,
        school_class=student.school_class,
    )
    SchoolClass.objects.get(pk=student.school_class_id).assistants.add(helper_patron)
    assistant = Actor(library=library, user=user)
    for n in range(3):
        make_item(barcode=f"1200000{n}")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=assistant, card="R200001", barcode="12000000")
        services.loan_checkout(actor=assistant, card="R200001", barcode="12000001")
        with pytest.raises(Conflict) as exc:
            services.loan_checkout(actor=assistant, card="R200001", barcode="12000002")
        assert exc.value.details["overridable"] is False
        with pytest.raises(Forbidden):
            services.loan_checkout(
                actor=assistant, card="R200001", barcode="12000002", override_reason="想借"
            )


def test_assistant_serves_only_own_class(library, make_patron, student, make_item, make_user):
    from shuxiang.patrons.models import SchoolClass

    other = SchoolClass.objects.create(
        library=library,
        school_year=library.current_school_year,
        grade=8,
        number=1,
        name="八年级1班",
    )
    make_patron(card="R200002", name="陈其他", class_name=other.name)
    user = make_user("assistant", username="helper")
    helper = Patron.objects.create(library=library, card_number="R200098", name="小助手", user=user)
    student.school_class.assistants.add(helper)
    assistant = Actor(library=library, user=user)
    make_item(barcode="13000000")
    make_item(barcode="13000001")
    with clock.frozen_at(MONDAY):
        with pytest.raises(Forbidden) as exc:
            services.loan_checkout(actor=assistant, card="R200002", barcode="13000000")
        assert exc.value.code == "not_your_class"
        services.loan_checkout(actor=assistant, card="R200001", barcode="13000001")
        services.loan_checkin(actor=assistant, barcode="13000001")


def test_reference_not_loanable(actor, student, make_item):
    make_item(barcode="10000005", circulation_type="reference")
    with pytest.raises(Conflict) as exc:
        services.loan_checkout(actor=actor, card="R200001", barcode="10000005")
    assert exc.value.code == "not_loanable"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": "blocked", "block_reason": "损坏图书未赔偿"}, "patron_blocked"),
        ({"valid_until": D("2026-10-01")}, "card_expired"),
    ],
)
def test_patron_refusals(actor, student, make_item, change, code):
    make_item(barcode="10000006")
    for key, value in change.items():
        setattr(student, key, value)
    student.save()
    with clock.frozen_at(MONDAY), pytest.raises(Conflict) as exc:
        services.loan_checkout(actor=actor, card="R200001", barcode="10000006")
    assert exc.value.code == code
    assert not Loan.objects.exists()


def test_item_on_loan_refused(actor, student, make_patron, make_item):
    make_patron(card="R200003", name="周同学", class_name="七年级3班")
    make_item(barcode="10000007")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="10000007")
        with pytest.raises(Conflict) as exc:
            services.loan_checkout(
                actor=actor, card="R200003", barcode="10000007", override_reason="试试"
            )
    assert exc.value.code == "item_on_loan"


def test_unique_index_backs_the_rule(actor, student, make_patron, make_item):
    """Even with a stale item status, the database refuses a second open loan, and the
    desk sees item_on_loan, not an IntegrityError."""
    make_patron(card="R200004", name="吴同学", class_name="七年级3班")
    item = make_item(barcode="10000008")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="10000008")
        Item.objects.filter(pk=item.pk).update(status="available")  # as if the update had been lost
        with pytest.raises(Conflict) as exc:
            services.loan_checkout(actor=actor, card="R200004", barcode="10000008")
    assert exc.value.code == "item_on_loan"
    assert Loan.objects.filter(item=item, status="on_loan").count() == 1


def test_checkin_overdue_counts_open_days(actor, student, make_item):
    make_item(barcode="10000009")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="10000009")  # due 16 Nov
    with clock.frozen_at(D("2026-11-23")):  # Monday a week later: 5 open days late
        result = services.loan_checkin(actor=actor, barcode="10000009")
    assert result.overdue_days == 5
    assert result.fee == 0  # no fines by default
    assert result.patron.card_number == "R200001"
    assert result.level == "warning"
    loan = Loan.objects.get()
    assert loan.status == "returned" and loan.returned_at is not None
    assert Item.objects.get(barcode="10000009").status == "available"
    assert AuditEvent.objects.filter(action="loan.checkin").count() == 1


def test_checkin_with_fine_policy(actor, student, make_item, library):
    LoanPolicy.objects.filter(
        library=library, patron_category="student", circulation_type="normal"
    ).update(fine_per_day=10, grace_days=1)
    make_item(barcode="10000010")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="10000010")
    from shuxiang.circulation.selectors import rules_cache_clear

    rules_cache_clear()  # update() sends no signal
    with clock.frozen_at(D("2026-11-19")):  # Thursday: 3 open days late
        result = services.loan_checkin(actor=actor, barcode="10000010")
    assert (result.overdue_days, result.fee) == (3, 20)


def test_checkin_not_on_loan(actor, make_item):
    make_item(barcode="10000011")
    with pytest.raises(Conflict) as exc:
        services.loan_checkin(actor=actor, barcode="10000011")
    assert exc.value.code == "not_on_loan"


@pytest.mark.parametrize("status", ["missing", "lost", "in_transit"])
def test_checkin_found(actor, make_item, status):
    item = make_item(barcode="10000012")
    Item.objects.filter(pk=item.pk).update(status=status)
    result = services.loan_checkin(actor=actor, barcode="10000012")
    assert result.found and result.loan is None
    assert "已按找到处理" in result.messages[0]
    assert Item.objects.get(pk=item.pk).status == "available"
    assert AuditEvent.objects.filter(action="item.found", object_id=str(item.pk)).exists()


def test_renewal(actor, student, make_item):
    make_item(barcode="10000013")
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="10000013")
    with clock.frozen_at(D("2026-11-12")):
        loan = services.loan_renew(actor=actor, barcode="10000013")
        assert loan.due_date == D("2026-11-26")
        with pytest.raises(Conflict) as exc:
            services.loan_renew(actor=actor, barcode="10000013")
    assert exc.value.code == "renewal_limit"
    assert AuditEvent.objects.filter(action="loan.renew").count() == 1


def test_renewal_not_on_loan(actor, make_item):
    make_item(barcode="10000014")
    with pytest.raises(Conflict) as exc:
        services.loan_renew(actor=actor, barcode="10000014")
    assert exc.value.code == "not_on_loan"


def test_renew_all(actor, teacher, make_item):
    for n in range(3):
        make_item(barcode=f"1400000{n}")
    with clock.frozen_at(MONDAY):
        for n in range(3):
            services.loan_checkout(actor=actor, card="R300001", barcode=f"1400000{n}")
    with clock.frozen_at(D("2026-12-01")):
        services.loan_renew(actor=actor, barcode="14000000")
        services.loan_renew(actor=actor, barcode="14000000")
        outcomes = services.loan_renew_all(actor=actor, card="R300001")
    assert sorted((o.loan.item.barcode, o.renewed, o.code) for o in outcomes) == [
        ("14000000", False, "renewal_limit"),
        ("14000001", True, ""),
        ("14000002", True, ""),
    ]
