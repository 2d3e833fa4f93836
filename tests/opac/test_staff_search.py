"""Staff search (检索): the engine with the staff filters, every copy with its status, a
scanned barcode or accession number opening its title, a hold placed for a reader from
the title's page, a copy's loan history, and who may use them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from shuxiang.catalog.models import Bib, Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation import services
from shuxiang.circulation.models import Hold
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.models import AuditEvent
from tests.circulation.conftest import calendar_setup  # noqa: F401  (a fixture)

MONDAY = dt.date(2026, 11, 2)


@pytest.fixture
def catalog(make_bib, make_item):
    """Titles whose copies are in every state the staff filters ask about."""
    books = {}
    rows = [
        ("shelf", "朝花夕拾", [("31000001", "available"), ("31000002", "available")]),
        ("missing", "城南旧事", [("31000011", "missing"), ("31000012", "available")]),
        ("repair", "草房子", [("32000001", "in_repair")]),
        ("withdrawn", "骆驼祥子", [("32000011", "withdrawn")]),
        ("lent", "昆虫记", [("33000001", "available")]),
    ]
    for key, title, copies in rows:
        bib = make_bib(title, clc="I210")
        for barcode, status in copies:
            item = make_item(
                barcode=barcode,
                bib=bib,
                call_number=f"I210/{len(books) + 1}",
                location_code="reading" if key == "missing" else "stacks",
            )
            if status != "available":
                item_status_set(item_id=item.pk, status=status)
        books[key] = bib
    return books


@pytest.fixture
def reader(make_patron, school_class, calendar_setup):  # noqa: F811
    return make_patron(card="R200001", name="李小华", class_name=school_class.name)


@pytest.fixture
def lent(actor, catalog, reader):
    with clock.frozen_at(MONDAY):
        return services.loan_checkout(actor=actor, card="R200001", barcode="33000001")


def titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<article class="hit" data-bib="\d+">\s*<h2><a [^>]*>([^<]+)</a>', html)


# --- the staff filters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "missing"}, ["城南旧事"]),
        ({"status": "in_repair"}, ["草房子"]),
        ({"status": "withdrawn"}, ["骆驼祥子"]),
        ({"bc": "3200"}, ["草房子", "骆驼祥子"]),
        ({"bc": "310", "q": "城南"}, ["城南旧事"]),
    ],
)
def test_staff_filters(staff_client, catalog, query, expected):
    response = staff_client.get("/staff/search/", query)
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(expected)


def test_status_on_loan(staff_client, lent):
    assert titles(staff_client.get("/staff/search/", {"status": "on_loan"})) == ["昆虫记"]


def test_accession_number_filter(staff_client, catalog):
    accession = Item.objects.get(barcode="32000001").accession_number
    response = staff_client.get("/staff/search/", {"acc": accession, "q": ""})
    assert titles(response) == ["草房子"]
    # The copy that matched is pointed out among the title's copies.
    assert 'class="hit-copy"' in response.content.decode()


def test_catalogued_dates(staff_client, catalog):
    def catalogued(bib, day):
        stamp = timezone.make_aware(dt.datetime.combine(day, dt.time(15, 30)))
        Bib.objects.filter(pk=bib.pk).update(created_at=stamp)

    catalogued(catalog["shelf"], dt.date(2025, 9, 1))
    catalogued(catalog["missing"], dt.date(2025, 9, 30))
    for bib in ("repair", "withdrawn", "lent"):
        catalogued(catalog[bib], dt.date(2026, 3, 1))
    response = staff_client.get(
        "/staff/search/", {"cat_from": "2025-09-01", "cat_to": "2025-09-30"}
    )
    assert sorted(titles(response)) == ["城南旧事", "朝花夕拾"]  # both ends included
    response = staff_client.get("/staff/search/", {"cat_from": "2025-09-02"})
    assert "朝花夕拾" not in titles(response)
    assert "城南旧事" in titles(response)


def test_a_date_that_is_no_date_is_named(staff_client, catalog):
    response = staff_client.get("/staff/search/", {"cat_from": "2025-13-40"})
    assert response.status_code == 400
    assert "编目日期从" in response.content.decode()


def test_withdrawn_titles_are_found_by_staff_only(staff_client, library, catalog):
    from shuxiang.search import engine

    assert "骆驼祥子" in titles(staff_client.get("/staff/search/", {"q": "骆驼祥子"}))
    assert engine.search(library, "骆驼祥子").hits == []  # the public catalog's search


def test_an_empty_box_without_filters_lists_nothing(staff_client, catalog):
    response = staff_client.get("/staff/search/")
    assert response.status_code == 200
    assert titles(response) == []
    assert "扫描图书的条码号" in response.content.decode()


def test_facets_and_chips(staff_client, catalog):
    response = staff_client.get("/staff/search/", {"q": "", "status": "missing"})
    html = response.content.decode()
    assert "单册状态：丢失待查" in html  # the filter in force, removable
    assert "中图法大类" in html  # a facet group


def test_paging(staff_client, make_bib, make_item):
    for n in range(25):
        make_item(barcode=f"4{n:07d}", bib=make_bib(f"数学练习第{n + 1}册"))
    first = staff_client.get("/staff/search/", {"q": "数学练习"})
    assert len(titles(first)) == 20
    assert "第 1 / 2 页" in first.content.decode()
    second = staff_client.get("/staff/search/", {"q": "数学练习", "page": "2"})
    assert len(titles(second)) == 5
    assert not set(titles(first)) & set(titles(second))


# --- a scan opens the record ------------------------------------------------------------


def test_a_scanned_barcode_opens_its_record(staff_client, catalog):
    item = Item.objects.get(barcode="31000011")
    response = staff_client.get("/staff/search/", {"q": " 31000011 "})
    assert response.status_code == 302
    assert response["Location"] == (
        f"/staff/search/record/{catalog['missing'].pk}/?copy={item.pk}#copy-{item.pk}"
    )
    page = staff_client.get(response["Location"])
    assert f'<tr id="copy-{item.pk}" data-barcode="31000011" class="hit-copy">' in (
        page.content.decode()
    )


def test_an_accession_number_opens_its_record(staff_client, catalog):
    item = Item.objects.get(barcode="32000011")
    response = staff_client.get("/staff/search/", {"q": item.accession_number})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/staff/search/record/{catalog['withdrawn'].pk}/")


# --- copies and their status ------------------------------------------------------------


def test_every_copy_with_its_status_due_date_and_borrower(staff_client, lent, catalog):
    response = staff_client.get("/staff/search/", {"q": "I210", "field": "clc"})
    html = response.content.decode()
    for barcode in ["31000001", "31000002", "31000011", "31000012", "32000001", "32000011"]:
        assert barcode in html
    for words in ["在架", "丢失待查", "修补中", "已注销", "借出"]:
        assert words in html
    assert lent.due_date.isoformat() in html
    assert "七年级3班 李小华" in html
    # Seeing the borrower is a staff view of the reader's loans, in the audit log.
    event = AuditEvent.objects.filter(action="patron.loans_view").latest("id")
    assert event.after == {"where": "staff_search"}
    assert event.object_id == str(lent.patron_id)


def test_the_borrower_is_hidden_from_who_may_not_see_readers(client, make_user, lent):
    from django.contrib.auth.models import Group

    # A login that catalogs but has no right to see readers (a custom group).
    user = make_user("leader", username="cataloguer")
    group = Group.objects.create(name="cataloguers")
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="catalog"))
    user.groups.add(group)
    client.force_login(user)
    html = client.get("/staff/search/", {"q": "昆虫记"}).content.decode()
    assert "33000001" in html and "借出" in html
    assert "李小华" not in html
    assert not AuditEvent.objects.filter(action="patron.loans_view").exists()


# --- a title's page: the queue and a hold for a reader ----------------------------------


def test_hold_for_a_reader_from_the_record_page(staff_client, lent, make_patron, school_class):
    make_patron(card="R200002", name="王小红", class_name=school_class.name)
    bib = lent.item.bib
    url = f"/staff/search/record/{bib.pk}/"
    with clock.frozen_at(MONDAY):
        answer = staff_client.post(url, {"card": "R200002"}, follow=True)
    html = answer.content.decode()
    assert "已为 七年级3班 王小红 预约《昆虫记》，排在第 1 位。" in html
    hold = Hold.objects.get(bib=bib)
    assert hold.patron.card_number == "R200002" and hold.status == Hold.Status.WAITING
    assert AuditEvent.objects.filter(action="hold.place", object_id=str(hold.pk)).exists()
    # The queue lists the reader; the borrower's own hold is refused in words.
    assert "R200002" in html.split('data-test="hold-queue"')[1]
    answer = staff_client.post(url, {"card": "R200001"}, follow=True)
    assert "读者已借有这种书。" in answer.content.decode()
    answer = staff_client.post(url, {"card": "R999999"}, follow=True)
    assert "没有借书证号为 R999999 的读者。" in answer.content.decode()
    assert Hold.objects.filter(bib=bib).count() == 1


def test_a_hold_on_a_title_on_the_shelf_points_to_the_pick_list(staff_client, catalog, reader):
    url = f"/staff/search/record/{catalog['shelf'].pk}/"
    staff_client.post(url, {"card": "R200001"})
    html = staff_client.get(url).content.decode()
    assert "/staff/circulation/pick-list/" in html


def test_another_librarys_title_and_copy_are_not_found(staff_client, catalog):
    from shuxiang.catalog.services import bib_create, item_create
    from shuxiang.core.services import library_setup

    other = library_setup(code="other", name="第二小学图书室")
    actor = Actor.system(other)
    bib = bib_create(actor=actor, title="另一所学校的书")
    item = item_create(actor=actor, bib_id=bib.pk, barcode="31000001")  # same barcode
    assert staff_client.get(f"/staff/search/record/{bib.pk}/").status_code == 404
    assert staff_client.post(f"/staff/search/record/{bib.pk}/", {"card": "R1"}).status_code == 404
    assert staff_client.get(f"/staff/search/copy/{item.pk}/").status_code == 404
    assert staff_client.get("/staff/search/record/99999999999999999999999/").status_code == 404
    # The same barcode scanned here opens this library's copy.
    response = staff_client.get("/staff/search/", {"q": "31000001"})
    assert response["Location"].startswith(f"/staff/search/record/{catalog['shelf'].pk}/")


# --- a copy's history -------------------------------------------------------------------


def test_copy_history_with_audit_and_anonymized_loans(
    actor, staff_client, catalog, reader, make_patron, school_class
):
    from shuxiang.patrons.services import patron_set_keep_history

    other = make_patron(card="R200002", name="王小红", class_name=school_class.name)
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200002", barcode="31000001")
    with clock.frozen_at(MONDAY + dt.timedelta(days=3)):
        services.loan_checkin(actor=actor, barcode="31000001")
    patron_set_keep_history(actor=actor, patron_id=other.pk, keep=False)  # anonymized
    with clock.frozen_at(MONDAY + dt.timedelta(days=7)):
        services.loan_checkout(actor=actor, card="R200001", barcode="31000001")
    with clock.frozen_at(MONDAY + dt.timedelta(days=8)):
        services.loan_checkin(actor=actor, barcode="31000001")
    with clock.frozen_at(MONDAY + dt.timedelta(days=9)):
        services.loan_checkout(actor=actor, card="R200001", barcode="31000001")
    item = Item.objects.get(barcode="31000001")
    response = staff_client.get(f"/staff/search/copy/{item.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('data-test="copy-history"')[1].split("<tbody>")[1]
    assert table.count("<tr>") == 3
    assert table.count("七年级3班 李小华") == 2
    assert "已匿名读者" in table
    assert "王小红" not in html
    assert "2026-11-02" in table and "2026-11-05" in table  # out and back
    assert "网页" in table  # the channel
    # One event per reader seen: the open loan and the reading history of the same reader
    # are one loans view.
    events = AuditEvent.objects.filter(after__where="copy_history")
    assert [(e.action, e.object_id) for e in events] == [("patron.loans_view", str(reader.pk))]


def test_copy_history_of_returned_loans_is_a_history_view(actor, staff_client, catalog, reader):
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="31000002")
        services.loan_checkin(actor=actor, barcode="31000002")
    item = Item.objects.get(barcode="31000002")
    staff_client.get(f"/staff/search/copy/{item.pk}/")
    event = AuditEvent.objects.filter(after__where="copy_history").get()
    assert event.action == "patron.history_view"


def test_a_copy_never_lent(staff_client, catalog):
    item = Item.objects.get(barcode="32000001")
    html = staff_client.get(f"/staff/search/copy/{item.pk}/").content.decode()
    assert "这一册还没有借出过。" in html


# --- who may search ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["student", "teacher", "assistant", "leader"])
def test_other_roles_get_no_staff_search(client, make_user, catalog, role):
    client.force_login(make_user(role))
    item = Item.objects.get(barcode="31000001")
    for url in [
        "/staff/search/",
        f"/staff/search/record/{catalog['shelf'].pk}/",
        f"/staff/search/copy/{item.pk}/",
    ]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/staff/search/record/{catalog['shelf'].pk}/", {"card": "R1"}).status_code
        == 403
    )
    assert not Hold.objects.exists()


def test_logged_out_goes_to_the_login_page(client, catalog):
    response = client.get("/staff/search/?q=x")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@pytest.mark.parametrize(
    ("role", "shown"), [("librarian", True), ("admin", True), ("assistant", False)]
)
def test_staff_menu_entry(client, make_user, role, shown):
    client.force_login(make_user(role))
    html = client.get("/staff/").content.decode()
    assert ('href="/staff/search/"' in html) == shown


# --- in a real browser ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_search_in_the_browser(live_server, library, make_user, actor, catalog, lent):
    """Search, filter, scan, place a hold, open a copy's history, pull from the pick list;
    screenshots at 1366 px in Chinese go to /tmp/staff-search-*.png."""
    from playwright.sync_api import expect

    from tests.browser import browser_page, login

    make_user("librarian", username="desk", password="desk-secret")
    base = live_server.url
    with browser_page() as page:
        page.set_viewport_size({"width": 1366, "height": 900})
        login(page, base, "desk", "desk-secret")
        expect(page.locator("header.top nav")).to_contain_text("检索")
        expect(page.locator("header.top nav")).to_contain_text("待取书单")
        page.click("header.top nav a:has-text('检索')")
        expect(page.locator("#id_q")).to_be_focused()
        page.screenshot(path="/tmp/staff-search-empty.png", full_page=True)
        page.fill("#id_q", "I210")
        page.select_option("#id_field", "clc")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("[data-test=total]")).to_contain_text("找到 5 种")
        expect(page.locator("main")).to_contain_text("七年级3班 李小华")
        page.screenshot(path="/tmp/staff-search-results.png", full_page=True)
        # The staff filters: every title with a copy marked missing.
        page.fill("#id_q", "")
        page.click("summary:has-text('馆员筛选')")
        page.select_option("#id_status", "missing")
        with page.expect_navigation():
            page.click(".filter-actions button")
        expect(page.locator("article.hit")).to_have_count(1)
        expect(page.locator("tr.hit-copy")).to_contain_text("丢失待查")
        page.screenshot(path="/tmp/staff-search-missing.png", full_page=True)
        # A scanned barcode opens its record, the copy pointed out.
        page.goto(base + "/staff/search/")
        page.fill("#id_q", "31000002")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("朝花夕拾")
        expect(page.locator("tr.hit-copy")).to_contain_text("31000002")
        # A hold for a reader: this title has copies on the shelf, so the pick list.
        page.fill("#hold-card", "R200001")
        with page.expect_navigation():
            page.click("[data-test=place-hold] button")
        expect(page.locator(".msg.success")).to_contain_text(
            "已为 七年级3班 李小华 预约《朝花夕拾》"
        )
        expect(page.locator("[data-test=hold-queue]")).to_contain_text("R200001")
        expect(page.locator("main")).to_contain_text("打开待取书单")
        page.screenshot(path="/tmp/staff-search-record.png", full_page=True)
        # A copy's history.
        page.goto(base + "/staff/search/?q=33000001")
        page.click(f"tr#copy-{lent.item_id} a:has-text('借还记录')")
        expect(page.locator("[data-test=copy-history]")).to_contain_text("七年级3班 李小华")
        page.screenshot(path="/tmp/staff-search-copy-history.png", full_page=True)
        # The pick list, printed, and a copy pulled.
        page.goto(base + f"/staff/search/record/{catalog['shelf'].pk}/")
        page.click("a:has-text('打开待取书单')")
        expect(page.locator("[data-test=pick-list]")).to_contain_text("朝花夕拾")
        page.screenshot(path="/tmp/pick-list.png", full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path="/tmp/pick-list-print.png", full_page=True)
        page.emulate_media(media="screen")
        pdf = page.request.get(base + "/staff/circulation/pick-list/pick-list.pdf")
        assert pdf.status in (200, 503)  # 503: no CJK font on this machine, said in words
        if pdf.status == 200:
            with open("/tmp/pick-list.pdf", "wb") as out:
                out.write(pdf.body())
        with page.expect_navigation():
            page.locator("tr[data-bib] button:has-text('已取到')").first.click()
        expect(page.locator(".msg.success")).to_contain_text("已放预约架")
        expect(page.locator("[data-test=pick-empty]")).to_be_visible()
        page.screenshot(path="/tmp/pick-list-done.png", full_page=True)
    assert Hold.objects.get(bib=catalog["shelf"]).status == Hold.Status.READY
