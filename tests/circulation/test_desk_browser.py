"""The desk in a real browser, by keyboard alone: five readers of the lunchtime queue
borrow two books each, then all ten come back."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from tests.browser import browser_page, login

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
        # autofocus lands at the browser's next rendering step, which can come after
        # the load event on a busy machine: a librarian starts typing once it is there
        expect(page.locator("#id_username")).to_be_focused()
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


def open_desk(page, base_url: str) -> None:
    """Log in as the desk's librarian and open the desk, its scan field focused."""
    from playwright.sync_api import expect

    login(page, base_url, "desk", "desk-secret")
    page.goto(base_url + "/staff/circulation/")
    expect(page.locator("#scan")).to_be_focused()


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
        open_desk(page, live_server.url)
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
        open_desk(page, live_server.url)
        page.keyboard.type("R200031")
        page.keyboard.press("Enter")
        expect(page.locator("[data-test=reader-name]")).to_have_text("孙小美")
        expect(page.locator("#desk-message")).to_contain_text("此读者现在不能借书")
        assert page.evaluate("document.getElementById('desk').dataset.lastSound") == "error"


def test_the_desk_keeps_scans_while_offline_and_sends_them_once_back_online(
    live_server,
    library,
    make_user,
    make_patron,
    make_bib,
    make_item,
    school_class,
    calendar_setup,
    actor,
    monkeypatch,
):
    """The server cannot be reached: the desk says so in Chinese at once, keeps the
    check-outs and check-ins in the browser (a reload keeps them), shows them with the
    due date the reader would get, and sends them once the server answers: the loans are
    made once, and a copy lent to someone else meanwhile is reported, not lost."""
    from playwright.sync_api import expect

    from shuxiang.circulation.services import loan_checkout

    # The test lends a copy through the service while the page is open (Playwright's
    # sync API runs an event loop in this thread; the database calls are plain sync).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    make_user("librarian", username="desk", password="desk-secret")
    make_patron(card="R200041", name="周小舟", class_name=school_class.name)
    make_patron(card="R200042", name="吴天明", class_name=school_class.name)
    make_patron(card="R200043", name="郑可欣", class_name=school_class.name)
    for n, title in enumerate(["边城", "围城", "家", "春"]):
        make_item(barcode=f"6200000{n}", bib=make_bib(title))
    with clock.frozen_at(MONDAY):
        loan_checkout(actor=actor, card="R200043", barcode="62000003")  # 《春》 at home

    with clock.frozen_at(MONDAY), browser_page() as page:
        page.goto(live_server.url + "/staff/login/?next=/staff/circulation/")
        page.locator("#id_username").fill("desk")
        page.locator("#id_password").fill("desk-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        desk = page.locator("#desk")
        expect(desk).to_have_attribute("data-ready", "1")
        message = page.locator("#desk-message")
        banner = page.locator("#desk-offline")
        # The reader's card while the server answers: the desk now knows the panel.
        page.keyboard.type("R200041")
        page.keyboard.press("Enter")
        expect(page.locator("[data-test=reader-name]")).to_have_text("周小舟")
        page.keyboard.press("Escape")
        expect(page.locator("[data-test=reader-name]")).to_have_count(0)

        page.context.set_offline(True)
        # The card again: the reader is selected from what the desk knows.
        page.keyboard.type("R200041")
        page.keyboard.press("Enter")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("离线：")
        expect(page.locator("[data-test=reader-name]")).to_have_text("周小舟")
        expect(page.locator("#mode-name")).to_have_text("借书模式")
        for barcode in ["62000000", "62000001"]:
            page.keyboard.type(barcode)
            page.keyboard.press("Enter")
            expect(message).to_contain_text(f"已暂存：{barcode} 借给 周小舟")
        expect(message).to_contain_text("应还日期 2026-11-16（待提交）")
        queued = page.locator("[data-test=queued-loan]")
        expect(queued).to_have_count(2)
        expect(queued.first).to_contain_text("应还日期 2026-11-16（待提交）")
        page.keyboard.press("Escape")
        # A return, and a card the desk has not seen with a book for that reader.
        page.keyboard.type("62000003")
        page.keyboard.press("Enter")
        expect(message).to_contain_text("已暂存：62000003 归还")
        expect(page.locator("#returns-body tr.queued")).to_contain_text("已暂存")
        page.keyboard.type("R200042")
        page.keyboard.press("Enter")
        expect(page.locator("[data-test=reader-name]")).to_contain_text("R200042")
        page.keyboard.type("62000002")
        page.keyboard.press("Enter")
        expect(message).to_contain_text("应还日期待定（待提交）")
        expect(banner).to_have_text("离线：扫描已暂存，联网后自动提交（5 条）。")
        expect(page.locator("#outbox-body tr")).to_have_count(5)
        page.screenshot(path="/tmp/desk-offline.png", full_page=True)
        assert not Loan.objects.filter(item__barcode__in=["62000000", "62000001"]).exists()

        # Meanwhile another desk lends 《围城》 to someone else.
        with clock.frozen_at(MONDAY):
            loan_checkout(actor=actor, card="R200043", barcode="62000001")

        # A reload while offline keeps the kept scans.
        # (The page comes from the desk's service worker: the network is cut for it too.)
        assert (
            page.evaluate(
                "fetch('/static/circulation/autoprint.js').then(() => 'network', () => 'cut')"
            )
            == "cut"
        )
        response = page.reload()
        assert response is not None and response.from_service_worker
        expect(desk).to_have_attribute("data-ready", "1")
        expect(banner).to_have_text("离线：扫描已暂存，联网后自动提交（5 条）。")
        expect(page.locator("#outbox-body tr")).to_have_count(5)
        expect(page.locator("#returns-body tr.queued")).to_have_count(1)
        page.screenshot(path="/tmp/desk-offline-reloaded.png", full_page=True)

        page.context.set_offline(False)
        expect(banner).to_be_hidden()
        expect(message).to_contain_text("暂存的扫描已提交：成功 4 条，未能办理 1 条。")
        conflicts = page.locator("[data-test=conflict]")
        expect(conflicts).to_have_count(1)
        expect(conflicts.first).to_contain_text("62000001")
        expect(conflicts.first).to_contain_text("此书已借出")
        expect(page.locator("#desk-outbox")).to_be_hidden()
        expect(page.locator("#returns-body tr.queued")).to_have_count(0)
        expect(page.locator("#returns-body tr")).to_contain_text("郑可欣")
        page.screenshot(path="/tmp/desk-offline-replayed.png", full_page=True)
        # The report stays until the librarian dismisses it (a reload keeps it too).
        page.reload()
        expect(desk).to_have_attribute("data-ready", "1")
        expect(conflicts).to_have_count(1)
        page.locator("#conflicts-dismiss-all").click()
        expect(page.locator("#desk-conflicts")).to_be_hidden()
        expect(page.locator("#scan")).to_be_focused()
        page.reload()
        expect(desk).to_have_attribute("data-ready", "1")
        expect(page.locator("#desk-conflicts")).to_be_hidden()

    on_loan = dict(
        Loan.objects.filter(status="on_loan").values_list("item__barcode", "patron__card_number")
    )
    assert on_loan == {"62000000": "R200041", "62000001": "R200043", "62000002": "R200042"}
    assert Loan.objects.get(item__barcode="62000003").status == "returned"
    assert Loan.objects.count() == 4
    assert AuditEvent.objects.filter(action="loan.checkout").count() == 4


def test_a_checkout_updates_the_panel_as_a_card_scan_would_show_it(
    live_server, library, make_user, make_patron, make_bib, make_item, school_class, actor
):
    """A book lent to the reader on screen comes back as the panel's figures and one new
    row, which the desk puts into the panel it shows: in due-date order, with the list's
    head for a reader's first loan. Scanning the card again shows the same panel."""
    from playwright.sync_api import expect

    from shuxiang.circulation.services import loan_checkout

    make_user("librarian", username="desk", password="desk-secret")
    make_patron(card="R200051", name="钱小多", class_name=school_class.name)
    make_patron(card="R200052", name="孙小少", class_name=school_class.name)
    for n, title in enumerate(["城南旧事", "草房子", "小王子"]):
        make_item(barcode=f"6300000{n}", bib=make_bib(title), call_number=f"I28{n}/1")
    with clock.frozen_at(MONDAY + dt.timedelta(days=7)):
        loan_checkout(actor=actor, card="R200051", barcode="63000000")  # due later: 11-23

    def panel_text(page) -> tuple[str, list[str]]:
        panel = page.locator("#desk-area .reader-panel")
        rows = panel.locator("table.loans tbody tr")
        return panel.locator(".reader-card").inner_text(), [
            f"{rows.nth(i).get_attribute('data-loan')} {rows.nth(i).inner_text()}"
            for i in range(rows.count())
        ]

    with clock.frozen_at(MONDAY), browser_page() as page:
        open_desk(page, live_server.url)
        message = page.locator("#desk-message")
        count = page.locator("[data-test=loan-count]")
        dues = page.locator("#desk-area [data-test=due]")
        for card, barcode, figures, due_dates in [
            # The new loan (due 11-16) goes above the one due 11-23.
            ("R200051", "63000001", "2 / 2", ["2026-11-16", "2026-11-23"]),
            # A reader's first loan: the list gets its head, the "no loans" line goes.
            ("R200052", "63000002", "1 / 2", ["2026-11-16"]),
        ]:
            page.keyboard.type(card)
            page.keyboard.press("Enter")
            expect(page.locator("[data-test=reader-name]")).to_be_visible()
            page.keyboard.type(barcode)
            with page.expect_response(lambda r: r.url.endswith("/scan")) as answer:
                page.keyboard.press("Enter")
            assert 'class="reader-update"' in answer.value.text()  # not the whole panel
            expect(message).to_contain_text("借出，应还日期 2026-11-16")
            expect(count).to_have_text(figures)
            expect(dues).to_have_count(len(due_dates))
            assert dues.all_inner_texts() == due_dates
            expect(page.locator("#desk-area table.loans th").first).to_have_text("题名")
            expect(page.locator("#desk-area .no-loans")).to_have_count(0)
            expect(page.locator("#desk-area tr.fresh")).to_have_count(1)
            expect(page.locator("#desk-area tr.fresh")).to_contain_text(barcode)
            updated = panel_text(page)
            # The card scanned again: the panel the server renders whole is the same.
            page.keyboard.press("Escape")
            expect(page.locator("[data-test=reader-name]")).to_have_count(0)
            page.keyboard.type(card)
            page.keyboard.press("Enter")
            expect(message).to_contain_text("请扫描要借的图书")
            assert panel_text(page) == updated
            page.keyboard.press("Escape")
