"""The pick list (待取书单): waiting holds on titles with a copy on the shelf, in the order
of a walk through the shelves; 已取到 traps the copy for the first reader in the queue."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation import services
from shuxiang.circulation.models import Hold
from shuxiang.circulation.pick_list import pick_rows
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, NotFound
from shuxiang.core.models import AuditEvent

MONDAY = dt.date(2026, 11, 2)


@pytest.fixture
def readers(student, make_patron, school_class):
    second = make_patron(card="R200002", name="王小红", class_name=school_class.name)
    third = make_patron(card="R200003", name="赵小刚", class_name=school_class.name)
    return student, second, third


@pytest.fixture
def shelf(actor, make_bib, make_item, readers):
    """Four titles: two in the stacks (书库, shelf order B43/11 after B43/6), one in
    the reading room (阅览室, a default location), one whose only copy is out; holds
    placed on each."""
    titles = {}
    for key, title, clc, call, barcode, location in [
        ("late", "乡土中国", "B43", "B43/11", "30000001", "stacks"),
        ("early", "呐喊", "B43", "B43/6", "30000002", "stacks"),
        ("reading", "昆虫记", "Q96", "Q96/2", "30000003", "reading"),
        ("out", "骆驼祥子", "I246", "I246/5", "30000004", "stacks"),
    ]:
        bib = make_bib(title, clc=clc)
        make_item(barcode=barcode, bib=bib, call_number=call, location_code=location)
        titles[key] = bib
    # A second copy of 乡土中国 in the teachers' room, and a reference copy of 呐喊.
    make_item(
        barcode="30000005", bib=titles["late"], call_number="B43/11", location_code="teachers"
    )
    make_item(
        barcode="30000006",
        bib=titles["early"],
        call_number="B43/6",
        location_code="stacks",
        circulation_type=Item.CirculationType.REFERENCE,
    )
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200003", barcode="30000004")
        for card, key in [
            ("R200001", "late"),
            ("R200002", "late"),
            ("R200002", "early"),
            ("R200001", "reading"),
            ("R200001", "out"),
        ]:
            services.hold_place(actor=actor, card=card, bib_id=titles[key].pk)
    return titles


def test_pick_list_lists_titles_on_the_shelf_in_shelf_order(library, shelf):
    rows = pick_rows(library)
    # 骆驼祥子 has no copy on the shelf: it waits for a return. Locations come in the
    # order of their codes (reading, stacks), as the settings page lists them; within the
    # stacks B43/6 before B43/11 (shelf order, not string order).
    assert [(r.location, r.call_number, r.bib.title) for r in rows] == [
        ("阅览室", "Q96/2", "昆虫记"),
        ("书库", "B43/6", "呐喊"),
        ("书库", "B43/11", "乡土中国"),
    ]
    by_title = {r.bib.title: r for r in rows}
    # Two readers wait for 乡土中国 and two copies stand on the shelf: pull both.
    late = by_title["乡土中国"]
    assert late.pull == 2
    assert [i.barcode for i in late.copies] == ["30000001", "30000005"]
    assert late.readers == ["七年级3班 李小华", "七年级3班 王小红"]
    # The reference copy of 呐喊 cannot be lent: only the normal one is offered.
    assert [i.barcode for i in by_title["呐喊"].copies] == ["30000002"]


def test_trap_from_the_pick_list_makes_the_hold_ready(actor, library, shelf, readers):
    with clock.frozen_at(MONDAY):
        hold = services.hold_trap(actor=actor, barcode="30000001")
    assert hold.status == Hold.Status.READY
    assert hold.patron == readers[0]  # the first in the queue
    assert hold.item.barcode == "30000001"
    assert hold.expires_on is not None
    assert Item.objects.get(barcode="30000001").status == Item.Status.ON_HOLD_SHELF
    event = AuditEvent.objects.filter(action="hold.trap").latest("id")
    assert event.after["item"] == "30000001"
    assert event.after["item_status"] == "on_hold_shelf"
    # One reader still waits, one copy still on the shelf: one to pull.
    late = next(r for r in pick_rows(library) if r.bib == shelf["late"])
    assert late.pull == 1
    assert [i.barcode for i in late.copies] == ["30000005"]
    assert late.readers == ["七年级3班 王小红"]


@pytest.mark.parametrize(
    ("barcode", "error", "code"),
    [
        ("30000004", Conflict, "item_not_available"),  # on loan
        ("99999999", NotFound, "item_not_found"),
        ("30000006", Conflict, "holds_not_allowed"),  # a reference copy
    ],
)
def test_trap_refusals(actor, shelf, barcode, error, code):
    with pytest.raises(error) as exc:
        services.hold_trap(actor=actor, barcode=barcode)
    assert exc.value.code == code


def test_trap_without_a_waiting_hold(actor, make_bib, make_item):
    bib = make_bib("城南旧事")
    make_item(barcode="31000001", bib=bib)
    with pytest.raises(Conflict) as exc:
        services.hold_trap(actor=actor, barcode="31000001")
    assert exc.value.code == "no_waiting_hold"
    assert Item.objects.get(barcode="31000001").status == Item.Status.AVAILABLE


def test_an_assistant_may_not_trap(library, make_user, shelf):
    assistant = make_user("assistant")
    with pytest.raises(Forbidden):
        services.hold_trap(
            actor=Actor(library=library, user=assistant, channel="web"), barcode="30000001"
        )


def test_the_desk_check_in_of_the_pulled_copy_still_refuses_an_available_copy(actor, shelf):
    # Checking in a copy that is on the shelf is refused at the desk (not_on_loan): the
    # pick list's 已取到 is the way to trap it.
    with pytest.raises(Conflict) as exc:
        services.loan_checkin(actor=actor, barcode="30000001")
    assert exc.value.code == "not_on_loan"


# --- the pages --------------------------------------------------------------------------


def test_pick_list_page_and_trap_by_button(client, librarian, shelf):
    client.force_login(librarian)
    page = client.get("/staff/circulation/pick-list/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "待取书单" in html
    assert html.index("呐喊") < html.index("乡土中国")
    assert "30000005" in html and "王小红" in html
    assert "骆驼祥子" not in html
    with clock.frozen_at(MONDAY):
        answer = client.post("/staff/circulation/pick-list/", {"barcode": "30000002"}, follow=True)
    text = answer.content.decode()
    assert "已放预约架" in text and "王小红" in text
    assert Hold.objects.get(bib=shelf["early"]).status == Hold.Status.READY
    assert "呐喊" not in text.split('data-test="pick-list"')[-1]


def test_pick_list_trap_refused_in_words(client, librarian, shelf):
    client.force_login(librarian)
    answer = client.post("/staff/circulation/pick-list/", {"barcode": "30000004"}, follow=True)
    assert "此书不在架上（借出），不能放预约架。" in answer.content.decode()


def test_pick_list_is_the_librarians(client, make_user, shelf):
    client.force_login(make_user("assistant"))
    assert client.get("/staff/circulation/pick-list/").status_code == 403
    assert client.post("/staff/circulation/pick-list/", {"barcode": "30000001"}).status_code == 403
    assert Item.objects.get(barcode="30000001").status == Item.Status.AVAILABLE
    client.logout()
    assert client.get("/staff/circulation/pick-list/").status_code == 302


def test_pick_list_in_the_staff_menu(client, librarian, make_user):
    client.force_login(librarian)
    assert "/staff/circulation/pick-list/" in client.get("/staff/").content.decode()
    client.force_login(make_user("assistant"))
    assert "/staff/circulation/pick-list/" not in client.get("/staff/").content.decode()


@pytest.mark.needs_cjk_font
def test_pick_list_pdf(client, librarian, shelf):
    client.force_login(librarian)
    response = client.get("/staff/circulation/pick-list/pick-list.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_pick_list_pdf_without_the_font_says_how_to_install_one(
    client, librarian, shelf, monkeypatch
):
    from shuxiang.core import pdf

    monkeypatch.setattr(pdf, "CANDIDATE_FONTS", [])
    monkeypatch.delenv("SHUXIANG_CJK_FONT", raising=False)
    monkeypatch.setattr(pdf.pdfmetrics, "getRegisteredFontNames", lambda: [], raising=True)
    client.force_login(librarian)
    response = client.get("/staff/circulation/pick-list/pick-list.pdf")
    assert response.status_code == 503
    assert "fonts-wqy-microhei" in response.content.decode()
