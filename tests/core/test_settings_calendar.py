"""The opening calendar from the settings pages (开放时间, 校历): weekly hours per
audience, terms, vacations, closed days and make-up working days (调休上班). Every change
is a service with an audit event, scoped to the library; bad input changes nothing; the
circulation rules of the same process see a change at once."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent, CalendarDay, OpeningSlot, Term, Vacation
from shuxiang.core.selectors import month_grid, opening_calendar
from shuxiang.core.services import (
    calendar_day_delete,
    calendar_day_set,
    library_setup,
    opening_slot_create,
    opening_slot_delete,
    term_create,
    term_delete,
    user_create,
    vacation_create,
    vacation_delete,
)

T = dt.time
D = dt.date


@pytest.fixture
def other_school(db):
    two = library_setup(code="school-02", name="二中图书馆")
    admin2 = user_create(library=two, username="admin2", role="admin", password="secret123")
    return Actor(library=two, user=admin2)


# -- weekly opening hours ------------------------------------------------------------------


def test_slots_for_several_days_at_once_each_with_an_audit_event(actor, library):
    made = opening_slot_create(
        actor=actor, weekdays=[0, 2, 4], opens=T(13), closes=T(14), audience="students"
    )
    assert [s.weekday for s in made] == [0, 2, 4]
    events = AuditEvent.objects.filter(action="opening_slot.create").order_by("id")
    assert [e.after for e in events] == [
        {"weekday": d, "opens": "13:00", "closes": "14:00", "audience": "students"}
        for d in (0, 2, 4)
    ]
    assert opening_calendar(library).open_weekdays == frozenset({0, 2, 4})


def test_students_and_teachers_may_share_an_hour_but_not_overlap_themselves(actor):
    opening_slot_create(actor=actor, weekdays=[1], opens=T(13), closes=T(14), audience="students")
    opening_slot_create(actor=actor, weekdays=[1], opens=T(13), closes=T(14), audience="teachers")
    with pytest.raises(Conflict) as refused:
        opening_slot_create(
            actor=actor, weekdays=[1, 3], opens=T(13, 30), closes=T(15), audience="students"
        )
    assert refused.value.code == "slot_overlap" and "星期二已有开放时间 13:00–14:00" in str(
        refused.value
    )
    with pytest.raises(Conflict):
        opening_slot_create(actor=actor, weekdays=[1], opens=T(12), closes=T(13, 1), audience="all")
    # touching ends do not overlap; nothing of the refused calls was written
    opening_slot_create(actor=actor, weekdays=[1], opens=T(14), closes=T(15), audience="students")
    assert OpeningSlot.objects.filter(weekday=3).count() == 0
    assert OpeningSlot.objects.count() == 3


@pytest.mark.parametrize(
    ("weekdays", "opens", "closes", "audience", "code"),
    [
        ([], T(13), T(14), "all", "weekday_required"),
        ([7], T(13), T(14), "all", "invalid_weekday"),
        ([0], None, T(14), "all", "times_required"),
        ([0], T(14), T(13), "all", "closes_before_opens"),
        ([0], T(14), T(14), "all", "closes_before_opens"),
        ([0], T(13), T(14), "parents", "invalid_audience"),
    ],
)
def test_bad_slots_are_refused(actor, weekdays, opens, closes, audience, code):
    with pytest.raises(Invalid) as refused:
        opening_slot_create(
            actor=actor, weekdays=weekdays, opens=opens, closes=closes, audience=audience
        )
    assert refused.value.code == code
    assert (
        not OpeningSlot.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="opening_slot").exists()
    )


def test_a_slot_is_deleted_with_an_audit_event_and_another_schools_is_not_found(
    actor, other_school
):
    (slot,) = opening_slot_create(actor=actor, weekdays=[0], opens=T(13), closes=T(14))
    with pytest.raises(NotFound):
        opening_slot_delete(actor=other_school, slot_id=slot.pk)
    assert OpeningSlot.objects.filter(pk=slot.pk).exists()
    opening_slot_delete(actor=actor, slot_id=slot.pk)
    assert not OpeningSlot.objects.exists()
    event = AuditEvent.objects.get(action="opening_slot.delete")
    assert event.before["opens"] == "13:00" and event.object_id == str(slot.pk)


# -- terms and vacations -------------------------------------------------------------------


def test_terms_and_vacations_with_audit_events(actor, library):
    term = term_create(actor=actor, name=" 2026 秋季学期 ", start=D(2026, 9, 1), end=D(2027, 1, 20))
    vacation = vacation_create(actor=actor, name="寒假", start=D(2027, 1, 21), end=D(2027, 2, 20))
    assert term.name == "2026 秋季学期"
    cal = opening_calendar(library)
    assert cal.term_on(D(2026, 10, 8)).name == "2026 秋季学期"
    assert cal.vacation_on(D(2027, 2, 1)).name == "寒假" and not cal.is_open(D(2027, 2, 1))
    assert AuditEvent.objects.get(action="term.create").after == {
        "name": "2026 秋季学期",
        "start": "2026-09-01",
        "end": "2027-01-20",
    }
    term_delete(actor=actor, term_id=term.pk)
    vacation_delete(actor=actor, vacation_id=vacation.pk)
    assert not Term.objects.exists() and not Vacation.objects.exists()
    assert AuditEvent.objects.filter(action__in=["term.delete", "vacation.delete"]).count() == 2


@pytest.mark.parametrize(
    ("name", "start", "end", "error", "code"),
    [
        ("", D(2026, 9, 1), D(2027, 1, 20), Invalid, "name_required"),
        ("x" * 51, D(2026, 9, 1), D(2027, 1, 20), Invalid, "name_too_long"),
        ("秋季", None, D(2027, 1, 20), Invalid, "dates_required"),
        ("秋季", D(2027, 1, 20), D(2026, 9, 1), Invalid, "end_before_start"),
        ("秋季", D(2026, 9, 1), D(2062, 1, 20), Invalid, "span_too_long"),
        ("秋季", D(2026, 6, 1), D(2026, 9, 1), Conflict, "term_overlap"),
    ],
)
def test_bad_terms_are_refused(actor, name, start, end, error, code):
    term_create(actor=actor, name="春季学期", start=D(2026, 2, 20), end=D(2026, 7, 5))
    before = (Term.objects.count(), AuditEvent.objects.count())
    with pytest.raises(error) as refused:
        term_create(actor=actor, name=name, start=start, end=end)
    assert refused.value.code == code
    assert (Term.objects.count(), AuditEvent.objects.count()) == before


def test_vacations_do_not_overlap_but_another_schools_may(actor, other_school):
    vacation_create(actor=actor, name="暑假", start=D(2026, 7, 10), end=D(2026, 8, 31))
    with pytest.raises(Conflict) as refused:
        vacation_create(actor=actor, name="夏令营", start=D(2026, 8, 1), end=D(2026, 8, 5))
    assert refused.value.code == "vacation_overlap" and "暑假" in str(refused.value)
    vacation_create(actor=other_school, name="暑假", start=D(2026, 7, 10), end=D(2026, 8, 31))
    term = term_create(actor=actor, name="秋季", start=D(2026, 9, 1), end=D(2027, 1, 20))
    with pytest.raises(NotFound):
        term_delete(actor=other_school, term_id=term.pk)
    assert Term.objects.filter(pk=term.pk).exists()


# -- closed days and make-up days ----------------------------------------------------------


def test_closed_day_and_make_up_day(actor, library):
    # No weekly slots yet: Monday to Friday are open.
    holiday = calendar_day_set(actor=actor, date=D(2026, 10, 1), kind="closed", note="国庆节")
    make_up = calendar_day_set(actor=actor, date=D(2026, 10, 10), kind="open", note="调休上班")
    cal = opening_calendar(library)
    assert not cal.is_open(D(2026, 10, 1)) and cal.is_open(D(2026, 10, 10))
    assert AuditEvent.objects.get(
        action="calendar_day.create", object_id=str(holiday.pk)
    ).after == {
        "date": "2026-10-01",
        "kind": "closed",
        "note": "国庆节",
    }
    # the same date again changes its note, with its own event; turning it open would
    # change nothing (a Thursday opens anyway), so that is refused: take the mark away
    changed = calendar_day_set(actor=actor, date=D(2026, 10, 1), kind="closed", note="国庆")
    assert changed.pk == holiday.pk and changed.note == "国庆"
    assert AuditEvent.objects.get(action="calendar_day.update").before == {
        "kind": "closed",
        "note": "国庆节",
    }
    with pytest.raises(Invalid):
        calendar_day_set(actor=actor, date=D(2026, 10, 1), kind="open")
    calendar_day_delete(actor=actor, day_id=make_up.pk)
    assert not opening_calendar(library).is_open(D(2026, 10, 10))
    assert AuditEvent.objects.filter(action="calendar_day.delete").count() == 1


@pytest.mark.parametrize(
    ("date", "kind", "code"),
    [
        (D(2026, 10, 3), "closed", "day_already_closed"),  # a Saturday
        (D(2026, 7, 20), "closed", "day_already_closed"),  # in the summer vacation
        (D(2026, 10, 8), "open", "day_already_open"),  # a Thursday
        (None, "closed", "date_required"),
        (D(2026, 10, 8), "half", "invalid_kind"),
    ],
)
def test_a_special_day_that_changes_nothing_is_refused(actor, date, kind, code):
    vacation_create(actor=actor, name="暑假", start=D(2026, 7, 10), end=D(2026, 8, 31))
    before = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        calendar_day_set(actor=actor, date=date, kind=kind)
    assert refused.value.code == code
    assert not CalendarDay.objects.exists() and AuditEvent.objects.count() == before


def test_a_make_up_day_in_a_vacation_opens_it(actor, library):
    vacation_create(actor=actor, name="寒假", start=D(2027, 1, 21), end=D(2027, 2, 20))
    calendar_day_set(actor=actor, date=D(2027, 2, 7), kind="open", note="调休上班")  # a Sunday
    assert opening_calendar(library).is_open(D(2027, 2, 7))


def test_another_schools_special_day_is_not_found(actor, other_school):
    day = calendar_day_set(actor=actor, date=D(2026, 10, 1), kind="closed")
    with pytest.raises(NotFound) as refused:
        calendar_day_delete(actor=other_school, day_id=day.pk)
    assert refused.value.code == "calendar_day_not_found"
    assert CalendarDay.objects.filter(pk=day.pk).exists()


# -- the circulation rules see a change at once ----------------------------------------------


def test_due_dates_see_a_calendar_change_in_the_same_process(actor, library):
    from shuxiang.circulation.selectors import library_rules

    wednesday = D(2026, 10, 14)
    assert library_rules(library).calendar.is_open(wednesday)  # cached now
    day = calendar_day_set(actor=actor, date=wednesday, kind="closed", note="运动会")
    assert not library_rules(library).calendar.is_open(wednesday)
    calendar_day_delete(actor=actor, day_id=day.pk)
    assert library_rules(library).calendar.is_open(wednesday)

    opening_slot_create(actor=actor, weekdays=[0], opens=T(13), closes=T(14))
    assert library_rules(library).calendar.open_weekdays == frozenset({0})
    vacation_create(actor=actor, name="寒假", start=D(2027, 1, 21), end=D(2027, 2, 20))
    assert library_rules(library).calendar.vacation_on(D(2027, 2, 1)) is not None
    term = term_create(actor=actor, name="秋季", start=D(2026, 9, 1), end=D(2027, 1, 20))
    assert library_rules(library).calendar.term_on(wednesday).name == "秋季"
    term_delete(actor=actor, term_id=term.pk)
    assert library_rules(library).calendar.term_on(wednesday) is None


# -- the month grid and the pages ------------------------------------------------------------


def test_the_month_grid(actor, library):
    vacation_create(actor=actor, name="寒假", start=D(2027, 1, 21), end=D(2027, 2, 20))
    term_create(actor=actor, name="秋季学期", start=D(2026, 9, 1), end=D(2027, 1, 20))
    calendar_day_set(actor=actor, date=D(2027, 1, 1), kind="closed", note="元旦")
    calendar_day_set(actor=actor, date=D(2027, 1, 9), kind="open", note="调休")
    weeks = month_grid(library, 2027, 1, today=D(2027, 1, 8))
    days = {cell["date"]: cell for week in weeks for cell in week}
    assert all(len(week) == 7 for week in weeks) and weeks[0][0]["date"] == D(2026, 12, 28)
    assert days[D(2027, 1, 1)]["state"] == "closed-day"
    assert days[D(2027, 1, 4)]["state"] == "open"
    assert days[D(2027, 1, 9)]["state"] == "makeup"
    assert days[D(2027, 1, 10)]["state"] == "closed"  # a Sunday
    assert (
        days[D(2027, 1, 21)]["state"] == "vacation" and days[D(2027, 1, 21)]["vacation"] == "寒假"
    )
    assert days[D(2027, 1, 22)]["vacation"] == ""  # named where it starts and on Mondays
    assert days[D(2027, 1, 25)]["vacation"] == "寒假"
    assert days[D(2027, 1, 20)]["term_ends"] == "秋季学期"
    assert days[D(2027, 1, 8)]["today"] and not days[D(2027, 1, 7)]["today"]
    assert not days[D(2026, 12, 28)]["in_month"]


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("admin", username="boss"))
    return client


def test_the_calendar_page_shows_the_month(admin_client, actor):
    calendar_day_set(actor=actor, date=D(2026, 10, 1), kind="closed", note="国庆节")
    with clock.frozen_at(D(2026, 10, 8)):
        page = admin_client.get("/staff/settings/calendar/").content.decode()
    assert "2026-10" in page and "国庆节" in page
    assert 'class="closed-day"' in page and 'class="open today"' in page
    assert "?month=2026-09" in page and "?month=2026-11" in page
    assert "<script" not in page and " onclick" not in page
    # a click on a date fills the special-day form
    page = admin_client.get("/staff/settings/calendar/?month=2026-10&day=2026-10-08").content
    assert 'value="2026-10-08"' in page.decode() and '<option value="closed" selected>' in (
        page.decode()
    )


def test_calendar_forms_add_and_remove(admin_client, library):
    url = "/staff/settings/calendar/"
    response = admin_client.post(
        url,
        {
            "action": "term",
            "name": "秋季学期",
            "start": "2026-09-01",
            "end": "2027-01-20",
            "month": "2026-09",
        },
        follow=True,
    )
    assert "已添加学期“秋季学期”。" in response.content.decode()
    assert response.redirect_chain[-1][0].endswith("?month=2026-09")
    admin_client.post(
        url, {"action": "vacation", "name": "寒假", "start": "2027-01-21", "end": "2027-02-20"}
    )
    response = admin_client.post(
        url,
        {"action": "day", "date": "2026-10-01", "kind": "closed", "note": "国庆节"},
        follow=True,
    )
    assert "已将 2026-10-01 设为闭馆日。" in response.content.decode()
    day = CalendarDay.objects.get()
    admin_client.post(url, {"action": "delete_day", "id": day.pk})
    assert not CalendarDay.objects.exists()
    response = admin_client.post(
        url, {"action": "vacation_loans", "vacation_loans": "1"}, follow=True
    )
    assert "已开启假期借阅。" in response.content.decode()
    library.refresh_from_db()
    assert library.vacation_loans
    assert Term.objects.count() == 1 and Vacation.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (
            {"action": "term", "name": "秋季", "start": "2026/9/1", "end": "2027-01-20"},
            422,
            "请按 年-月-日 填写日期",
        ),
        (
            {"action": "term", "name": "", "start": "2026-09-01", "end": "2027-01-20"},
            422,
            "请填写名称。",
        ),
        (
            {"action": "vacation", "name": "寒假", "start": "2027-02-20", "end": "2027-01-21"},
            422,
            "结束日期不能早于开始日期。",
        ),
        ({"action": "day", "date": "2026-10-03", "kind": "closed"}, 422, "本来就不开放"),
        ({"action": "day", "date": "", "kind": "closed"}, 422, "请按 年-月-日 填写日期"),
        ({"action": "delete_term", "id": "99999999999999999999999"}, 404, "没有找到这个学期。"),
        ({"action": "explode"}, 422, "未知的操作。"),
    ],
)
def test_bad_calendar_input_keeps_the_form_and_changes_nothing(admin_client, data, status, message):
    before = AuditEvent.objects.count()
    response = admin_client.post("/staff/settings/calendar/", data)
    assert response.status_code == status and message in response.content.decode()
    assert AuditEvent.objects.count() == before
    assert not Term.objects.exists() and not Vacation.objects.exists()
    if data.get("name"):
        assert f'value="{data["name"]}"' in response.content.decode()


def test_the_hours_page(admin_client):
    url = "/staff/settings/hours/"
    page = admin_client.get(url).content.decode()
    assert "还没有填写开放时间" in page and "星期日" in page
    response = admin_client.post(
        url,
        {
            "action": "create",
            "weekday": ["0", "2"],
            "opens": "13:00",
            "closes": "14:00",
            "audience": "students",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "已添加 2 段开放时间。" in page and "13:00–14:00" in page and "学生" in page
    slot = OpeningSlot.objects.filter(weekday=0).get()
    bad = admin_client.post(
        url,
        {"action": "create", "weekday": ["0"], "opens": "13:30", "closes": "ab", "audience": "all"},
    )
    assert bad.status_code == 422 and "请填写闭馆时间" in bad.content.decode()
    bad = admin_client.post(
        url,
        {
            "action": "create",
            "weekday": ["0"],
            "opens": "13:30",
            "closes": "15:00",
            "audience": "all",
        },
    )
    assert bad.status_code == 409 and "星期一已有开放时间" in bad.content.decode()
    admin_client.post(url, {"action": "delete", "slot": slot.pk})
    assert list(OpeningSlot.objects.values_list("weekday", flat=True)) == [2]


def test_another_schools_admin_gets_404_for_this_schools_rows(client, actor, other_school):
    (slot,) = opening_slot_create(actor=actor, weekdays=[0], opens=T(13), closes=T(14))
    term = term_create(actor=actor, name="秋季", start=D(2026, 9, 1), end=D(2027, 1, 20))
    client.force_login(other_school.user)
    assert (
        client.post("/staff/settings/hours/", {"action": "delete", "slot": slot.pk}).status_code
        == 404
    )
    response = client.post("/staff/settings/calendar/", {"action": "delete_term", "id": term.pk})
    assert response.status_code == 404
    assert (
        OpeningSlot.objects.filter(pk=slot.pk).exists() and Term.objects.filter(pk=term.pk).exists()
    )
    page = client.get("/staff/settings/calendar/?month=2026-09").content.decode()
    assert "秋季" not in page
