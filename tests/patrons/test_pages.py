"""The staff pages for readers, over HTTP as a librarian, an assistant, a teacher and a
leader would use them."""

import datetime as dt
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from shuxiang.core.models import AuditEvent
from shuxiang.patrons import services
from shuxiang.patrons.models import Patron, RetiredCard
from tests.patrons.roster_files import xlsx
from tests.patrons.test_school_year import lend


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(actor, school_class, make_patron, make_item, make_user, make_class):
    other = make_class("八年级1班")
    zhang = make_patron(
        card="R000001", name="张小明", class_name="七年级3班", student_number="20260701"
    )
    wang = make_patron(card="R000002", name="王芳", class_name="八年级1班")
    helper = make_patron(card="R000003", name="李助理", class_name="七年级3班")
    teacher = make_patron(card="R000004", name="陈老师", category="teacher")
    services.class_set_staff(
        actor=actor, class_id=school_class.pk, homeroom_card="R000004", assistant_cards=["R000003"]
    )
    users = {
        role: make_user(role, f"u_{role}") for role in ["assistant", "teacher", "leader", "student"]
    }
    for patron, role in [(helper, "assistant"), (teacher, "teacher"), (zhang, "student")]:
        patron.user = users[role]
        patron.save()
    loan = lend(zhang, make_item(bib=None), when=dt.datetime(2026, 9, 1, 10))
    return {
        "zhang": zhang,
        "wang": wang,
        "class": school_class,
        "other": other,
        "users": users,
        "loan": loan,
    }


def test_search_by_every_key(librarian, people):
    client = login(librarian)
    for query in [
        "张小明",
        "zxm",
        "zhangxiaoming",
        "R000001",
        "20260701",
        "七年级3班",
        "初一(3)班",
    ]:
        html = client.get("/staff/patrons/", {"q": query}).content.decode()
        assert "张小明" in html, query
    html = client.get("/staff/patrons/", {"q": "wf"}).content.decode()
    assert "王芳" in html and "张小明" not in html
    assert "没有找到" in client.get("/staff/patrons/", {"q": "不存在的人"}).content.decode()


def test_assistant_search_and_classes_are_limited_to_their_class(people):
    client = login(people["users"]["assistant"])
    html = client.get("/staff/patrons/", {"q": "R000002"}).content.decode()
    assert "王芳" not in html
    assert "张小明" in client.get("/staff/patrons/", {"q": "张"}).content.decode()
    classes = client.get("/staff/patrons/classes/").content.decode()
    assert "七年级3班" in classes and "八年级1班" not in classes
    assert client.get(f"/staff/patrons/classes/{people['other'].pk}/").status_code == 403
    page = client.get(f"/staff/patrons/classes/{people['class'].pk}/").content.decode()
    assert "张小明" in page and "测试图书" in page  # open loans, to chase them
    assert client.get(f"/staff/patrons/{people['wang'].pk}/").status_code == 403
    assert client.get(f"/staff/patrons/{people['zhang'].pk}/history/").status_code == 403


def test_leader_sees_no_reader(people):
    client = login(people["users"]["leader"])
    assert client.get("/staff/patrons/", {"q": "张"}).status_code == 403
    assert client.get(f"/staff/patrons/classes/{people['class'].pk}/").status_code == 403
    assert client.get(f"/staff/patrons/{people['zhang'].pk}/").status_code == 403


def test_class_page_for_the_librarian(librarian, people):
    with __import__("shuxiang.core.clock", fromlist=["x"]).frozen_at(dt.date(2026, 10, 1)):
        html = (
            login(librarian).get(f"/staff/patrons/classes/{people['class'].pk}/").content.decode()
        )
    assert "七年级3班" in html and "张小明" in html and "李助理" in html and "陈老师" in html
    assert "在借图书" in html and "2026-09-15" in html and "逾期" in html
    assert "打印全班借书证" in html


def test_homeroom_teacher_sees_reading_only_when_enabled(actor, people):
    client = login(people["users"]["teacher"])
    url = f"/staff/patrons/classes/{people['class'].pk}/"
    html = client.get(url).content.decode()
    assert "张小明" in html and "在借图书" not in html
    assert client.get(f"/staff/patrons/classes/{people['other'].pk}/").status_code == 403
    assert client.get(f"/staff/patrons/{people['zhang'].pk}/history/").status_code == 403
    services.reader_settings_update(
        actor=actor, homeroom_sees_history=True, anonymize_after_years=3
    )
    assert "在借图书" in client.get(url).content.decode()
    history = client.get(f"/staff/patrons/{people['zhang'].pk}/history/")
    assert history.status_code == 200 and "测试图书" in history.content.decode()
    event = AuditEvent.objects.get(action="patron.history_view")
    assert event.actor == people["users"]["teacher"] and event.object_id == str(people["zhang"].pk)


def test_logging_in_takes_each_person_where_their_work_is(librarian, people):
    from django.test import Client

    def log_in(username):
        client = Client()
        response = client.post(
            "/staff/login/", {"username": username, "password": "secret123"}, follow=True
        )
        assert response.status_code == 200
        return response

    # The homeroom teacher lands on their own page, with the way to their class.
    response = log_in("u_teacher")
    assert response.redirect_chain[-1][0] == "/my/"
    html = response.content.decode()
    assert "陈老师" in html and "我任班主任的班级：" in html
    assert f'href="/staff/patrons/classes/{people["class"].pk}/">七年级3班</a>' in html
    # A student on theirs, without it; the librarian on the dashboard.
    response = log_in("u_student")
    assert response.redirect_chain[-1][0] == "/my/"
    html = response.content.decode()
    assert "张小明" in html and "我任班主任的班级" not in html
    # The public site's header knows who is logged in: a way out, no way in.
    header = html[html.index("<header") : html.index("</header>")]
    assert 'action="/staff/logout/"' in header and 'data-test="login"' not in header
    assert "工作台" not in header
    response = log_in(librarian.username)
    assert response.redirect_chain[-1][0] == "/staff/"
    home = response.client.get("/").content.decode()
    assert "工作台" in home[home.index("<header") : home.index("</header>")]


def test_history_views_are_audited_and_the_reader_sees_their_own(librarian, people):
    url = f"/staff/patrons/{people['zhang'].pk}/history/"
    assert login(librarian).get(url).status_code == 200
    assert AuditEvent.objects.filter(action="patron.history_view").count() == 1
    own = login(people["users"]["student"])
    assert own.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="patron.history_view").count() == 1
    assert own.get(f"/staff/patrons/{people['wang'].pk}/history/").status_code == 403


def test_export_own_data(librarian, people):
    response = login(people["users"]["student"]).get(
        f"/staff/patrons/{people['zhang'].pk}/export.json"
    )
    data = json.loads(response.content)
    assert (
        data["name"] == "张小明"
        and data["class_name"] == "七年级3班"
        and data["loans"][0]["barcode"]
    )
    assert (
        login(people["users"]["assistant"])
        .get(f"/staff/patrons/{people['zhang'].pk}/export.json")
        .status_code
        == 403
    )
    assert (
        login(librarian).get(f"/staff/patrons/{people['zhang'].pk}/export.json").status_code == 200
    )
    assert AuditEvent.objects.filter(action="patron.export").count() == 2


def test_lost_card_block_and_leave_from_the_reader_page(librarian, people):
    client = login(librarian)
    zhang = people["zhang"]
    url = f"/staff/patrons/{zhang.pk}/action/"
    page = client.post(url, {"action": "lost"}, follow=True).content.decode()
    zhang.refresh_from_db()
    assert zhang.card_number != "R000001" and f"新借书证号：{zhang.card_number}" in page
    assert RetiredCard.objects.get().card_number == "R000001"
    assert "R000001" in page  # listed as a lost card
    assert zhang.loans.filter(status="on_loan").count() == 1  # loans kept
    client.post(url, {"action": "block", "reason": "损坏图书"})
    zhang.refresh_from_db()
    assert (zhang.status, zhang.block_reason) == ("blocked", "损坏图书")
    client.post(url, {"action": "unblock"})
    page = client.post(url, {"action": "left", "reason": "转学"}, follow=True).content.decode()
    assert "离校清还名单" in page
    zhang.refresh_from_db()
    assert zhang.departure == "left"
    actions = list(
        AuditEvent.objects.filter(object_id=str(zhang.pk)).values_list("action", flat=True)
    )
    assert {"patron.card_lost", "patron.status", "patron.departure_pending"} <= set(actions)


def test_keep_no_history_anonymizes_finished_loans(librarian, people, make_item):
    zhang = people["zhang"]
    done = lend(zhang, make_item(), returned=True)
    login(librarian).post(
        f"/staff/patrons/{zhang.pk}/action/", {"action": "keep_history", "keep": "0"}
    )
    zhang.refresh_from_db()
    done.refresh_from_db()
    assert not zhang.keep_history
    assert done.patron.anonymous and done.class_name_at_loan == "七年级3班"
    assert people["loan"].patron_id == zhang.pk  # the open loan stays with the reader


def test_roster_import_preview_then_confirm(librarian, people):
    client = login(librarian)
    template = client.get("/staff/patrons/import/template.xlsx")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(template.content)).active["B1"].value == "姓名"

    content = xlsx(
        [
            ["20260702", "李华", "女", "", "初一(3)班", "学生", "", ""],
            ["20260701", "张小明", "男", "", "七年级3班", "学生", "", ""],
            ["20260703", "孙丽", "女", "", "九年级9班", "学生", "", ""],
        ],
        ["学号", "姓名", "性别", "年级", "班级", "类型", "借书证号", "身份证号"],
    )
    upload = io.BytesIO(content)
    upload.name = "2026级.xlsx"
    preview = client.post("/staff/patrons/import/", {"file": upload})
    html = preview.content.decode()
    assert "预览：2026级.xlsx" in html and "确认导入（新建 1，更新 1）" in html
    assert "九年级9班 不存在" in html and "身份证号" in html
    assert not Patron.objects.filter(name="李华").exists()
    token = preview.context["token"]
    done = client.post("/staff/patrons/import/", {"token": token, "confirm": "1"}).content.decode()
    assert "已导入：2026级.xlsx" in done
    assert Patron.objects.get(name="李华").school_class == people["class"]
    assert (
        client.post("/staff/patrons/import/", {"token": token, "confirm": "1"}).context.get(
            "report"
        )
        is None
    )


def test_bad_upload_is_refused_with_a_message(librarian, people):
    upload = io.BytesIO(b"")
    upload.name = "empty.xlsx"
    html = login(librarian).post("/staff/patrons/import/", {"file": upload}).content.decode()
    assert "无法导入 empty.xlsx" in html


def test_promotion_and_clearance_pages(librarian, people):
    client = login(librarian)
    html = client.get("/staff/patrons/promote/").content.decode()
    assert "七年级3班" in html and "八年级3班" in html and "确认升级到 2027 学年" in html
    # The confirmation comes from a script file (the pages allow no inline script).
    assert 'data-confirm="确认升级？此操作每个学年只能进行一次。"' in html
    assert "patrons/confirm.js" in html and "onsubmit" not in html
    page = client.post(
        "/staff/patrons/promote/", {"from_year": "2026"}, follow=True
    ).content.decode()
    assert "已升级到 2027 学年" in page
    again = client.post(
        "/staff/patrons/promote/", {"from_year": "2026"}, follow=True
    ).content.decode()
    assert "当前学年是 2027" in again
    assert "没有待清还的读者" in client.get("/staff/patrons/clearance/").content.decode()


def test_clearance_waiver_page(librarian, people, actor):
    services.patron_depart(actor=actor, patron_id=people["zhang"].pk, kind="left", reason="转学")
    client = login(librarian)
    html = client.get("/staff/patrons/clearance/").content.decode()
    assert "七年级3班" in html and "张小明" in html and "测试图书" in html
    client.post(
        "/staff/patrons/clearance/",
        {"action": "waive", "patron": people["zhang"].pk, "reason": "书已赔偿"},
    )
    people["zhang"].refresh_from_db()
    assert people["zhang"].status == "left"


@pytest.mark.needs_cjk_font
def test_class_cards_pdf(librarian, people):
    response = login(librarian).get(f"/staff/patrons/classes/{people['class'].pk}/cards.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        login(people["users"]["assistant"])
        .get(f"/staff/patrons/classes/{people['class'].pk}/cards.pdf")
        .status_code
        == 403
    )


def test_settings_page(librarian, people):
    client = login(librarian)
    client.post(
        "/staff/patrons/settings/", {"homeroom_sees_history": "1", "anonymize_after_years": "5"}
    )
    html = client.get("/staff/patrons/settings/").content.decode()
    assert 'value="5"' in html and "checked" in html


def test_navigation_shows_readers(librarian):
    html = login(librarian).get("/staff/patrons/").content.decode()
    assert 'href="/staff/patrons/"' in html and 'href="/staff/patrons/classes/"' in html
