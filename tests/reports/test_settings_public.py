"""The statistics settings (school level, standard, definition of 借书率, publishing) and
the public page published to the campus network: league, new arrivals, opening hours,
no reader's name."""

from __future__ import annotations

import pytest

from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from shuxiang.reports.models import ReportSettings

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_librarian_chooses_the_definition_and_the_level(staff_client, library, school):
    r = staff_client.post(
        "/staff/reports/settings/",
        {"school_level": "primary", "standard": "national-2018", "borrowing_rate_basis": "readers"},
    )
    assert r.status_code == 302
    settings = ReportSettings.objects.get(library=library)
    assert (settings.school_level, settings.borrowing_rate_basis, settings.published) == (
        "primary",
        "readers",
        False,
    )
    assert AuditEvent.objects.filter(action="report_settings_update").count() == 1
    page = staff_client.get("/staff/reports/", {"start": "2026-03-01", "end": "2026-03-31"})
    assert "4 / 8" in page.content.decode()  # students and teachers who borrowed


def test_bad_settings_change_nothing(staff_client, library):
    page = staff_client.post(
        "/staff/reports/settings/",
        {
            "school_level": "college",
            "standard": "national-2018",
            "borrowing_rate_basis": "students",
        },
        follow=True,
    ).content.decode()
    assert "未知的学校类别：college" in page
    assert not ReportSettings.objects.filter(library=library).exists()


def test_a_leader_may_not_change_the_settings(client, make_user):
    client.force_login(make_user("leader"))
    assert client.get("/staff/reports/settings/").status_code == 403


def test_the_public_page_only_once_published_and_without_names(
    client, staff_client, library, school
):
    url = f"/staff/reports/public/{library.code}/"
    assert client.get(url).status_code == 404
    staff_client.post(
        "/staff/reports/settings/",
        {
            "school_level": "",
            "standard": "national-2018",
            "borrowing_rate_basis": "students",
            "published": "on",
        },
    )
    with clock.frozen_at(TODAY):
        page = client.get(url).content.decode()
    assert "班级借阅排行" in page and "七年级1班" in page
    assert "书x1" in page  # entered on 04-10: a new arrival
    assert "12:00—14:00" in page
    for name in ["赵一", "钱二", "王老师", "郑毕业"]:
        assert name not in page
