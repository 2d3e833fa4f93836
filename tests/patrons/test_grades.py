"""Grade systems as data: class names, parsing every usual spelling, promotion plans."""

import pytest

from shuxiang.patrons import grades

S63 = grades.system("6-3")
S54 = grades.system("5-4")
S9 = grades.system("9")
HIGH = grades.system("high")


@pytest.mark.parametrize(
    "system, text, expected",
    [
        (S63, "七年级3班", "七年级3班"),
        (S63, "初一(3)班", "七年级3班"),
        (S63, "初一（3）班", "七年级3班"),
        (S63, "七(3)班", "七年级3班"),
        (S63, "7年级3班", "七年级3班"),
        (S63, "７年级３班", "七年级3班"),  # full-width digits
        (S63, " 七年级 3 班 ", "七年级3班"),
        (S63, "七年级三班", "七年级3班"),
        (S63, "初三2班", "九年级2班"),
        (S63, "7-3", "七年级3班"),
        (S63, "703班", "七年级3班"),
        (S63, "一年级1班", "一年级1班"),
        (S63, "七年级12班", "七年级12班"),
        (S54, "初一(3)班", "六年级3班"),
        (S54, "初四(1)班", "九年级1班"),
        (S9, "初一(2)班", "七年级2班"),
        (HIGH, "高一(2)班", "高一2班"),
        (HIGH, "高三1班", "高三1班"),
        (HIGH, "10年级2班", "高一2班"),
        (S63, "高一(2)班", None),  # no high school in 六三制
        (S63, "十年级1班", None),
        (HIGH, "七年级3班", None),
        (S63, "火箭班", None),
        (S63, "", None),
    ],
)
def test_canonical_class_name(system, text, expected):
    assert grades.canonical_class_name(system, text) == expected


@pytest.mark.parametrize(
    "grade_text, class_text, expected",
    [
        ("七年级", "3班", "七年级3班"),
        ("7", "3", "七年级3班"),
        ("初一", "(3)班", "七年级3班"),
        ("七年级", "七年级3班", "七年级3班"),
        ("七年级", "703班", "七年级3班"),
        ("八年级", "七年级3班", None),  # contradicting columns
    ],
)
def test_grade_and_class_columns(grade_text, class_text, expected):
    grade = grades.parse_grade(S63, grade_text)
    assert grades.canonical_class_name(S63, class_text, grade=grade) == expected


@pytest.mark.parametrize(
    "text, number",
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十三", 23),
        ("7", 7),
        ("两", 2),
        ("abc", None),
        ("", None),
    ],
)
def test_chinese_number(text, number):
    assert grades.chinese_number(text) == number


@pytest.mark.parametrize(
    "system, grade, expected",
    [
        (S63, 5, 6),
        (S63, 6, None),
        (S63, 7, 8),
        (S63, 9, None),
        (S54, 5, None),
        (S54, 6, 7),
        (S9, 6, 7),
        (S9, 9, None),
        (HIGH, 10, 11),
        (HIGH, 12, None),
    ],
)
def test_next_grade(system, grade, expected):
    assert system.next_grade(grade) == expected


def test_promotion_plan_moves_up_and_graduates_the_last_grade():
    plan = grades.promotion_plan(
        S63, [(9, 1, "九年级1班"), (7, 3, "七年级3班"), (8, 2, "八年级2班")]
    )
    assert [(m.name, m.to_name) for m in plan] == [
        ("七年级3班", "八年级3班"),
        ("八年级2班", "九年级2班"),
        ("九年级1班", None),
    ]
    assert plan[-1].graduates


def test_unknown_system_falls_back_to_six_three():
    assert grades.system("nonsense").code == "6-3"
    assert grades.system("high").class_name(11, 4) == "高二4班"


def test_normalize_full_width_and_spaces():
    assert grades.normalize("　Ｒ０００１２　３ ") == "R00012 3"
