"""The logins page (账号) in a real browser: an admin creates a login, opens its actions
and sees it locked after failed logins; screenshots for a look at the layout."""

import os
from pathlib import Path

import pytest

from tests.browser import browser_page, login, served, shuxiang

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SHUXIANG_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-logins")
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "admin", "--role", "admin", "--password", "admin123")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    shuxiang(var, "createuser", "leader", "--role", "leader", "--password", "leader123")
    with served(var) as url:
        yield url


def test_logins_page(site):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 800})
        login(page, site, "admin", "admin123")
        page.click("header.top nav >> text=账号")
        page.fill("#id_username", "wangls")
        page.fill("#id_full_name", "王老师")
        page.select_option("#id_role", "teacher")
        page.fill("aside #id_password", "teacher123")
        with page.expect_navigation():
            page.click("aside button[type=submit]")
        body = page.inner_text("main")
        assert "已新建账号 wangls。" in body and "王老师" in body

        # Meanwhile someone guesses the leader's password at another PC (same address
        # here: the address is locked too, the admin's session goes on).
        elsewhere = page.context.browser.new_context(
            locale="zh-CN", viewport={"width": 1366, "height": 800}
        )
        other = elsewhere.new_page()
        for i in range(10):
            login(other, site, "leader", f"wrong{i}")
        login(other, site, "leader", "leader123")
        assert "登录失败次数过多，已暂时锁定。" in other.inner_text("body")
        other.screenshot(path=str(SHOTS / "login-locked.png"))
        elsewhere.close()

        page.reload()
        assert "已锁定" in page.locator("tr", has_text="leader").inner_text()
        page.locator("tr", has_text="wangls").locator("summary").click()
        page.screenshot(path=str(SHOTS / "logins.png"), full_page=True)
        with page.expect_navigation():
            page.locator("tr", has_text="leader").locator("button", has_text="解锁").click()
        assert "已解锁 leader。" in page.inner_text("main")
        page.context.clear_cookies()
        login(page, site, "leader", "leader123")
        assert page.url.rstrip("/").endswith("/staff")
        assert "登录失败次数过多" not in page.inner_text("body")
