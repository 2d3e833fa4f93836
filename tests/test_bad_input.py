"""Bad input in a URL or a form gets a 4xx with a message, never a traceback: words
where numbers are expected, numbers beyond 64 bits, another school's ids."""

from __future__ import annotations

import pytest

from shuxiang.core.params import ids_param, int_param

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("12", 12),
        (" 7 ", 7),
        ("abc", None),
        ("", None),
        (None, None),
        ("1.5", None),
        (HUGE, None),
        ("-3", None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_int_param(value, expected):
    assert int_param(value) == expected


def test_ids_param():
    assert ids_param("12, 15，18") == [12, 15, 18]
    assert ids_param("12,abc") is None
    assert ids_param(f"1,{HUGE}") is None
    assert ids_param("") == []


@pytest.fixture
def staff(client, librarian):
    client.force_login(librarian)
    return client


@pytest.mark.parametrize(
    "url, status",
    [
        ("/staff/cataloging/?bib=abc", 404),
        (f"/staff/cataloging/?bib={HUGE}", 404),
        ("/staff/cataloging/?bib=0", 404),
        ("/staff/cataloging/clc.json?q=I24&limit=abc", 200),
        (f"/staff/cataloging/clc.json?q=I24&limit={HUGE}", 200),
        (f"/staff/catalog/marc/export/?download=1&ids={HUGE}", 422),
        ("/staff/catalog/marc/export/?download=1&ids=1,abc", 422),
        (f"/staff/patrons/classes/{HUGE}/cards.pdf", 404),
        (f"/staff/patrons/{HUGE}/", 404),
    ],
)
def test_words_and_huge_numbers_in_the_url_get_a_4xx(staff, url, status):
    response = staff.get(url)
    assert response.status_code == status, response.content[:300]


def test_posting_words_for_ids_changes_nothing_and_answers(staff, make_patron, school_class):
    make_patron(card="R200001", class_name=school_class.name)
    for data in ({"action": "cancel_hold", "hold": "abc"}, {"action": "pay", "fee": HUGE}):
        response = staff.post("/staff/circulation/reader/R200001/", data)
        assert response.status_code < 500
