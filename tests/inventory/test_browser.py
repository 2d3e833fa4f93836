"""The stocktake scan page in a real browser: scans typed as a keyboard-wedge scanner
types them, the network cut (scans queue in the page), a reload while offline keeps
the queue, and back online every queued scan is sent and counted once."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.browser import browser_page, login, served, shuxiang

pytestmark = pytest.mark.browser


def call(url: str, path: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(
        url + "/api/v1" + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_scans_made_offline_are_sent_once_when_the_network_is_back(tmp_path):
    from playwright.sync_api import expect

    var = tmp_path / "var"
    var.mkdir()
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    with served(var) as url:
        token = call(url, "/auth/token", {"username": "librarian", "password": "librarian123"})[
            "token"
        ]
        for n in range(6):
            bib = call(url, "/bibs", {"title": f"图书{n}", "clc": "I247.5"}, token)
            call(
                url,
                "/items",
                {"bib": bib["id"], "barcode": f"5000{n}", "location": "stacks"},
                token,
            )
        sid = call(url, "/stocktakes", {"name": "春季清点"}, token)["id"]
        with browser_page() as page:
            login(page, url, "librarian", "librarian123")
            page.goto(f"{url}/staff/inventory/stocktakes/{sid}/")
            field = page.locator("#scan-code")
            answer = page.locator("#scan-answer")
            queue = page.locator("#scan-queue")
            page.select_option("#scan-location", "stacks")
            field.focus()
            page.keyboard.type("50000")
            page.keyboard.press("Enter")
            expect(answer).to_contain_text("新增 1 册")

            page.context.set_offline(True)
            for code in ["50001", "50002", "50001", "50003"]:
                page.keyboard.type(code)
                page.keyboard.press("Enter")
            expect(queue).to_contain_text("4 个条码已在本机排队")
            assert call(url, f"/stocktakes/{sid}", token=token)["scanned"] == 1
            page.screenshot(path=str(tmp_path / "stocktake-offline.png"), full_page=True)

            page.context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            expect(queue).to_be_hidden()
            expect(answer).to_contain_text("新增 3 册")
            counts = call(url, f"/stocktakes/{sid}", token=token)
            assert counts["scanned"] == 4 and counts["found"] == 4 and counts["missing"] == 2
            # the same barcodes sent again (a lost answer) count nothing twice
            page.keyboard.type("50002")
            page.keyboard.press("Enter")
            expect(answer).to_contain_text("已扫描过 1 个")
            page.reload()
            expect(page.locator("#figures")).to_contain_text("4")
            assert call(url, f"/stocktakes/{sid}", token=token)["scanned"] == 4
