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


# Waits until the service worker is ready and has the page and its script in `cache`.
KEPT = """async (cache) => {
  await navigator.serviceWorker.ready;
  for (let i = 0; i < 100; i++) {
    const kept = await caches.open(cache);
    if ((await kept.match(location.pathname)) && (await kept.match("/static/inventory/stocktake.js"))) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}"""


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
            # The page's service worker has kept the page and its files for a reload.
            assert page.evaluate(KEPT, "shuxiang-stocktake")
            field = page.locator("#scan-code")
            answer = page.locator("#scan-answer")
            queue = page.locator("#scan-queue")
            page.select_option("#scan-location", "stacks")
            field.focus()
            page.keyboard.type("50000")
            page.keyboard.press("Enter")
            expect(answer).to_contain_text("新增 1 册")
            # the location's progress follows without a reload
            progress = page.locator("#progress tbody tr").first.locator("td")
            expect(progress.nth(1)).to_have_text("1")
            expect(progress.nth(3)).to_have_text("17")

            page.context.set_offline(True)
            # Chromium's offline emulation reaches a page reloaded from its service
            # worker a moment late on a busy machine; a cut cable does not: refuse the
            # scans' POSTs as well while "offline".
            page.context.route("**/stocktakes/*/scans", lambda route: route.abort())
            for code in ["50001", "50002", "50001", "50003"]:
                page.keyboard.type(code)
                page.keyboard.press("Enter")
            expect(queue).to_contain_text("4 个条码已在本机排队")
            assert call(url, f"/stocktakes/{sid}", token=token)["scanned"] == 1
            page.screenshot(path=str(tmp_path / "stocktake-offline.png"), full_page=True)

            # A reload without network: the page comes from its service worker (the
            # network is cut for the worker too), with the queue it keeps.
            assert (
                page.evaluate("fetch('/static/shuxiang/none.js').then(() => 'net', () => 'cut')")
                == "cut"
            )
            response = page.reload()
            assert response is not None and response.from_service_worker
            expect(queue).to_contain_text("4 个条码已在本机排队")
            page.select_option("#scan-location", "stacks")
            field.focus()
            for code in ["50004", "50002"]:
                page.keyboard.type(code)
                page.keyboard.press("Enter")
            expect(queue).to_contain_text("6 个条码已在本机排队")
            page.screenshot(path=str(tmp_path / "stocktake-offline-reloaded.png"), full_page=True)
            assert call(url, f"/stocktakes/{sid}", token=token)["scanned"] == 1

            page.context.unroute("**/stocktakes/*/scans")
            page.context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            expect(queue).to_be_hidden()
            expect(answer).to_contain_text("新增 4 册")
            counts = call(url, f"/stocktakes/{sid}", token=token)
            assert counts["scanned"] == 5 and counts["found"] == 5 and counts["missing"] == 1
            # the same barcodes sent again (a lost answer) count nothing twice
            page.keyboard.type("50002")
            page.keyboard.press("Enter")
            expect(answer).to_contain_text("已扫描过 1 个")
            page.reload()  # back online, the page comes from the server again
            expect(page.locator("#figures tr", has_text="已扫描")).to_contain_text("5")
            assert call(url, f"/stocktakes/{sid}", token=token)["scanned"] == 5
