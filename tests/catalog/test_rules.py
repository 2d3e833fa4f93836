"""The checks a title and a copy pass before they are cataloged (catalog.rules), as plain
values: the one place the cataloging form, the API and the book lists get them from."""

from __future__ import annotations

import pytest

from shuxiang.catalog import rules
from shuxiang.core.errors import Invalid


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        ({"title": "朝花夕拾"}, []),
        ({"title": "  "}, ["title_required"]),
        ({"title": "某书", "isbn": "978-7-111-11111-1"}, ["invalid_isbn"]),
        ({"title": "某书", "isbn": "7-02-000220-X"}, []),
        ({"title": "某书", "year": 999}, ["invalid_year"]),
        ({"title": "某书", "price": -1}, ["invalid_price"]),
        ({"title": "某书", "clc_number": "L99"}, ["invalid_clc"]),
        (
            {"title": "", "isbn": "1", "clc_number": "W1"},
            ["title_required", "invalid_isbn", "invalid_clc"],
        ),
    ],
)
def test_bib_check_lists_every_problem_with_its_code(values, codes):
    assert [p.code for p in rules.bib_check(**values).problems] == codes


def test_bib_check_normalizes_the_class_number_and_may_allow_a_bad_isbn():
    check = rules.bib_check(title="某书", clc_number="i210．4", isbn="1", allow_invalid_isbn=True)
    assert check.problems == [] and check.clc == "I210.4"
    assert "基本大类" in rules.bib_check(title="某书", clc_number="L99").problems[0].message


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [("I247.5/12", "I247.5/12"), ("i210.4／1", "I210.4/1"), (" K825.6/3 ", "K825.6/3")],
)
def test_call_number_clean(value, cleaned):
    assert rules.call_number_clean(value) == cleaned


@pytest.mark.parametrize("value", ["xyz", "I247.5", "L99/1", "/12"])
def test_call_number_clean_refuses_other_shapes(value):
    with pytest.raises(Invalid) as exc:
        rules.call_number_clean(value)
    assert exc.value.code == "invalid_call_number"
