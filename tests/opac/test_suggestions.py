"""荐购 on the reader's side: /my/ links to /my/suggest/, where a student or a teacher
suggests a title (told first when the library has it), and sees the librarian's answer
to their own suggestions, never anyone else's."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.test import Client

from shuxiang.acquisitions import services
from shuxiang.acquisitions.models import PurchaseSuggestion
from shuxiang.catalog import cataloging
from shuxiang.core import clock

DAY = dt.datetime(2026, 10, 12, 12, 30)
ZHAOHUA = "9787020002207"


@pytest.fixture
def reader(make_patron, make_user, school_class):
    patron = make_patron(card="R100001", name="张小明", class_name="七年级3班")
    patron.user = make_user("student", "zhangxiaoming")
    patron.save()
    return patron


@pytest.fixture
def classmate(make_patron, make_user, school_class):
    patron = make_patron(card="R100002", name="王小红", class_name="七年级3班")
    patron.user = make_user("student", "wangxiaohong")
    patron.save()
    return patron


@pytest.fixture
def zhaohua(actor):
    """朝花夕拾 held in 3 copies."""
    return cataloging.bib_catalog(
        actor=actor,
        values={"title": "朝花夕拾", "isbn": ZHAOHUA, "clc": "I210.4"},
        copies=[cataloging.CopySpec() for _ in range(3)],
    ).bib


def test_my_account_links_to_the_suggestion_page(client, reader):
    client.force_login(reader.user)
    html = client.get("/my/").content.decode()
    assert 'data-test="suggest-link"><a href="/my/suggest/">' in html
    page = client.get("/my/suggest/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "荐购图书" in html and 'name="title"' in html and 'name="isbn"' in html
    assert "还没有荐购。" in html
    assert "同时最多可有 5 条荐购等待答复（现在 0 条）" in html


def test_the_page_needs_a_login_with_a_reader(client, librarian, library):
    response = client.get("/my/suggest/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    client.force_login(librarian)  # a login without a reader record
    assert client.get("/my/suggest/").status_code == 404


def test_a_held_title_is_answered_with_its_copies_and_the_reader_may_insist(
    client, reader, zhaohua
):
    client.force_login(reader.user)
    form = {"title": "朝花夕拾", "author": "鲁迅", "isbn": "7-02-000220-X", "note": "想再借"}
    response = client.post("/my/suggest/", form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "本馆已有《朝花夕拾》3 册，其中 3 册在架，欢迎借阅。" in html
    assert "仍然荐购（需要更多复本）" in html and 'name="insist" value="1"' in html
    assert not PurchaseSuggestion.objects.exists()

    with clock.frozen_at(DAY):
        response = client.post("/my/suggest/", {**form, "insist": "1"}, follow=True)
    html = response.content.decode()
    assert "已收到您对《朝花夕拾》的荐购，图书管理员答复后会显示在下面。" in html
    assert 'data-test="my-suggestions"' in html and "2026-10-12" in html
    assert "等待图书管理员答复。" in html
    suggestion = PurchaseSuggestion.objects.get()
    assert suggestion.isbn == ZHAOHUA and suggestion.askers.get().insisted


def test_the_reader_sees_the_answers(client, reader, classmate, actor):
    other = Client()
    other.force_login(classmate.user)
    other.post("/my/suggest/", {"title": "草房子", "author": "曹文轩"})
    client.force_login(reader.user)
    response = client.post("/my/suggest/", {"title": "《草房子》", "note": "同学推荐"}, follow=True)
    assert "《草房子》已有 1 位读者荐购，已加上您的一份" in response.content.decode()
    client.post("/my/suggest/", {"title": "青铜葵花"})
    caofangzi = PurchaseSuggestion.objects.get(title="草房子")
    qingtong = PurchaseSuggestion.objects.get(title="青铜葵花")
    services.suggestion_accept(actor=actor, suggestion_id=caofangzi.pk, batch_name="秋季新书")
    services.suggestion_decline(
        actor=actor, suggestion_id=qingtong.pk, reason="本馆已有 5 册，请预约"
    )
    html = client.get("/my/suggest/").content.decode()
    assert "已采纳" in html and "图书管理员已采纳，将列入采购。" in html
    assert "共 2 位读者荐购" in html
    assert "未采纳" in html and "原因：本馆已有 5 册，请预约" in html
    # The batch goes to the vendor.
    caofangzi.refresh_from_db()
    services.batch_mark_ordered(actor=actor, batch_id=caofangzi.batch_id)
    assert "已向书商订购，到书后即可借阅。" in client.get("/my/suggest/").content.decode()


def test_a_reader_sees_only_their_own_suggestions(client, reader, classmate):
    other = Client()
    other.force_login(classmate.user)
    other.post("/my/suggest/", {"title": "秘密花园", "note": "王小红的理由"})
    client.force_login(reader.user)
    html = client.get("/my/suggest/").content.decode()
    assert "秘密花园" not in html and "王小红" not in html
    assert "还没有荐购。" in html


def test_bad_input_and_the_limit_are_explained(client, reader):
    client.force_login(reader.user)
    response = client.post("/my/suggest/", {"title": "草房子", "isbn": "12345"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "ISBN 12345 无效，请核对（也可以不填）。" in html
    assert 'value="草房子"' in html  # what was typed stays in the form
    for n in range(5):
        client.post("/my/suggest/", {"title": f"新书{n}"})
    response = client.post("/my/suggest/", {"title": "第六本"})
    assert response.status_code == 409
    assert "您已有 5 条荐购在等待答复，请等图书管理员答复后再荐购。" in response.content.decode()
    assert PurchaseSuggestion.objects.count() == 5


def test_a_staff_reader_is_told_who_may_suggest(client, make_patron, make_user):
    patron = make_patron(card="R100009", name="后勤职工", category="staff")
    patron.user = make_user("teacher", "staff1")
    patron.save()
    client.force_login(patron.user)
    html = client.get("/my/suggest/").content.decode()
    assert "只有借书证正常的学生和教师可以荐购图书。" in html and 'name="title"' not in html
    response = client.post("/my/suggest/", {"title": "草房子"})
    assert response.status_code == 403
    assert "只有学生和教师可以荐购图书。" in response.content.decode()


def test_the_page_in_english(client, reader, zhaohua):
    client.force_login(reader.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/my/suggest/").content.decode()
    assert "Suggest a book" in html and "My suggestions" in html
    response = client.post("/my/suggest/", {"title": "朝花夕拾", "isbn": ZHAOHUA})
    assert "The library already has" in response.content.decode()


# --- in a real browser ------------------------------------------------------------------

SHOTS = Path(os.environ.get("SHUXIANG_SCREENSHOTS", "var/screenshots"))


@pytest.mark.browser
def test_both_pages_in_a_browser(tmp_path):
    """A student suggests a title and insists on a held one, a classmate joins; the
    librarian sees the list with counts and answers; the student sees the answers. In
    Chinese and in English, with screenshots of each page."""
    from tests.browser import browser_page, login, served, shuxiang

    var = tmp_path / "site"
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    _seed(var)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with served(var) as url:
        for locale, lang in (("zh-CN", "zh"), ("en-US", "en")):
            with browser_page(locale) as page:
                errors: list[str] = []
                _watch(page, errors)
                login(page, url, f"reader-{lang}", "reader123")
                page.goto(url + "/my/")
                page.click('[data-test="suggest-link"] a')
                page.fill("#id_title", "朝花夕拾")
                page.fill("#id_isbn", "978-7-02-000220-7")
                with page.expect_navigation():
                    page.click('[data-test="suggest-form"] button[type=submit]')
                held = page.inner_text('[data-test="held"]')
                assert ("3" in held) and ("朝花夕拾" in held)
                page.screenshot(path=str(SHOTS / f"suggest-reader-held-{lang}.png"), full_page=True)
                with page.expect_navigation():
                    page.click("form.inline-actions button")
                page.fill("#id_title", "草房子")
                page.fill("#id_author", "曹文轩")
                page.fill("#id_note", "同学都说好看" if lang == "zh" else "Everyone likes it")
                with page.expect_navigation():
                    page.click('[data-test="suggest-form"] button[type=submit]')
                assert page.locator('[data-test="my-suggestions"] tbody tr').count() >= 2
                page.screenshot(path=str(SHOTS / f"suggest-reader-{lang}.png"), full_page=True)
                assert errors == []
        with browser_page("zh-CN") as page:
            errors = []
            _watch(page, errors)
            login(page, url, "librarian", "librarian123")
            page.click("header.top nav >> text=采访")
            page.click("nav.cat-tabs >> text=读者荐购")
            first = page.locator("table.suggestions tbody tr").first
            assert first.locator(".askers").inner_text() == "2"  # 草房子, asked twice
            page.screenshot(path=str(SHOTS / "suggest-staff-zh.png"), full_page=True)
            first.locator("details.s-accept summary").click()
            first.locator("select[name=batch]").select_option("new")
            page.screenshot(path=str(SHOTS / "suggest-staff-accept-zh.png"), full_page=True)
            with page.expect_navigation():
                first.locator("details.s-accept button[type=submit]").click()
            assert "已采纳《草房子》" in page.inner_text("main")
            row = page.locator("table.suggestions tbody tr").first
            row.locator("details.s-decline summary").click()
            row.locator("input[name=reason]").fill("本馆已有 3 册，请直接借阅")
            with page.expect_navigation():
                row.locator("details.s-decline button[type=submit]").click()
            page.goto(url + "/staff/acquisitions/suggestions/?status=")
            page.screenshot(path=str(SHOTS / "suggest-staff-all-zh.png"), full_page=True)
            assert errors == []
        with browser_page("en-US") as page:
            login(page, url, "librarian", "librarian123")
            page.goto(url + "/staff/acquisitions/suggestions/?status=")
            page.screenshot(path=str(SHOTS / "suggest-staff-en.png"), full_page=True)
            page.locator("table.suggestions tbody tr a.s-title").first.click()
            page.screenshot(path=str(SHOTS / "suggest-staff-detail-en.png"), full_page=True)
        with browser_page("zh-CN") as page:
            login(page, url, "reader-zh", "reader123")
            page.goto(url + "/my/suggest/")
            answers = page.inner_text('[data-test="my-suggestions"]')
            assert "已采纳" in answers and "本馆已有 3 册，请直接借阅" in answers
            page.screenshot(path=str(SHOTS / "suggest-reader-answers-zh.png"), full_page=True)


def _watch(page, errors: list[str]) -> None:
    """Collect what a user would not see but must not happen: a script error, a refused
    script or style (CSP), a failed request (the browser's own /favicon.ico aside)."""

    def console(message) -> None:  # noqa: ANN001
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def response(answer) -> None:  # noqa: ANN001
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", response)


def _seed(var: Path) -> None:
    """Two student readers with logins, and 朝花夕拾 in 3 copies (through the services)."""
    import subprocess
    import sys

    from tests.browser import site_env

    script = """
import django
django.setup()
from shuxiang.catalog import cataloging
from shuxiang.core.audit import Actor
from shuxiang.core.models import Library
from shuxiang.core.services import user_create
from shuxiang.patrons.services import patron_create

library = Library.objects.get()
actor = Actor.system(library)
cataloging.bib_catalog(
    actor=actor,
    values={"title": "朝花夕拾", "isbn": "9787020002207", "clc": "I210.4"},
    copies=[cataloging.CopySpec() for _ in range(3)],
)
for card, name, login in [("R100001", "张小明", "reader-zh"), ("R100002", "Li Ming", "reader-en")]:
    patron = patron_create(actor=actor, card=card, name=name)
    patron.user = user_create(library=library, username=login, role="student", password="reader123")
    patron.save()
"""
    env = {**site_env(var), "DJANGO_SETTINGS_MODULE": "shuxiang.settings"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
