"""The CLC data file, search and syntax check (pure)."""

from __future__ import annotations

import pytest

from shuxiang.catalog import clc


def test_data_file_has_the_22_main_classes_and_many_subclasses():
    table = clc.classes()
    mains = [c.code for c in clc.main_classes()]
    assert mains == list("ABCDEFGHIJKNOPQRSTUVXZ")
    assert len([c for c in table.values() if c.level >= 2]) >= 300
    assert table["I247.5"].name == "新体长篇、中篇小说"
    assert table["TP"].parent == "T"
    assert clc.DATA_FILE.read_text(encoding="utf-8").startswith("# Chinese Library Classification")
    assert "第五版" in clc.DATA_FILE.read_text(encoding="utf-8").split("\nA\t")[0]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("I247", "I247"),
        ("i247.5", "I247.5"),
        ("TP3", "TP3"),
        ("小说", "I24"),
        ("童话", "I287.7"),
        ("xiaoshuo", "I24"),
        ("xs", "I24"),
        ("tonghua", "I287.7"),
        ("etwx", "I28"),
        ("O1-49", "O1-49"),
        ("数学普及", "O1-49"),
    ],
)
def test_search(query, first):
    results = clc.search(query)
    assert results, query
    assert results[0].code == first


def test_search_by_number_prefix_lists_the_subclasses_in_file_order():
    codes = [c.code for c in clc.search("I247")]
    assert codes[:4] == ["I247", "I247.5", "I247.7", "I247.8"]


def test_empty_search_gives_the_main_classes():
    assert [c.code for c in clc.search("")][:3] == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("raw", "valid", "normalized"),
    [
        ("I247.5", True, "I247.5"),
        ("i247.5", True, "I247.5"),
        ("I2475", True, "I247.5"),  # the point left out
        ("Ｉ２４７．５", True, "I247.5"),  # full-width
        ("G633.951", True, "G633.951"),
        ("TP311.1", True, "TP311.1"),
        ("TB8", True, "TB8"),
        ("T", True, "T"),
        ("O1-49", True, "O1-49"),
        ("TU-8", True, "TU-8"),
        ("K928.9(1)", True, "K928.9(1)"),
        ("K27=2", True, "K27=2"),
        ('D633"214"', True, 'D633"214"'),
        ("F129<2>", True, "F129<2>"),
        ("I207.42:K827", True, "I207.42:K827"),
        ("Q959.8", True, "Q959.8"),  # valid though not in the file
        ("", False, ""),
        ("L1", False, "L1"),
        ("W12", False, "W12"),
        ("TX1", False, "TX1"),
        ("I24.7", False, "I24.7"),
        ("I247.5.", False, "I247.5."),
        ("I247..5", False, "I247..5"),
        ("247.5", False, "247.5"),
        ("I247.5-", False, "I247.5-"),
        ("I(1", False, "I(1"),
    ],
)
def test_validate(raw, valid, normalized):
    check = clc.validate(raw)
    assert check.valid is valid, raw
    assert check.normalized == normalized


def test_validation_codes_name_the_problem():
    assert clc.validate("L1").code == "main_class"
    assert clc.validate("TX1").code == "t_subclass"
    assert clc.validate("I24.7").code == "syntax"


def test_nearest_and_path_for_numbers_not_in_the_file():
    assert clc.nearest("I247.59").code == "I247.5"
    assert [c.code for c in clc.path("I247.59")] == ["I", "I2", "I24", "I247", "I247.5"]
    assert clc.caption("Q959.8") == "动物学"
