"""The library's settings pages (图书馆设置) in a real browser: the librarian opens each tab
from the menu, adds opening hours, closes a day from the month calendar, checks a new
card format and adds a location; screenshots at 1366 px for a look at the layout."""

import os
from pathlib import Path

import pytest

from tests.browser import browser_page, login, served, shuxiang

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SHUXIANG_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-settings")
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    with served(var) as url:
        yield url


def test_settings_pages(site):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 800})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        login(page, site, "librarian", "librarian123")
        page.click("header.top nav >> text=图书馆设置")
        assert page.locator("nav.tabs a.active").inner_text() == "基本信息"
        page.fill("#id_school_name", "书香实验中学")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "已保存图书馆信息。" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "settings-library.png"), full_page=True)

        page.click("nav.tabs >> text=开放时间")
        page.check("input[name=weekday][value='5']")
        page.fill("#id_opens", "13:00")
        page.fill("#id_closes", "14:00")
        page.select_option("#id_audience", "students")
        with page.expect_navigation():
            page.click("aside button[type=submit]")
        assert "已添加 6 段开放时间。" in page.inner_text("main")
        assert "13:00–14:00" in page.locator("tr", has_text="星期六").inner_text()
        page.screenshot(path=str(SHOTS / "settings-hours.png"), full_page=True)

        page.click("nav.tabs >> text=校历")
        page.goto(site + "/staff/settings/calendar/?month=2026-10")
        page.click("table.month td >> text=1 >> nth=0")
        assert page.input_value("#id_date") == "2026-10-01"
        page.fill("#id_note", "国庆节")
        with page.expect_navigation():
            page.click("#day-form button[type=submit]")
        assert "已将 2026-10-01 设为闭馆日。" in page.inner_text("main")
        page.fill("#id_vacation_name", "寒假")
        page.fill("#id_vacation_start", "2027-01-21")
        page.fill("#id_vacation_end", "2027-02-20")
        with page.expect_navigation():
            page.click("text=添加假期 >> xpath=ancestor::div[1]//button")
        page.fill("#id_term_name", "2026-2027 学年第一学期")
        page.fill("#id_term_start", "2026-09-01")
        page.fill("#id_term_end", "2027-01-20")
        with page.expect_navigation():
            page.click("#id_term_end >> xpath=ancestor::form//button")
        page.goto(site + "/staff/settings/calendar/?month=2026-10")
        assert page.locator("td.closed-day").count() == 1
        page.screenshot(path=str(SHOTS / "settings-calendar.png"), full_page=True)

        page.click("nav.tabs >> text=借书证与条码格式")
        page.fill("#id_card_example", "R000123")
        with page.expect_navigation():
            page.click("text=检查新格式")
        check = page.inner_text("#check")
        # Patrons checks the cards in use against the new format (none yet here).
        assert "R + 6 位数字" in check and "现有 0 个全部符合" in check
        page.screenshot(path=str(SHOTS / "settings-formats.png"), full_page=True)
        with page.expect_navigation():
            page.click("text=保存新格式")
        assert "已保存借书证号和条码号格式。" in page.inner_text("main")

        page.click("nav.tabs >> text=馆藏地点")
        page.fill("#id_code", "corner-7-1")
        page.fill("aside #id_name", "七年级1班图书角")
        page.select_option("aside #id_kind", "class_corner")
        with page.expect_navigation():
            page.click("aside button[type=submit]")
        assert "已添加馆藏地点“七年级1班图书角”。" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "settings-locations.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_loan_rules_fit_a_1366_px_screen(site, language):
    """Sixteen columns of loan rules, every one on screen without scrolling sideways."""
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 800})
        login(page, site, "librarian", "librarian123")
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        page.goto(site + "/staff/circulation/policies/")
        widths = page.evaluate(
            "() => { const t = document.querySelector('table.policy-matrix');"
            " return [t.scrollWidth, t.parentElement.clientWidth,"
            " document.documentElement.scrollWidth]; }"
        )
        assert widths[0] <= widths[1] and widths[2] <= 1366, widths
        page.screenshot(path=str(SHOTS / f"loan-rules-{language}.png"), full_page=True)
