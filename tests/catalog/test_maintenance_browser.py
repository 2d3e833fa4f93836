"""The reclassification page in a real browser: choose a CLC range, preview old → new,
apply, and open the new spine labels. Screenshots go to var/shots/reclassify-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from shuxiang.catalog.models import Item
from tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"


def test_reclassify_tp3_with_preview_and_labels(
    live_server, library, make_user, make_bib, make_item
):
    from playwright.sync_api import expect

    make_user("librarian", username="cataloger", password="cat-secret")
    shelf = [
        ("C语言程序设计", "TP312", "TP312/4", 2),
        ("计算机基础", "TP3", "TP3/2", 1),
        ("网络安全", "TP393", "TP393/1", 3),
        ("数据结构", "TP311.12", "TP311.12/7", 1),
        ("西游记", "I242.4", "I242.4/1", 1),
    ]
    n = 0
    for title, clc, call, copies in shelf:
        bib = make_bib(title, clc=clc)
        for _ in range(copies):
            n += 1
            make_item(barcode=f"8000000{n}", bib=bib, call_number=call)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.goto(live_server.url + "/staff/login/?next=/staff/catalog/maintenance/reclassify/")
        page.fill("#id_username", "cataloger")
        page.fill("#id_password", "cat-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.check("input[name=how][value=range]")
        page.fill("[name=from]", "TP3")
        page.fill("[name=until]", "TP3")
        page.fill("[name=to]", "TP311")
        page.screenshot(path=str(SHOTS / "reclassify-form.png"), full_page=True)
        with page.expect_navigation():
            page.click("button[name=preview]")
        table = page.locator("table.reclassify-preview")
        expect(table).to_contain_text("TP393/1")
        expect(table).to_contain_text("TP311/3")
        expect(page.locator("main")).to_contain_text("将改动 4 种书目，7 册单册换新书标")
        page.screenshot(path=str(SHOTS / "reclassify-preview.png"), full_page=True)
        with page.expect_navigation():
            page.click("button[name=apply]")
        expect(page.locator("main")).to_contain_text("已完成再分类：4 种书目，7 册单册需要换新书标")
        page.screenshot(path=str(SHOTS / "reclassify-done.png"), full_page=True)
        link = page.locator("a:has-text('打印这次再分类的新书标')")
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.headers["content-type"] == "application/pdf"
    assert Item.objects.get(barcode="80000004").call_number.value == "TP311/4"


def test_merge_page_candidates_and_dry_run(live_server, library, make_user, make_bib, make_item):
    from playwright.sync_api import expect

    make_user("librarian", username="cataloger", password="cat-secret")
    keep = make_bib("草房子", authors=["曹文轩"], publisher="江苏少年儿童出版社", year=2010)
    dup = make_bib("《草房子》", authors=["曹文轩 著"], publisher="江苏少年儿童出版社", year=2010)
    make_item(barcode="81000001", bib=keep, call_number="I287.45/1")
    make_item(barcode="81000002", bib=dup, call_number="I287.45/9")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.goto(live_server.url + "/staff/login/?next=/staff/catalog/maintenance/merge/")
        page.fill("#id_username", "cataloger")
        page.fill("#id_password", "cat-secret")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("题名和第一著者相同")
        page.screenshot(path=str(SHOTS / "merge-candidates.png"), full_page=True)
        with page.expect_navigation():
            page.click("button[name=preview]")
        expect(page.locator("main")).to_contain_text("试合并（尚未修改）")
        page.screenshot(path=str(SHOTS / "merge-preview.png"), full_page=True)
        with page.expect_navigation():
            page.click("button[name=confirm]")
        expect(page.locator("main")).to_contain_text("已合并")
    assert Item.objects.get(barcode="81000002").bib_id == keep.pk
