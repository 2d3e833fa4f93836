"""The public catalog in a real browser: a reader types "xyj", picks 西游记 from the
suggestion list by keyboard, opens the record, logs in, places a hold and finds it on
/my/; the pages at 1366 px (a computer room) and 375 px (a phone), screenshots of each;
axe-core over home, results and record pages in Chinese and English with no serious or
critical violation."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHUXIANG_SCREENSHOTS", "var/screenshots"))
PASSWORD = "reader-secret"


@pytest.fixture
def opac_site(library, actor, add, corpus, make_patron, make_user, school_class, calendar):
    """A school with a catalog, a notice, loan rules, and a reader who may log in."""
    from shuxiang.circulation import services as circulation
    from shuxiang.opac import services

    patron = make_patron(card="R100001", name="张小明", class_name=school_class.name)
    patron.user = make_user("student", "zhangxiaoming", password=PASSWORD)
    patron.save()
    lender = make_patron(card="R100009", name="李四", class_name=school_class.name)
    circulation.loan_checkout(
        actor=actor, card=lender.card_number, barcode=corpus["sanguo"].items.first().barcode
    )
    services.notice_create(
        actor=actor, title="读书节开幕", body="本周五下午在图书室举行读书分享会。", pinned=True
    )
    services.notice_create(actor=actor, title="新书上架", body="本月新到图书 120 册，欢迎借阅。")
    services.rules_update(
        actor=actor,
        title="借阅制度",
        body="一、学生每人限借 2 册，借期 14 天。\n二、可续借一次。\n三、爱护图书，遗失照价赔偿。",
    )
    return corpus


def _no_overflow(page, width: int) -> None:
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: the page is {scroll} px wide at {width} px"


def test_find_xyj_open_the_record_log_in_and_hold(live_server, opac_site):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    site = live_server.url
    xiyouji = opac_site["xiyouji"]
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(site + "/")
        box = page.locator("#q")
        expect(box).to_have_attribute("aria-expanded", "false")
        page.screenshot(path=str(SHOTS / "opac-home-1366.png"), full_page=True)

        # The list opens as the reader types, and closes with Escape.
        box.click()
        page.keyboard.type("xy", delay=60)
        listbox = page.locator("#q-suggestions")
        expect(listbox).to_be_visible()
        expect(box).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("Escape")
        expect(listbox).to_be_hidden()
        expect(box).to_have_attribute("aria-expanded", "false")

        page.keyboard.type("j", delay=60)
        expect(listbox.locator("[role=option]").first).to_have_text("西游记")
        page.screenshot(path=str(SHOTS / "opac-suggest-1366.png"))
        page.keyboard.press("ArrowDown")
        expect(box).to_have_attribute("aria-activedescendant", "q-suggestions-0")
        expect(listbox.locator("#q-suggestions-0")).to_have_attribute("aria-selected", "true")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/search/" in page.url
        first = page.locator("ol.hits li.hit").first
        expect(first.locator("h3")).to_have_text("西游记")
        expect(first).to_contain_text("I242.4/1")
        expect(first).to_contain_text("书库")
        expect(first).to_contain_text("在架 3 册，共 3 册")
        page.screenshot(path=str(SHOTS / "opac-results-1366.png"), full_page=True)
        _no_overflow(page, 1366)

        with page.expect_navigation():
            first.locator("h3 a").click()
        assert page.url.endswith(f"/record/{xiyouji.pk}/")
        expect(page.locator("h1")).to_have_text("西游记")
        page.screenshot(path=str(SHOTS / "opac-record-1366.png"), full_page=True)

        # Log in from the record page and come back to it.
        with page.expect_navigation():
            page.click("[data-test=login-to-hold]")
        page.fill("#id_username", "zhangxiaoming")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/record/{xiyouji.pk}/"), page.url
        with page.expect_navigation():
            page.click("[data-test=hold-form] button")
        expect(page.locator("[data-test=message]")).to_contain_text(
            "已预约《西游记》：排在第 1 位，共 1 人。"
        )
        expect(page.locator("[data-test=my-hold]")).to_contain_text("第 1 位，共 1 人")
        page.screenshot(path=str(SHOTS / "opac-record-held-1366.png"), full_page=True)

        with page.expect_navigation():
            page.click("[data-test=my-hold] a")
        holds = page.locator("[data-test=holds]")
        expect(holds).to_contain_text("西游记")
        expect(holds.locator("[data-test=position]")).to_have_text("第 1 位，共 1 人")
        page.screenshot(path=str(SHOTS / "opac-my-1366.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_phone_shows_every_page_without_scrolling_sideways(live_server, opac_site):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    site = live_server.url
    record = f"/record/{opac_site['xiyouji'].pk}/"
    with browser_page() as page:
        page.set_viewport_size({"width": 375, "height": 812})
        for name, path in [
            ("home", "/"),
            ("results", "/search/?q=%E8%A5%BF%E6%B8%B8"),
            ("record", record),
            ("rules", "/rules/"),
        ]:
            page.goto(site + path)
            page.wait_for_load_state("load")
            _no_overflow(page, 375)
            page.screenshot(path=str(SHOTS / f"opac-{name}-375.png"), full_page=True)
        page.goto(site + "/")
        page.locator("#q").click()
        page.keyboard.type("xyj", delay=60)
        expect(page.locator("#q-suggestions [role=option]").first).to_have_text("西游记")
        page.screenshot(path=str(SHOTS / "opac-suggest-375.png"))


SERIOUS = {"serious", "critical"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_axe_finds_no_serious_violation(live_server, opac_site, language):
    from axe_playwright_python.sync_playwright import Axe

    site = live_server.url
    axe = Axe()
    pages = {
        "home": "/",
        "results": "/search/?q=%E8%A5%BF%E6%B8%B8",
        "results-filtered": "/search/?q=%E8%A5%BF%E6%B8%B8&avail=1",
        "record": f"/record/{opac_site['xiyouji'].pk}/",
    }
    found: list[str] = []
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        for width in (1366, 375):
            page.set_viewport_size({"width": width, "height": 900})
            for name, path in pages.items():
                page.goto(site + path)
                page.wait_for_load_state("load")
                lang = page.evaluate("() => document.documentElement.lang")
                assert lang == language, (name, lang)
                results = axe.run(page)
                for violation in results.response["violations"]:
                    if violation["impact"] in SERIOUS:
                        targets = [n["target"] for n in violation["nodes"]][:5]
                        found.append(
                            f"{name} {width}px: {violation['id']} ({violation['impact']}): "
                            f"{violation['help']} {targets}"
                        )
        if language == "en":
            page.goto(site + "/")
            assert "Library notices" in page.inner_text("main")
    assert not found, "\n".join(found)


def test_the_reader_renews_and_switches_history_in_the_browser(live_server, opac_site, actor):
    """The reader's own pages by keyboard and mouse: renew, then the history switch."""
    from playwright.sync_api import expect

    from shuxiang.circulation import services as circulation
    from shuxiang.core import clock

    barcode = opac_site["xiyouji"].items.order_by("barcode").first().barcode
    with clock.frozen_at(dt.datetime.now() - dt.timedelta(days=7)):
        circulation.loan_checkout(actor=actor, card="R100001", barcode=barcode)
    site = live_server.url
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(site + "/staff/login/?next=/my/")
        page.fill("#id_username", "zhangxiaoming")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        with page.expect_navigation():
            page.get_by_role("button", name="续借《西游记》").click()
        expect(page.locator("[data-test=message]")).to_contain_text("续借成功")
        with page.expect_navigation():
            page.click("[data-test=history-link]")
        with page.expect_navigation():
            page.click("[data-test=stop-keeping]")
        expect(page.locator("[data-test=not-kept]")).to_be_visible()
        page.screenshot(path=str(SHOTS / "opac-history-1366.png"), full_page=True)


def test_the_librarian_posts_a_notice_and_the_home_page_shows_it(live_server, opac_site, make_user):
    from playwright.sync_api import expect

    make_user("librarian", "notices", password="notices-secret")
    site = live_server.url
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(site + "/staff/login/")
        page.fill("#id_username", "notices")
        page.fill("#id_password", "notices-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        with page.expect_navigation():
            page.click("header.top nav >> text=公告与借阅制度")
        page.fill("#id_title", "期末还书提醒")
        page.fill("#id_body", "请在 1 月 10 日前还清所借图书。")
        with page.expect_navigation():
            page.click("[data-test=notice-form] button[type=submit]")
        expect(page.locator(".msg")).to_contain_text("已发布公告“期末还书提醒”。")
        page.screenshot(path=str(SHOTS / "opac-staff-notices-1366.png"), full_page=True)
        page.goto(site + "/")
        expect(page.locator("[data-test=notices]")).to_contain_text("期末还书提醒")
