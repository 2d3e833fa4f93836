"""Notices (公告) and the loan rules (借阅制度): written by the librarian on
/staff/opac/notices/, each change audited, shown on the public site; nobody else may."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Forbidden, Invalid, NotFound
from shuxiang.core.models import AuditEvent
from shuxiang.opac import rules, services
from shuxiang.opac.models import Notice

PAGE = "/staff/opac/notices/"


@pytest.mark.parametrize(
    ("title", "body", "until", "problems"),
    [
        ("寒假闭馆通知", "1月16日起闭馆。", None, []),
        ("", "x", None, ["请填写标题。"]),
        ("   ", "x", None, ["请填写标题。"]),
        ("标" * 201, "", None, ["标题最多 200 个字。"]),
        ("t", "字" * 20_001, None, ["正文最多 20000 个字。"]),
        ("t", "", dt.date(2026, 10, 1), ["“显示至”的日期已经过去。"]),
        ("t", "", dt.date(2026, 11, 2), []),
    ],
)
def test_notice_problems(title, body, until, problems):
    found = rules.notice_problems(
        title=title, body=body, show_until=until, today=dt.date(2026, 11, 2)
    )
    assert found == problems


@pytest.mark.parametrize(
    ("published", "until", "shown"),
    [(True, None, True), (False, None, False), (True, dt.date(2026, 11, 2), True),
     (True, dt.date(2026, 11, 1), False)],
)  # fmt: skip
def test_notice_shown(published, until, shown):
    assert (
        rules.notice_shown(published=published, show_until=until, today=dt.date(2026, 11, 2))
        is shown
    )


def test_services_are_audited_and_scoped(actor, library):
    notice = services.notice_create(actor=actor, title=" 新书上架 ", body="欢迎借阅。", pinned=True)
    assert (notice.title, notice.published, notice.pinned) == ("新书上架", True, True)
    services.notice_update(actor=actor, notice_id=notice.pk, title="新书到馆", body="快来借。")
    services.notice_retire(actor=actor, notice_id=notice.pk)
    services.notice_publish(actor=actor, notice_id=notice.pk)
    services.rules_update(actor=actor, title="借阅制度", body="每人限借 2 册。")
    actions = list(
        AuditEvent.objects.filter(object_type="opac.notice")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "notice.create", "notice.update", "notice.retire", "notice.publish", "rules.update"
    ]  # fmt: skip
    update = AuditEvent.objects.get(action="notice.update")
    assert update.before["title"] == "新书上架" and update.after["title"] == "新书到馆"
    assert update.actor_id == actor.user.pk
    # The same text again changes nothing and writes nothing.
    services.rules_update(actor=actor, title="借阅制度", body="每人限借 2 册。")
    assert AuditEvent.objects.filter(action="rules.update").count() == 1
    assert Notice.objects.filter(kind="rules").count() == 1
    with pytest.raises(Invalid):
        services.notice_create(actor=actor, title="")
    # Another library's notice is not found from here.
    from shuxiang.core.services import library_setup

    other = library_setup(code="other", name="另一所学校图书馆")
    theirs = services.notice_create(actor=Actor(library=other, user=None), title="别校公告")
    with pytest.raises(NotFound):
        services.notice_retire(actor=actor, notice_id=theirs.pk)


@pytest.mark.parametrize("role", ["student", "teacher", "assistant", "leader"])
def test_only_those_who_run_the_settings_may(make_user, library, role):
    user = make_user(role, f"{role}9")
    with pytest.raises(Forbidden):
        services.notice_create(actor=Actor(library=library, user=user), title="我来发公告")
    with pytest.raises(Forbidden):
        services.rules_update(actor=Actor(library=library, user=user), title="x", body="y")
    assert not Notice.objects.exists()


def test_the_staff_page_posts_edits_retires_and_writes_the_rules(client, librarian, library):
    client.force_login(librarian)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "公告与借阅制度" in html and f'href="{PAGE}"' in html  # in the staff menu
    created = client.post(
        PAGE,
        {"action": "create", "title": "寒假闭馆通知", "body": "1月16日起闭馆。\n\n2月22日开馆。",
         "pinned": "1", "show_until": "2027-02-22"},
        follow=True,
    )  # fmt: skip
    assert "已发布公告“寒假闭馆通知”。" in created.content.decode()
    notice = Notice.objects.get(title="寒假闭馆通知")
    assert notice.pinned and notice.published and notice.show_until == dt.date(2027, 2, 22)
    assert 'id="id_title"' in client.get(f"{PAGE}?edit={notice.pk}").content.decode()
    client.post(
        PAGE, {"action": "update", "notice": notice.pk, "title": "寒假闭馆", "body": "见校历。"}
    )
    notice.refresh_from_db()
    assert (notice.title, notice.body, notice.pinned) == ("寒假闭馆", "见校历。", False)
    client.post(
        PAGE,
        {"action": "rules", "title": "借阅制度", "body": "一、每人限借 2 册。\n二、借期 14 天。"},
    )

    home = client.get("/").content.decode()
    assert "寒假闭馆" in home and "见校历。" in home and 'href="/rules/"' in home
    rules_page = client.get("/rules/").content.decode()
    assert "一、每人限借 2 册。<br>二、借期 14 天。" in rules_page

    client.post(PAGE, {"action": "retire", "notice": notice.pk})
    assert "寒假闭馆" not in client.get("/").content.decode()
    assert "已撤下" in client.get(PAGE).content.decode()
    assert set(
        AuditEvent.objects.filter(
            actor_id=librarian.pk, action__startswith=("notice.")
        ).values_list("action", flat=True)
    ) == {"notice.create", "notice.update", "notice.retire"}
    assert AuditEvent.objects.filter(action="rules.update").count() == 1


def test_a_bad_form_is_shown_again_with_the_reason(client, librarian):
    client.force_login(librarian)
    response = client.post(PAGE, {"action": "create", "title": "", "body": "正文留着"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "请填写标题。" in html and "正文留着" in html
    bad_date = client.post(PAGE, {"action": "create", "title": "t", "show_until": "明天"})
    assert bad_date.status_code == 400 and "“显示至”应为日期" in bad_date.content.decode()
    for body in ({"action": "retire", "notice": "abc"}, {"action": "nope"},
                 {"action": "retire", "notice": "99999999999999999999999"}):  # fmt: skip
        assert client.post(PAGE, body).status_code in (400, 404)
    assert not Notice.objects.exists()


def test_the_page_is_the_librarian_s(client, make_user):
    assert client.get(PAGE).status_code == 302
    for role in ("student", "assistant", "teacher", "leader"):
        client.force_login(make_user(role, f"{role}7"))
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"action": "create", "title": "x"}).status_code == 403
    assert not Notice.objects.exists()


def test_the_home_page_shows_what_is_posted_today(client, actor):
    with clock.frozen_at(dt.date(2026, 11, 2)):
        services.notice_create(actor=actor, title="读书节", body="欢迎参加。")
        services.notice_create(actor=actor, title="置顶的通知", pinned=True)
        services.notice_create(actor=actor, title="草稿", published=False)
        services.notice_create(actor=actor, title="昨天截止", show_until=dt.date(2026, 11, 3))
    with clock.frozen_at(dt.date(2026, 11, 4)):
        html = client.get("/").content.decode()
    notices = html.split('data-test="notices"', 1)[1].split("</ul>", 1)[0]
    assert notices.index("置顶的通知") < notices.index("读书节")
    assert "草稿" not in notices and "昨天截止" not in notices
    assert "图书馆尚未公布借阅制度" in client.get("/rules/").content.decode()
