"""The reader's account in a real browser: the librarian records a loan the reader says
was returned (声称已还), with the reader's words, and it moves to its own list."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from shuxiang.circulation import services
from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from tests.browser import browser_page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2026, 11, 2)
LATER = dt.date(2026, 11, 20)


def test_claim_returned_from_the_readers_account(
    live_server, actor, make_user, make_patron, make_bib, make_item, school_class, calendar_setup
):
    from playwright.sync_api import expect

    make_user("librarian", username="guanliyuan", password="desk-secret")
    make_patron(card="R200021", name="李小华", class_name=school_class.name)
    make_item(barcode="72000001", bib=make_bib("西游记"))
    make_item(barcode="72000002", bib=make_bib("城南旧事"))
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200021", barcode="72000001")
        services.loan_checkout(actor=actor, card="R200021", barcode="72000002")

    with clock.frozen_at(LATER), browser_page() as page:
        login(page, live_server.url, "guanliyuan", "desk-secret")
        page.goto(live_server.url + "/staff/circulation/reader/R200021/")
        row = page.locator("tr", has_text="西游记")
        expect(row.locator(".tag.error")).to_contain_text("逾期")
        row.locator('input[name="note"]').fill("上周五放进了还书箱")
        with page.expect_navigation():
            row.get_by_role("button", name="声称已还").click()
        expect(page.locator(".msg").first).to_contain_text("《西游记》已登记为读者声称已还")
        claimed = page.locator('[data-test="claimed"]')
        expect(claimed).to_contain_text("西游记")
        expect(claimed).to_contain_text("上周五放进了还书箱")
        expect(claimed).not_to_contain_text("城南旧事")
        shots = Path(os.environ.get("SHUXIANG_VAR_DIR", "var")) / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "reader-claimed.png"), full_page=True)
    assert Loan.objects.get(item__barcode="72000001").status == "claimed_returned"
    assert Loan.objects.get(item__barcode="72000002").status == "on_loan"
