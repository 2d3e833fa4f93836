"""The cataloging form in a real browser: ISBN, the CLC picker by pinyin, the suggested
call number, a second copy, save. Screenshots go to /tmp/cataloging-*.png."""

from __future__ import annotations

import pytest

from shuxiang.catalog.models import Item
from tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_catalog_a_book_with_the_picker(live_server, library, make_user):
    from playwright.sync_api import expect

    make_user("librarian", username="cataloger", password="cat-secret")
    with browser_page() as page:
        page.goto(live_server.url + "/staff/login/?next=/staff/cataloging/")
        page.fill("#id_username", "cataloger")
        page.fill("#id_password", "cat-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#isbn")).to_be_focused()
        page.keyboard.type("9787532490462")
        page.keyboard.press("Enter")
        expect(page.locator("#isbn-status")).to_contain_text("978-7-5324-9046-2")
        page.fill("[name=title]", "草房子")
        page.fill("[name=authors]", "曹文轩")
        page.fill("[name=publisher]", "江苏凤凰少年儿童出版社")
        page.fill("[name=year]", "2024")
        page.fill("[name=price]", "25.00")
        page.click("#clc")
        page.keyboard.type("xiaoshuo")
        expect(page.locator("#clc-list li[data-code='I24']")).to_be_visible()
        page.evaluate(
            "window.scrollBy(0, document.querySelector('#clc').getBoundingClientRect().top - 140)"
        )
        page.screenshot(path="/tmp/cataloging-picker.png", full_page=False)
        page.fill("#clc", "")
        page.keyboard.type("etcp")  # 儿童长篇 by pinyin initials
        expect(page.locator("#clc-list li[data-code='I287.45']")).to_be_visible()
        expect(page.locator("#clc-list li")).to_have_count(1)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.locator("#clc")).to_have_value("I287.45")
        expect(page.locator("#call_number")).to_have_value("I287.45/1")
        expect(page.locator("#clc-status")).to_contain_text("儿童长篇、中篇小说")
        page.click("#add-copy")
        expect(page.locator("input[name=copy_barcode]").nth(1)).to_have_value("10000002")
        page.locator("select[name=copy_circulation_type]").nth(1).select_option("reference")
        page.screenshot(path="/tmp/cataloging-form.png", full_page=True)
        with page.expect_navigation():
            page.click("button[type=submit]:has-text('保存编目')")
        expect(page.locator("main")).to_contain_text("新增 2 册，索书号 I287.45/1")
        page.screenshot(path="/tmp/cataloging-done.png", full_page=True)
        page.goto(live_server.url + "/staff/cataloging/labels/")
        page.screenshot(path="/tmp/cataloging-labels.png", full_page=True)
        page.goto(live_server.url + "/staff/cataloging/register/")
        expect(page.locator("main")).to_contain_text("草房子")
        page.screenshot(path="/tmp/cataloging-register.png", full_page=True)
        page.goto(live_server.url + "/staff/acquisitions/")
        page.screenshot(path="/tmp/cataloging-acquisitions.png", full_page=True)
    items = Item.objects.filter(library=library).order_by("barcode")
    assert [(i.barcode, i.accession_number, i.circulation_type) for i in items] == [
        ("10000001", "000001", "normal"),
        ("10000002", "000002", "reference"),
    ]
