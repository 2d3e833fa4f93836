"""The school year across a whole school (grades 7–9, three classes each): promotion,
graduation clearance, students who leave mid-year."""

import datetime as dt

import pytest
from django.db.models import Count

from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.core.models import AuditEvent, Library
from shuxiang.patrons import services
from shuxiang.patrons.models import Patron, PromotionRun, SchoolClass


def lend(patron, item, *, returned=False, when=dt.datetime(2027, 3, 1, 10, 0)):
    """A loan row as circulation writes it, snapshots included."""
    from django.utils import timezone

    at = timezone.make_aware(when)
    return Loan.objects.create(
        library=patron.library,
        item=item,
        patron=patron,
        status="returned" if returned else "on_loan",
        checked_out_at=at,
        due_date=(when + dt.timedelta(days=14)).date(),
        returned_at=at + dt.timedelta(days=7) if returned else None,
        channel="web",
        patron_category=patron.category,
        patron_grade=patron.school_class.grade if patron.school_class_id else None,
        class_at_loan=patron.school_class,
        class_name_at_loan=patron.school_class.name if patron.school_class_id else "",
    )


@pytest.fixture
def school(actor, make_patron, make_class):
    """Grades 7–9 × classes 1–3 × 5 students, a homeroom teacher and an assistant each."""
    classes = {}
    for grade, label in [(7, "七"), (8, "八"), (9, "九")]:
        for number in (1, 2, 3):
            classes[(grade, number)] = make_class(f"{label}年级{number}班")
    n = 0
    for (grade, number), school_class in classes.items():
        teacher = make_patron(name=f"{grade}{number}班主任", category="teacher")
        students = [
            make_patron(
                name=f"学生{grade}{number}{i}",
                class_name=school_class.name,
                student_number=f"S{grade}{number}{i}",
            )
            for i in range(5)
        ]
        n += 5
        services.class_set_staff(
            actor=actor,
            class_id=school_class.pk,
            homeroom_card=teacher.card_number,
            assistant_cards=[students[0].card_number],
        )
    return classes


def test_whole_school_promotion(actor, school, make_item):
    seventh = Patron.objects.get(student_number="S710")
    ninth_borrower = Patron.objects.get(student_number="S910")
    old_loan = lend(seventh, make_item(), returned=True)
    open_loan = lend(ninth_borrower, make_item())
    stats_before = dict(Loan.objects.values_list("class_name_at_loan").annotate(n=Count("id")))

    preview = services.promotion_preview(actor.library)
    assert [(line.move.name, line.move.to_name) for line in preview.lines][:4] == [
        ("七年级1班", "八年级1班"),
        ("七年级2班", "八年级2班"),
        ("七年级3班", "八年级3班"),
        ("八年级1班", "九年级1班"),
    ]
    assert [line.move.graduates for line in preview.lines] == [False] * 6 + [True] * 3
    assert (preview.moving, preview.graduating, preview.pending) == (30, 15, 1)
    assert not Patron.objects.filter(status="graduated").exists()  # a preview changes nothing

    run = services.classes_promote(actor=actor)
    assert (
        run.classes_created,
        run.students_moved,
        run.students_graduated,
        run.students_pending,
    ) == (6, 30, 14, 1)
    library = Library.objects.get(pk=actor.library.pk)
    assert library.current_school_year == 2027

    # Next year's classes, one grade up, with their students, teacher and assistant.
    new = SchoolClass.objects.get(school_year=2027, name="八年级1班")
    assert (new.grade, new.number) == (8, 1)
    assert set(new.patrons.values_list("student_number", flat=True)) == {
        f"S71{i}" for i in range(5)
    }
    assert new.homeroom_teacher.name == "71班主任"
    assert list(new.assistants.values_list("student_number", flat=True)) == ["S710"]
    assert not SchoolClass.objects.filter(school_year=2027, grade=7).exists()
    assert SchoolClass.objects.filter(school_year=2027).count() == 6

    # Last year's classes stay as they were; so do the loans' snapshots and the statistics.
    assert SchoolClass.objects.filter(school_year=2026).count() == 9
    old_loan.refresh_from_db()
    assert old_loan.class_name_at_loan == "七年级1班" and old_loan.class_at_loan.school_year == 2026
    assert old_loan.patron_grade == 7
    assert (
        dict(Loan.objects.values_list("class_name_at_loan").annotate(n=Count("id"))) == stats_before
    )

    # The ninth grade graduated; the one with a book out waits on the clearance list.
    graduates = Patron.objects.filter(status="graduated")
    assert graduates.count() == 14
    assert all(
        p.school_class.name.startswith("九年级") and p.left_on == clock.today() for p in graduates
    )
    ninth_borrower.refresh_from_db()
    assert (ninth_borrower.status, ninth_borrower.departure) == ("blocked", "graduated")
    from shuxiang.patrons.selectors import clearance_list

    groups = clearance_list(actor.library)
    assert [g["class"].name for g in groups] == ["九年级1班"]
    assert [line["patron"].name for line in groups[0]["patrons"]] == [ninth_borrower.name]
    assert groups[0]["patrons"][0]["loans"] == [open_loan]
    assert (
        AuditEvent.objects.filter(action="patron.status", after__status="graduated").count() == 14
    )
    assert AuditEvent.objects.filter(action="patron.departure_pending").count() == 1
    assert AuditEvent.objects.filter(action="classes.promote").count() == 1

    # Clearance runs again after the book comes back.
    assert services.graduation_clearance(actor=actor) == 0
    Loan.objects.filter(pk=open_loan.pk).update(status="returned", returned_at=clock.now())
    assert services.graduation_clearance(actor=actor) == 1
    ninth_borrower.refresh_from_db()
    assert (ninth_borrower.status, ninth_borrower.departure) == ("graduated", "")
    assert clearance_list(actor.library) == []

    # A second promotion of the same school year is refused.
    with pytest.raises(Conflict) as exc:
        services.classes_promote(actor=actor, from_year=2026)
    assert exc.value.code == "wrong_school_year"
    PromotionRun.objects.filter(library=library).update(from_year=2027)
    with pytest.raises(Conflict) as exc:
        services.classes_promote(actor=actor)
    assert exc.value.code == "already_promoted"


def test_second_promotion_refused_even_from_a_stale_library_object(actor, school):
    stale = Library.objects.get(pk=actor.library.pk)
    services.classes_promote(actor=actor)
    from shuxiang.core.audit import Actor

    # Another screen still holding the old school year promotes again: refused.
    with pytest.raises(Conflict) as exc:
        services.classes_promote(actor=Actor(library=stale, user=actor.user), from_year=2026)
    assert exc.value.code == "wrong_school_year"
    assert SchoolClass.objects.filter(school_year=2028).count() == 0


def test_waiver_lets_a_graduate_go_and_is_audited(actor, school, make_item):
    student = Patron.objects.get(student_number="S920")
    lend(student, make_item())
    services.classes_promote(actor=actor)
    student.refresh_from_db()
    assert student.departure == "graduated"
    with pytest.raises(Invalid):
        services.clearance_waive(actor=actor, patron_id=student.pk, reason=" ")
    services.clearance_waive(actor=actor, patron_id=student.pk, reason="家长已按价赔偿")
    student.refresh_from_db()
    assert student.status == "graduated"
    event = AuditEvent.objects.get(action="patron.clearance_waive")
    assert "家长已按价赔偿" in event.reason and "未还 1 册" in event.reason
    assert event.actor == actor.user
    assert (
        Loan.objects.filter(patron=student, status="on_loan").count() == 1
    )  # the loan stays on record


def test_leaving_mid_year(actor, school, make_item):
    clear = Patron.objects.get(student_number="S811")
    holding = Patron.objects.get(student_number="S812")
    lend(holding, make_item())
    services.patron_depart(actor=actor, patron_id=clear.pk, reason="转学")
    services.patron_depart(actor=actor, patron_id=holding.pk, reason="转学")
    clear.refresh_from_db()
    holding.refresh_from_db()
    assert clear.status == "left" and clear.school_class.name == "八年级1班"
    assert (holding.status, holding.departure) == ("blocked", "left")
    with pytest.raises(Conflict):
        services.patron_depart(actor=actor, patron_id=clear.pk)
    # A leaver is not promoted with the class.
    services.classes_promote(actor=actor)
    clear.refresh_from_db()
    assert clear.school_class.school_year == 2026


def test_primary_school_six_three_graduates_sixth_grade(actor, make_patron, make_class):
    Library.objects.filter(pk=actor.library.pk).update(grade_system="6-3")
    six = make_class("六年级2班")
    five = make_class("五(1)班")
    a = make_patron(name="甲", class_name=six.name)
    b = make_patron(name="乙", class_name=five.name)
    services.classes_promote(actor=actor)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "graduated"
    assert b.school_class.name == "六年级1班" and b.school_class.school_year == 2027


def test_nine_year_school_keeps_sixth_graders(actor, make_patron, make_class):
    Library.objects.filter(pk=actor.library.pk).update(grade_system="9")
    actor.library.refresh_from_db()
    six = make_class("六年级2班")
    a = make_patron(name="甲", class_name=six.name)
    services.classes_promote(actor=actor)
    a.refresh_from_db()
    assert a.status == "active" and a.school_class.name == "七年级2班"


def test_blocking_needs_a_reason_and_is_audited(actor, make_patron):
    patron = make_patron()
    with pytest.raises(Invalid):
        services.patron_set_status(actor=actor, patron_id=patron.pk, status="blocked")
    services.patron_set_status(
        actor=actor, patron_id=patron.pk, status="blocked", reason="损坏图书未处理"
    )
    services.patron_set_status(actor=actor, patron_id=patron.pk, status="active")
    events = list(AuditEvent.objects.filter(action="patron.status").order_by("id"))
    assert [(e.before["status"], e.after["status"]) for e in events] == [
        ("active", "blocked"),
        ("blocked", "active"),
    ]
    with pytest.raises(Invalid):
        services.patron_set_status(actor=actor, patron_id=patron.pk, status="graduated")
