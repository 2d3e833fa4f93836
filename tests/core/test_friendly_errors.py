"""Pages that cannot be shown say why, in the user's language, with a way onward; no
traceback reaches the user or the server's console."""

from __future__ import annotations

import logging

import pytest

from shuxiang.core.services import library_setup


@pytest.fixture
def other_school(db):
    return library_setup(code="school-02", name="第二中学图书馆", school_name="第二中学")


def test_an_unknown_page_is_a_404_page_in_chinese_with_a_way_on(client, library):
    response = client.get("/staff/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "找不到这个页面" in html and 'href="/"' in html and "Traceback" not in html


def test_the_404_page_in_english(client, library):
    html = client.get("/staff/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page not found" in html


def test_another_schools_class_is_simply_not_found(client, librarian, other_school):
    from shuxiang.patrons.models import SchoolClass

    theirs = SchoolClass.objects.create(
        library=other_school, school_year=2026, grade=7, number=1, name="七年级1班"
    )
    client.force_login(librarian)
    response = client.get(f"/staff/patrons/classes/{theirs.pk}/cards.pdf")
    assert response.status_code == 404
    assert "找不到这个班级" in response.content.decode()


def test_a_reader_at_staff_lands_on_their_own_page(client, make_user):
    client.force_login(make_user("teacher", username="t1"))
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/my/"


def test_a_forbidden_page_explains_and_logs_no_traceback(client, make_user, caplog):
    client.force_login(make_user("leader", username="boss"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/staff/circulation/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有权限" in html and "回到工作台" in html
    assert not any(record.exc_info for record in caplog.records)


def test_a_pdf_without_a_cjk_font_answers_with_how_to_install_one(
    client, librarian, school_class, monkeypatch
):
    from shuxiang.core import pdf

    monkeypatch.setattr(pdf, "CANDIDATE_FONTS", [])
    monkeypatch.delenv("SHUXIANG_CJK_FONT", raising=False)
    monkeypatch.setattr(pdf.pdfmetrics, "getRegisteredFontNames", lambda: [], raising=True)
    client.force_login(librarian)
    response = client.get(f"/staff/patrons/classes/{school_class.pk}/cards.pdf")
    assert response.status_code == 503
    assert "fonts-wqy-microhei" in response.content.decode()
