"""Periodicals in a real browser: a school's year of subscriptions (set up through the
API), then the librarian checks issues in by scan and by click, binds a title's year,
prints the bindery's list and makes next year's list. Screenshots of each screen (and the
binding list PDF as PNG) go to SHUXIANG_SCREENSHOTS for a look at the layout."""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.browser import browser_page, login, served, shuxiang
from tests.pdfs import pdf_to_png

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SHUXIANG_SCREENSHOTS", "var/screenshots"))


def call(url: str, path: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(
        url + "/api/v1" + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def receive_until(url: str, token: str, sub_id: int, until: dt.date, *, leave: int = 0) -> None:
    """Check in every issue published before `until`, but the last `leave` of them."""
    issues = call(url, f"/serials/{sub_id}/issues", token=token)["issues"]
    due = [i for i in issues if dt.date.fromisoformat(i["expected"]) < until]
    for issue in due[: len(due) - leave]:
        call(url, f"/serials/{sub_id}/receive", {"issue": issue["id"]}, token)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-serials")
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    with served(var) as url:
        token = call(url, "/auth/token", {"username": "librarian", "password": "librarian123"})[
            "token"
        ]
        year = dt.date.today().year
        cutoff = dt.date.today() - dt.timedelta(days=20)
        titles = [
            ("中国少年报", "weekly", "0317-8471", "CN11-0101/Z", "1-7", 100, [7, 8], 3),
            ("我们爱科学", "semimonthly", "", "CN11-1234/N", "2-88", 650, [7, 8], 1),
            ("少年文艺", "monthly", "", "CN31-1080/I", "4-9", 980, [], 0),
            ("中学生数理化", "bimonthly", "", "CN41-1090/O", "36-5", 1200, [], 0),
        ]
        for title, frequency, issn, cn, postal, price, skip, leave in titles:
            sub = call(
                url,
                "/serials",
                {
                    "title": title,
                    "frequency": frequency,
                    "issn": issn,
                    "cn": cn,
                    "postal_code": postal,
                    "year": year,
                    "price_per_issue": price,
                    "skip_months": skip,
                    "weekday": 2,
                    "clc": "I28" if title == "少年文艺" else "",
                },
                token,
            )
            receive_until(url, token, sub["id"], cutoff, leave=leave)
        yield url


def test_checkin_binding_and_next_years_list(site, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    year = dt.date.today().year
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 800})
        errors, failed = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "response",
            lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        login(page, site, "librarian", "librarian123")
        page.click("header.top nav >> text=期刊")
        assert page.locator("h1").inner_text() == "期刊登到"
        assert "中国少年报" in page.inner_text(".claim-box")
        # one scan: the ISSN typed (or the cover's EAN-13) and Enter
        page.fill("input[name=code]", "0317-8471")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "已登到《中国少年报》" in page.inner_text("main")
        assert page.evaluate("document.activeElement.name") == "code"
        # one click on a due issue
        row = page.locator("table.list tbody tr", has_text="我们爱科学").first
        with page.expect_navigation():
            row.locator("button").click()
        assert "已登到《我们爱科学》" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "serials-checkin.png"), full_page=True)

        page.click("nav.cat-tabs >> text=订阅")
        page.click("table.list >> text=中国少年报")
        assert "逾期未到" in page.inner_text("main") or "已催缺" in page.inner_text("main")
        with page.expect_navigation():
            page.click("text=催缺逾期期次")
        assert "已催缺" in page.inner_text(".msg")
        page.screenshot(path=str(SHOTS / "serials-subscription.png"), full_page=True)

        page.click("nav.cat-tabs >> text=装订")
        with page.expect_navigation():
            page.select_option("select[name=subscription]", label="少年文艺")
        with page.expect_navigation():
            page.click("text=装订成册")
        message = page.inner_text(".msg")
        assert f"已装订《少年文艺 {year}年合订本" in message and "I28/1:" in message
        page.screenshot(path=str(SHOTS / "serials-binding.png"), full_page=True)
        pdf = page.request.get(site + f"/staff/serials/binding/list.pdf?year={year}")
        assert pdf.headers["content-type"] == "application/pdf"
        pngs = pdf_to_png(pdf.body(), tmp_path, "binding", dpi=100)
        for n, png in enumerate(pngs, start=1):
            (SHOTS / f"serials-binding-list-{n}.png").write_bytes(png.read_bytes())

        page.click("nav.cat-tabs >> text=订阅清单")
        with page.expect_navigation():
            page.click(f"text=从 {year} 年的订阅生成")
        assert "已从" in page.inner_text(".msg")
        assert page.locator("tbody tr").count() == 4
        page.screenshot(path=str(SHOTS / "serials-order-list.png"), full_page=True)

        page.click("nav.cat-tabs >> text=统计")
        assert "少年文艺" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "serials-reports.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors
        assert not failed  # every page, style sheet and script was there
