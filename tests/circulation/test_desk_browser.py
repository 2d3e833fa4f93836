"""The desk in a real browser, by keyboard alone: five readers of the lunchtime queue
borrow two books each, then all ten come back."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2026, 11, 2)
TITLES = [
    "朝花夕拾",
    "骆驼祥子",
    "西游记",
    "海底两万里",
    "昆虫记",
    "红星照耀中国",
    "钢铁是怎样炼成的",
    "简·爱",
    "水浒传",
    "城南旧事",
]
READERS = [
    ("R200011", "李小华"),
    ("R200012", "王子涵"),
    ("R200013", "张一鸣"),
    ("R200014", "陈思雨"),
    ("R200015", "刘浩然"),
]


def test_lend_and_return_ten_items_by_keyboard(
    live_server, library, make_user, make_patron, make_bib, make_item, school_class, calendar_setup
):
    from playwright.sync_api import expect

    make_user("librarian", username="desk", password="desk-secret")
    for card, name in READERS:
        make_patron(card=card, name=name, class_name=school_class.name)
    barcodes = []
    for n, title in enumerate(TITLES):
        barcodes.append(make_item(barcode=f"6000000{n}", bib=make_bib(title)).barcode)

    with clock.frozen_at(MONDAY), browser_page() as page:
        page.goto(live_server.url + "/staff/login/?next=/staff/circulation/")
        page.keyboard.type("desk")
        page.keyboard.press("Tab")
        page.keyboard.type("desk-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#scan")).to_be_focused()

        message = page.locator("#desk-message")
        for r, (card, name) in enumerate(READERS):
            page.keyboard.type(card)
            page.keyboard.press("Enter")
            expect(page.locator("[data-test=reader-name]")).to_have_text(name)
            expect(page.locator("[data-test=reader-class]")).to_have_text("七年级3班")
            expect(page.locator("[data-test=loan-count]")).to_have_text("0 / 2")
            expect(page.locator("#mode-name")).to_have_text("借书模式")
            for k in range(2):
                barcode = barcodes[2 * r + k]
                page.keyboard.type(barcode)
                page.keyboard.press("Enter")
                expect(page.locator("[data-test=loan-count]")).to_have_text(f"{k + 1} / 2")
                expect(message).to_have_class(re.compile(r"\bok\b"))
                expect(message).to_contain_text(f"《{TITLES[2 * r + k]}》借出，应还日期 2026-11-16")
            dues = page.locator("[data-test=due]")
            expect(dues).to_have_count(2)
            for i in range(2):
                expect(dues.nth(i)).to_have_text("2026-11-16")
            if r == 2:
                page.screenshot(path="/tmp/desk.png", full_page=True)
                # A third book for this reader: refused, with the reason on screen.
                page.keyboard.type(barcodes[9])
                page.keyboard.press("Enter")
                expect(message).to_have_class(re.compile(r"\berror\b"))
                expect(message).to_contain_text("达到上限 2 册")
                # The override is offered, but the scan field keeps the focus.
                expect(page.locator("#override-confirm")).to_be_visible()
                expect(page.locator("#scan")).to_be_focused()
                page.screenshot(path="/tmp/desk-refusal.png", full_page=True)
                page.keyboard.press("Escape")  # cancel the override, stay with the reader
                expect(page.locator("#scan")).to_be_focused()
                expect(page.locator("[data-test=reader-name]")).to_have_text(name)
            page.keyboard.press("Escape")  # the reader's turn ends
            expect(page.locator("[data-test=reader-name]")).to_have_count(0)
            expect(page.locator("#mode-name")).to_have_text("归还模式")
            expect(page.locator("#scan")).to_be_focused()

        for n, barcode in enumerate(barcodes):
            page.keyboard.type(barcode)
            page.keyboard.press("Enter")
            expect(page.locator("#returns-count")).to_have_text(str(n + 1))
            expect(message).to_contain_text(f"《{TITLES[n]}》已归还")
        rows = page.locator("#returns-body tr")
        expect(rows).to_have_count(10)
        expect(rows.first).to_contain_text("刘浩然")
        expect(page.locator("#scan")).to_be_focused()
        assert page.evaluate("document.getElementById('desk').dataset.lastSound") == "ok"

        # The next card ends the turn too; so does an idle minute (shortened here).
        page.keyboard.type(READERS[0][0])
        page.keyboard.press("Enter")
        expect(page.locator("[data-test=reader-name]")).to_have_text(READERS[0][1])
        page.keyboard.type(READERS[1][0])
        page.keyboard.press("Enter")
        expect(page.locator("[data-test=reader-name]")).to_have_text(READERS[1][1])
        page.evaluate("window.shuxiangDesk.idleMs = 300")
        page.keyboard.press("Shift")  # any key restarts the idle timer
        expect(page.locator("[data-test=reader-name]")).to_have_count(0)
        assert page.evaluate("document.getElementById('desk').dataset.turnEnded") == "idle"
        expect(page.locator("#scan")).to_be_focused()

    assert Loan.objects.filter(status="returned").count() == 10


def test_a_scan_never_confirms_an_override(
    live_server, library, make_user, make_patron, make_bib, make_item, school_class, calendar_setup
):
    """A refusal that a librarian may override, then the next book scanned: the refused
    book is not lent, the next code is handled as a scan. Lending against the rules takes
    a reason chosen (or typed) and the button; a scanner's burst typed into the reason
    box is a scan too."""
    from playwright.sync_api import expect

    make_user("librarian", username="desk", password="desk-secret")
    make_patron(card="R200021", name="赵一凡", class_name=school_class.name)
    for n, title in enumerate(["论语", "孟子", "大学", "中庸", "诗经"]):
        make_item(barcode=f"6100000{n}", bib=make_bib(title))

    with clock.frozen_at(MONDAY), browser_page() as page:
        page.goto(live_server.url + "/staff/login/?next=/staff/circulation/")
        page.keyboard.type("desk")
        page.keyboard.press("Tab")
        page.keyboard.type("desk-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        message = page.locator("#desk-message")
        count = page.locator("[data-test=loan-count]")
        for code in ["R200021", "61000000", "61000001"]:
            page.keyboard.type(code)
            page.keyboard.press("Enter")
            expect(message).not_to_have_class(re.compile(r"\berror\b"))
        expect(count).to_have_text("2 / 2")

        # Third book: over the limit, override offered.
        page.keyboard.type("61000002")
        page.keyboard.press("Enter")
        expect(message).to_contain_text("达到上限 2 册")
        expect(page.locator("#override-confirm")).to_be_visible()
        # The next book is scanned at once, as a scanner does it.
        page.keyboard.type("61000003", delay=0)
        page.keyboard.press("Enter")
        expect(message).to_contain_text("《中庸》")  # handled as a scan (refused: limit)
        expect(message).to_contain_text("《大学》未借出，已放在一边。")
        expect(count).to_have_text("2 / 2")

        # Choosing a reason and pressing the button lends it: a deliberate act.
        expect(page.locator("#override-confirm")).to_be_visible()
        page.locator("#override-choice").select_option("教师特批")
        page.locator("#override-confirm").click()
        expect(message).to_contain_text("《中庸》借出")
        expect(message).to_contain_text("已越权借出")
        expect(count).to_have_text("3 / 2")
        expect(page.locator("#scan")).to_be_focused()

        # "Other" reason box: a scanner's burst there is a scan, never a reason.
        page.keyboard.type("61000004")
        page.keyboard.press("Enter")
        expect(page.locator("#override-confirm")).to_be_visible()
        page.locator("#override-choice").select_option("other")
        expect(page.locator("#override-reason")).to_be_focused()
        page.keyboard.type("61000002", delay=0)
        page.keyboard.press("Enter")
        expect(message).to_contain_text("《大学》")
        expect(message).to_contain_text("《诗经》未借出，已放在一边。")
        expect(count).to_have_text("3 / 2")
        page.screenshot(path="/tmp/desk-set-aside.png", full_page=True)

    lent = set(Loan.objects.filter(status="on_loan").values_list("item__barcode", flat=True))
    assert lent == {"61000000", "61000001", "61000003"}
    reasons = list(
        AuditEvent.objects.filter(action="loan.checkout").values_list("reason", flat=True)
    )
    assert "教师特批" in reasons and not any(r.startswith("6100") for r in reasons)


def test_a_blocked_readers_card_sounds_the_error_tone(
    live_server, library, make_user, make_patron, school_class, calendar_setup, actor
):
    from playwright.sync_api import expect

    from shuxiang.circulation.services import patron_block

    make_user("librarian", username="desk", password="desk-secret")
    make_patron(card="R200031", name="孙小美", class_name=school_class.name)
    patron_block(actor=actor, card="R200031", reason="损坏图书未赔偿")
    with browser_page() as page:
        page.goto(live_server.url + "/staff/login/?next=/staff/circulation/")
        page.locator("#id_username").fill("desk")
        page.locator("#id_password").fill("desk-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#scan")).to_be_focused()
        page.keyboard.type("R200031")
        page.keyboard.press("Enter")
        expect(page.locator("[data-test=reader-name]")).to_have_text("孙小美")
        expect(page.locator("#desk-message")).to_contain_text("此读者现在不能借书")
        assert page.evaluate("document.getElementById('desk').dataset.lastSound") == "error"
