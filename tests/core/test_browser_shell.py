"""Log in through a real browser against `shuxiang serve` and look at the dashboard."""

import os
from pathlib import Path

import pytest

from tests.browser import browser_page, login, served, shuxiang

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SHUXIANG_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-site")
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    with served(var) as url:
        yield url


def test_login_page_and_dashboard(site):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.goto(site + "/staff/login/")
        assert "书香图书管理系统" in page.content()
        page.screenshot(path=str(SHOTS / "login.png"))
        login(page, site, "librarian", "librarian123")
        assert page.url.rstrip("/").endswith("/staff")
        text = page.inner_text("main")
        for label in ["今日借出", "今日归还", "逾期未还", "馆藏册数", "在册读者"]:
            assert label in text
        page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)


def test_wrong_password_in_the_browser(site):
    with browser_page() as page:
        login(page, site, "librarian", "wrong-password")
        assert "用户名或密码不正确" in page.inner_text("body")
