"""A title's public record: copies with call number, location, status and due date —
never who has them —, the hold queue, more by the author and in the class; a reader
places a hold from here and finds it on /my/ with their place in the queue."""

from __future__ import annotations

import re

import pytest

from shuxiang.circulation import services as circulation
from shuxiang.circulation.models import Hold
from shuxiang.core.models import AuditEvent


@pytest.fixture
def lent(actor, corpus, reader, monday):
    """One copy of 西游记 lent to 张小明 (R100001)."""
    barcode = corpus["xiyouji"].items.order_by("barcode").first().barcode
    return circulation.loan_checkout(actor=actor, card=reader.card_number, barcode=barcode)


def test_the_record_shows_copies_and_never_the_borrower(client, corpus, lent, reader, other_reader):
    bib = corpus["xiyouji"]
    for who in (None, other_reader.user):
        if who is not None:
            client.force_login(who)
        response = client.get(f"/record/{bib.pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert '<h1 id="record-title">西游记</h1>' in html
        copies = html.split('data-test="copies"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
        assert copies.count("<tr>") == 3
        assert copies.count("I242.4/1") == 3 and copies.count("书库") == 3
        assert copies.count("在架可借") == 2 and copies.count("已借出") == 1
        assert lent.due_date.isoformat() in copies
        assert "在架 2 册，共 3 册" in html
        # Who has it is nowhere on the page: not the name, the card or the class.
        for secret in (reader.name, reader.card_number, "七年级3班", lent.item.barcode):
            assert secret not in html
        assert "ISBN" in html and bib.isbn in html and "人民文学出版社" in html


def test_more_by_the_author_and_in_the_class(client, corpus):
    html = client.get(f"/record/{corpus['xiyouji'].pk}/").content.decode()
    by_author = html.split('data-test="by-author"', 1)[1].split("</ul>", 1)[0]
    assert "射阳先生存稿" in by_author and "西游记<" not in by_author
    in_class = html.split('data-test="in-class"', 1)[1].split("</ul>", 1)[0]
    assert "三国演义" in in_class and "小学数学" not in in_class
    assert "同类图书（I242.4）" in html


def test_another_library_s_title_and_odd_ids_are_not_found(client, corpus):
    from shuxiang.catalog.models import Bib
    from shuxiang.core.services import library_setup

    other = library_setup(code="other", name="另一所学校图书馆")
    theirs = Bib.objects.create(library=other, title="别校的书")
    assert client.get(f"/record/{theirs.pk}/").status_code == 404
    assert client.get("/record/999999999/").status_code == 404
    assert client.get("/record/99999999999999999999999/").status_code == 404
    assert client.get("/record/abc/").status_code == 404


def test_a_visitor_is_asked_to_log_in_to_place_a_hold(client, corpus):
    bib = corpus["xiyouji"]
    html = client.get(f"/record/{bib.pk}/").content.decode()
    assert f'href="/staff/login/?next=/record/{bib.pk}/"' in html
    assert 'data-test="hold-form"' not in html
    response = client.post(f"/record/{bib.pk}/", {"action": "hold"})
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    assert not Hold.objects.exists()


def test_a_login_without_a_reader_cannot_hold(client, corpus, librarian):
    client.force_login(librarian)
    bib = corpus["xiyouji"]
    assert 'data-test="hold-form"' not in client.get(f"/record/{bib.pk}/").content.decode()
    assert client.post(f"/record/{bib.pk}/", {"action": "hold"}).status_code == 403
    assert not Hold.objects.exists()


def test_hold_from_the_record_then_on_my_page_with_its_place_then_cancelled(
    client, corpus, reader, other_reader, actor, monday
):
    bib = corpus["reading_xiyou"]
    # Someone else is first in the queue.
    circulation.hold_place(actor=actor, card=other_reader.card_number, bib_id=bib.pk)
    client.force_login(reader.user)
    page = client.get(f"/record/{bib.pk}/").content.decode()
    assert "预约排队：1 人" in page and 'data-test="hold-form"' in page
    response = client.post(f"/record/{bib.pk}/", {"action": "hold"}, follow=True)
    html = response.content.decode()
    assert "已预约《少年读西游记》：排在第 2 位，共 2 人。" in html
    assert "您已预约：第 2 位，共 2 人。" in html and "预约排队：2 人" in html
    hold = Hold.objects.get(patron=reader)
    assert hold.status == Hold.Status.WAITING
    assert AuditEvent.objects.filter(action="hold.place", object_id=str(hold.pk)).exists()

    mine = client.get("/my/").content.decode()
    holds = mine.split('data-test="holds"', 1)[1].split("</tbody>", 1)[0]
    assert "少年读西游记" in holds and "排队中" in holds
    assert "第 2 位，共 2 人" in holds

    # The first in line gives up: our reader moves up.
    circulation.hold_cancel(actor=actor, hold_id=Hold.objects.get(patron=other_reader, bib=bib).pk)
    assert "第 1 位，共 1 人" in client.get("/my/").content.decode()

    cancelled = client.post("/my/", {"action": "cancel_hold", "hold": hold.pk}, follow=True)
    assert "预约已取消" in cancelled.content.decode()
    hold.refresh_from_db()
    assert hold.status == Hold.Status.CANCELLED
    assert "没有预约。" in client.get("/my/").content.decode()


def test_hold_refusals_are_said_in_words(client, corpus, reader, monday):
    bib = corpus["xiyouji"]
    client.force_login(reader.user)
    client.post(f"/record/{bib.pk}/", {"action": "hold"}, follow=True)
    again = client.post(f"/record/{bib.pk}/", {"action": "hold"}, follow=True)
    html = again.content.decode()
    assert again.status_code == 200
    message = re.search(r'data-test="message">([^<]+)<', html).group(1)
    assert message.startswith("未能预约：") and len(message) > len("未能预约：")
    assert Hold.objects.filter(patron=reader).count() == 1
    unknown = client.post(f"/record/{bib.pk}/", {"action": "steal"}, follow=True)
    assert "未知的操作。" in unknown.content.decode()


def test_another_reader_s_hold_cannot_be_cancelled_from_my_page(
    client, corpus, reader, other_reader, actor, monday
):
    theirs = circulation.hold_place(
        actor=actor, card=other_reader.card_number, bib_id=corpus["xiyouji"].pk
    )
    client.force_login(reader.user)
    response = client.post("/my/", {"action": "cancel_hold", "hold": theirs.pk}, follow=True)
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.status == Hold.Status.WAITING
