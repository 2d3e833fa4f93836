import pytest

from shuxiang.catalog import callnumbers


@pytest.mark.parametrize(
    "values, expected",
    [
        (["B43/11", "A2/13", "B43/6", "A11/45"], ["A11/45", "A2/13", "B43/6", "B43/11"]),
        (
            ["I247.5/12", "I247.57/1", "I247.5-53/3", "I247/9"],
            ["I247/9", "I247.5/12", "I247.5-53/3", "I247.57/1"],
        ),
        (["TP311/2", "TN91/1", "T/5"], ["T/5", "TN91/1", "TP311/2"]),
        (
            ["I247.5/12:10", "I247.5/12:2", "I247.5/12"],
            ["I247.5/12", "I247.5/12:2", "I247.5/12:10"],
        ),
        (["K825/LX2", "K825/LX10", "K825/CZ"], ["K825/CZ", "K825/LX2", "K825/LX10"]),
    ],
)
def test_shelf_order(values, expected):
    assert sorted(values, key=callnumbers.sort_key) == expected


@pytest.mark.parametrize(
    "value, parts",
    [
        ("I247.5/12", ("I247.5", "12", "")),
        ("I247.5/12:2", ("I247.5", "12", "2")),
        ("G624", ("G624", "", "")),
    ],
)
def test_parse(value, parts):
    p = callnumbers.parse(value)
    assert (p.class_number, p.book_number, p.volume) == parts


def test_next_sequence_is_per_class_number():
    taken = ["I247.5/1", "I247.5/7", "I247.5/7:2", "I247.57/30", "I247/99", "I247.5/LX"]
    assert callnumbers.next_sequence("I247.5", taken) == 8
    assert callnumbers.next_sequence("K825", taken) == 1


@pytest.mark.parametrize(
    "name, letters, mark",
    [
        ("鲁迅", 2, "LX"),
        ("曾国藩", 2, "ZG"),
        ("单田芳", 1, "S"),
        ("Mark Twain", 2, "MT"),
        ("", 2, ""),
    ],
)
def test_author_mark(name, letters, mark):
    assert callnumbers.author_mark(name, letters=letters) == mark


def test_compose_and_class_part():
    assert callnumbers.compose("i247.5", 12, "2") == "I247.5/12:2"
    assert callnumbers.class_part("I247.5;K825") == "I247.5"
