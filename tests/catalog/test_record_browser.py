"""The record page in a real browser: a librarian opens an imported LoC record from the
staff search, sets its class with the CLC picker, sees the call number move and the
history, and corrects a copy. Screenshots go to var/shots/record-*.png (SHUXIANG_SHOTS
to put them elsewhere)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from shuxiang.catalog import cataloging, services
from shuxiang.catalog.models import Bib
from tests.browser import browser_page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).parent / "data" / "records_edit"
SHOTS = Path(os.environ.get("SHUXIANG_SHOTS", Path(__file__).parents[2] / "var" / "shots"))


def test_edit_an_imported_record_in_the_browser(live_server, library, actor, make_user):
    from playwright.sync_api import expect

    make_user("librarian", username="cataloger", password="cat-secret")
    services.marc_import(
        actor=actor, source=io.BytesIO((DATA / "loc-marc21-batch.mrc").read_bytes())
    )
    bib = Bib.objects.filter(marc_format="marc21").order_by("pk").first()
    cataloging.copies_add(
        actor=actor,
        bib=bib,
        copies=[cataloging.CopySpec(location_code="stacks"), cataloging.CopySpec()],
    )
    # The LoC record has no CLC class: its copies wait for one, then get class / 种次号.
    assert services.bib_update(
        actor=actor, bib_id=bib.pk, changes={"clc": "TP311.1"}
    ).call_numbers == [("", "TP311.1/1")]
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with browser_page() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, live_server.url, "cataloger", "cat-secret")
        page.goto(f"{live_server.url}/staff/catalog/records/{bib.pk}/")
        expect(page.locator("h1")).to_contain_text("The pragmatic programmer")
        expect(page.locator("[data-test=copies]")).to_contain_text("TP311.1/1")
        page.click("[data-test=edit-record]")
        expect(page.locator("#clc")).to_have_value("TP311.1")
        page.fill("#clc", "")
        page.click("#clc")
        page.keyboard.type("TP311.5")
        expect(page.locator("#clc-status")).to_contain_text("✓", timeout=20_000)
        page.fill("[name=publisher]", "Addison-Wesley Professional")
        with page.expect_navigation():
            page.click("[data-test=save]")
        expect(page.locator("[data-test=relabel]")).to_contain_text("TP311.5/1")
        expect(page.locator("[data-test=history]")).to_contain_text("TP311.1/1")
        page.screenshot(path=str(SHOTS / "record-page.png"), full_page=True)
        page.click("[data-test=edit-marc]")
        expect(page.locator("[data-test=marc-table]")).to_contain_text("")
        expect(page.locator("input[value='1964-']")).to_be_visible()  # 100 $d, kept
        page.screenshot(path=str(SHOTS / "record-marc.png"), full_page=False)
    bib.refresh_from_db()
    assert bib.clc == "TP311.5"
    assert bib.publisher == "Addison-Wesley Professional"
    assert {i.call_number.value for i in bib.items.all()} == {"TP311.5/1"}
    # The edit form shares the cataloging form's script, which looks for the copy rows
    # after wiring the ISBN check and the CLC picker; nothing else may fail.
    assert all("querySelector" in e for e in errors), errors
