"""Scanning a stocktake with a phone's camera, in a real browser at a phone's width: the
camera is Chromium's fake one, playing a film of a library barcode (Code 128), an empty
shelf, an ISBN-style barcode (EAN-13), and a library barcode held upright, over and
over. Each barcode read goes the way a typed one does, once however long it stays in
view; without the camera permission the page says so and typing still works."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from reportlab.graphics.barcode.code128 import Code128

from tests.browser import CHROMIUM, CHROMIUM_ARGS, login, served, shuxiang
from tests.inventory.test_browser import call

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FPS = 480, 360, 5
MODULE = 3  # pixels per narrowest bar
LIBRARY_BARCODE = "50005"
UPRIGHT_BARCODE = "50009"


# --- a film for the fake camera (YUV4MPEG2, which Chromium plays as a camera) ---------


def code128_modules(text: str) -> str:
    """'1' for a dark module, '0' for a light one; reportlab's encoder gives the widths
    (capital letters bars, small letters spaces, A = one module)."""
    barcode = Code128(text)
    barcode.validate()
    barcode.encode()
    barcode.decompose()
    return "".join(
        ("1" if c.isupper() else "0") * (ord(c.upper()) - ord("A") + 1) for c in barcode.decomposed
    )


L_CODES = ["0001101", "0011001", "0010011", "0111101", "0100011"]
L_CODES += ["0110001", "0101111", "0111011", "0110111", "0001011"]
R_CODES = ["".join("1" if b == "0" else "0" for b in code) for code in L_CODES]
G_CODES = [code[::-1] for code in R_CODES]
PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG"]
PARITY += ["LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]


def ean13(first12: str) -> str:
    digits = [int(d) for d in first12]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return first12 + str(check)


def ean13_modules(code: str) -> str:
    digits = [int(d) for d in code]
    left = "".join(
        (L_CODES if p == "L" else G_CODES)[d]
        for p, d in zip(PARITY[digits[0]], digits[1:7], strict=True)
    )
    right = "".join(R_CODES[d] for d in digits[7:])
    return "101" + left + "01010" + right + "101"


def frame(modules: str | None, upright: bool = False) -> bytes:
    """A grey shelf with a white label of `modules` bars across the middle, or held
    upright (the bars lying), as a librarian may hold a book up to the phone."""
    luma = bytearray([150]) * (WIDTH * HEIGHT)
    if modules:
        quiet = 12 * MODULE
        length = len(modules) * MODULE + 2 * quiet
        across, down = (length, HEIGHT // 3) if not upright else (WIDTH // 3, length)
        x0, y0 = (WIDTH - across) // 2, (HEIGHT - down) // 2
        for y in range(y0, y0 + down):
            luma[y * WIDTH + x0 : y * WIDTH + x0 + across] = bytes([235]) * across
        for i, m in enumerate(modules):
            if m != "1":
                continue
            at = quiet + i * MODULE
            for y in range(y0, y0 + down) if not upright else range(y0 + at, y0 + at + MODULE):
                start = y * WIDTH + x0 + (at if not upright else 0)
                width = MODULE if not upright else across
                luma[start : start + width] = bytes([20]) * width
    chroma = bytes([128]) * (WIDTH * HEIGHT // 4)
    return b"FRAME\n" + bytes(luma) + chroma + chroma


def film(path: Path, isbn: str) -> Path:
    scenes = [
        (code128_modules(LIBRARY_BARCODE), False, 3),
        (None, False, 2),
        (ean13_modules(isbn), False, 3),
        (None, False, 2),
        (code128_modules(UPRIGHT_BARCODE), True, 3),
        (None, False, 2),
    ]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for modules, upright, seconds in scenes:
            picture = frame(modules, upright)
            for _ in range(seconds * FPS):
                out.write(picture)
    return path


NOTE_SENT = """
window.scansSent = [];
const sendFetch = window.fetch;
window.fetch = function (url, options) {
  if (options && options.method === "POST" && String(url).endsWith("/scans")) {
    window.scansSent.push(JSON.parse(options.body).barcodes);
  }
  return sendFetch.apply(this, arguments);
};
"""

# A detector of the browser's own, as Chrome on Android has: it sees 50008 from its
# fourth look on, and keeps the formats the page asked for.
OWN_DETECTOR = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13", "code_128"]); }
  constructor(options) { window.ownDetectorFormats = options.formats; this.looks = 0; }
  detect(source) {
    this.looks += 1;
    const seen = this.looks > 3 && source instanceof HTMLVideoElement;
    return Promise.resolve(seen ? [{ rawValue: "50008", format: "code_128" }] : []);
  }
};
"""


def test_ean13_encoder_matches_a_known_isbn():
    assert ean13("978702000220") == "9787020002207"
    assert len(ean13_modules("9787020002207")) == 95


# --- the test ---------------------------------------------------------------------------


def test_a_phone_scans_with_its_camera_each_barcode_once(tmp_path):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (Debian package chromium)")
    from playwright.sync_api import expect, sync_playwright

    isbn = ean13("978751234567")
    camera_film = film(tmp_path / "shelf.y4m", isbn)
    var = tmp_path / "var"
    var.mkdir()
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    expect.set_options(timeout=30_000)
    with served(var) as url:
        token = call(url, "/auth/token", {"username": "librarian", "password": "librarian123"})[
            "token"
        ]
        for n, barcode in enumerate([LIBRARY_BARCODE, isbn, UPRIGHT_BARCODE, "50007", "50008"]):
            bib = call(url, "/bibs", {"title": f"图书{n}", "clc": "I247.5"}, token)
            call(url, "/items", {"bib": bib["id"], "barcode": barcode, "location": "stacks"}, token)
        sid = call(url, "/stocktakes", {"name": "春季清点"}, token)["id"]
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    *CHROMIUM_ARGS,
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-video-capture={camera_film}",
                    "--autoplay-policy=no-user-gesture-required",
                ],
            )
            phone = dict(
                locale="zh-CN",
                viewport={"width": 375, "height": 740},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
            )
            try:
                context = browser.new_context(permissions=["camera"], **phone)
                page = context.new_page()
                # What the page sends, noted as it goes (requests a service worker lets
                # through do not all reach Playwright's request events).
                context.add_init_script(NOTE_SENT)
                login(page, url, "librarian", "librarian123")
                page.goto(f"{url}/staff/inventory/stocktakes/{sid}/")
                page.select_option("#scan-location", "stacks")
                page.get_by_role("button", name="用摄像头扫描").tap()
                expect(page.locator("#camera")).to_be_visible()
                expect(page.get_by_role("button", name="关闭摄像头")).to_be_visible()
                note = page.locator("#camera-note")
                expect(note).to_contain_text("摄像头读到：")
                expect(page.locator("#scan-answer")).to_contain_text("新增 1 册")
                page.screenshot(path=str(tmp_path / "phone-camera.png"))
                # The three barcodes come round in the film (one of them upright); each
                # is sent once while in view.
                deadline = time.monotonic() + 45
                while call(url, f"/stocktakes/{sid}", token=token)["scanned"] < 3:
                    assert time.monotonic() < deadline, page.evaluate("window.scansSent")
                    time.sleep(0.3)
                counts = call(url, f"/stocktakes/{sid}", token=token)
                assert counts["scanned"] == 3 and counts["found"] == 3
                # Seconds in view, read many times a second: sent once each time it
                # comes into view, never twice in a row.
                flat = [code for batch in page.evaluate("window.scansSent") for code in batch]
                assert set(flat) == {LIBRARY_BARCODE, isbn, UPRIGHT_BARCODE}, flat
                assert all(a != b for a, b in zip(flat, flat[1:], strict=False)), flat
                # Typing still goes the same way with the camera open.
                page.locator("#scan-code").fill("50007")
                page.locator("#scan-code").press("Enter")
                expect(page.locator("#scan-answer")).to_contain_text("新增 1 册")
                page.get_by_role("button", name="关闭摄像头").tap()
                expect(page.locator("#camera")).to_be_hidden()
                assert call(url, f"/stocktakes/{sid}", token=token)["scanned"] == 4
                context.close()

                # No permission for the camera: the page says so; scanning by hand goes on.
                context = browser.new_context(**phone)
                page = context.new_page()
                login(page, url, "librarian", "librarian123")
                page.goto(f"{url}/staff/inventory/stocktakes/{sid}/")
                page.get_by_role("button", name="用摄像头扫描").tap()
                expect(page.locator("#camera-note")).to_contain_text("没有使用摄像头的权限")
                expect(page.locator("#camera")).to_be_hidden()
                page.screenshot(path=str(tmp_path / "phone-denied.png"), full_page=True)
                page.locator("#scan-code").fill(LIBRARY_BARCODE)
                page.locator("#scan-code").press("Enter")
                expect(page.locator("#scan-answer")).to_contain_text("已扫描过 1 个")
                # Signed out meanwhile (at another tab, or the login timed out): the scan
                # waits on the phone, and goes once the librarian has signed in again.
                other = context.new_page()
                other.goto(f"{url}/staff/")
                with other.expect_navigation():
                    # (pressed, not tapped: at this width app.css's header lets its
                    # neighbour cover the button)
                    other.get_by_role("button", name="退出").press("Enter")
                other.close()
                page.locator("#scan-code").fill("50007")
                page.locator("#scan-code").press("Enter")
                expect(page.locator("#scan-queue")).to_contain_text("登录已过期")
                login(page, url, "librarian", "librarian123")
                page.goto(f"{url}/staff/inventory/stocktakes/{sid}/")
                expect(page.locator("#scan-answer")).to_contain_text("已扫描过 1 个")
                expect(page.locator("#scan-queue")).to_be_hidden()
                # The stocktake itself is no wider than the phone (the staff header is
                # app.css's).
                assert page.evaluate("document.querySelector('main').scrollWidth") <= 375
                assert page.locator("#scan-form").bounding_box()["width"] < 375
                expect(page.get_by_role("button", name="关闭摄像头")).to_be_hidden()
                context.close()

                # Where the browser has a detector of its own (Chrome on Android), it reads
                # the barcodes, in the formats it offers of those wanted, and the library
                # is not loaded.
                context = browser.new_context(permissions=["camera"], **phone)
                context.add_init_script(OWN_DETECTOR)
                page = context.new_page()
                login(page, url, "librarian", "librarian123")
                page.goto(f"{url}/staff/inventory/stocktakes/{sid}/")
                page.select_option("#scan-location", "stacks")
                page.get_by_role("button", name="用摄像头扫描").tap()
                expect(page.locator("#camera-note")).to_contain_text("摄像头读到：50008")
                expect(page.locator("#scan-answer")).to_contain_text("新增 1 册")
                assert page.evaluate("window.ownDetectorFormats") == ["ean_13", "code_128"]
                assert page.evaluate("typeof window.ZXing") == "undefined"
                assert call(url, f"/stocktakes/{sid}", token=token)["scanned"] == 5
                page.get_by_role("button", name="关闭摄像头").tap()
                context.close()
            finally:
                browser.close()
