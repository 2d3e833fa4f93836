"""The roster planner and the card-number check: plain values in, a decision out, no
database."""

import datetime as dt

import pytest

from shuxiang.patrons.card_numbers import CardNumbers, card_problem
from shuxiang.patrons.roster import Problem, RosterRow
from shuxiang.patrons.roster_plan import KnownReader, RosterFacts, plan_roster

CLASS_ID = 7

ZHANG = KnownReader(
    pk=1,
    name="张小明",
    card_number="R000100",
    student_number="S1",
    school_class_id=CLASS_ID,
    gender="m",
    campus_card="C1",
)
OTHER = KnownReader(pk=2, name="别人", card_number="R000200", student_number="S2")
NO_NUMBER = KnownReader(pk=3, name="李华", card_number="R000300", school_class_id=CLASS_ID)


def row(number=2, **kw):
    kw.setdefault("name", "张小明")
    if kw.get("class_name") == "七年级3班":
        kw.setdefault("grade", 7)
        kw.setdefault("class_number", 3)
    return RosterRow(row=number, **kw)


def facts(**kw):
    kw.setdefault("school_year", 2026)
    kw.setdefault("readers", [ZHANG, OTHER, NO_NUMBER])
    kw.setdefault("classes", {"七年级3班": CLASS_ID})
    kw.setdefault("retired_cards", {"R000050"})
    return RosterFacts(**kw)


@pytest.mark.parametrize(
    "rows, given, expected",
    [
        pytest.param(
            [row(name="新人", student_number="S9", class_name="七年级3班")],
            {},
            [("create", "")],
            id="a new reader",
        ),
        pytest.param(
            [
                row(
                    student_number="S1",
                    class_name="七年级3班",
                    gender="m",
                    card="R000100",
                    campus_card="C1",
                )
            ],
            {},
            [("skip", "内容相同")],
            id="known by student number, unchanged",
        ),
        pytest.param(
            [row(name="张晓明", student_number="S1", class_name="七年级3班")],
            {},
            [("update", "姓名")],
            id="known by student number, renamed",
        ),
        pytest.param(
            [row(name="李华", class_name="七年级3班")],
            {},
            [("skip", "内容相同")],
            id="known by name, class and category",
        ),
        pytest.param(
            [row(card="R000100")],
            {},
            [("skip", "内容相同")],
            id="known by card when the name agrees",
        ),
        pytest.param(
            [row(name="新人", student_number="S9", card="R000300")],
            {},
            [("reject", "借书证号 R000300 已被读者 李华 使用")],
            id="card held by another reader",
        ),
        pytest.param(
            [row(name="新人", card="R000200")],
            {},
            [("reject", "借书证号 R000200 已被读者 别人 使用")],
            id="card alone with another name",
        ),
        pytest.param(
            [row(name="别人", student_number="S7", card="R000200")],
            {},
            [("reject", "已属于学号为 S2 的读者 别人")],
            id="card of a reader with another student number",
        ),
        pytest.param(
            [row(student_number="S1", card="R000999")],
            {},
            [("reject", "挂失补办")],
            id="known reader with a different card",
        ),
        pytest.param(
            [row(name="新人", card="R000050")],
            {},
            [("reject", "已挂失停用")],
            id="retired card",
        ),
        pytest.param(
            [row(name="新人", card="X1")],
            {"card_pattern": r"^R\d{6}$"},
            [("reject", "不符合本馆的格式")],
            id="card that does not fit the pattern",
        ),
        pytest.param(
            [row(name="新人", student_number="S9", campus_card="C1")],
            {},
            [("reject", "一卡通号 C1 已被读者 张小明 使用")],
            id="campus card of another reader",
        ),
        pytest.param(
            [row(name="新人", class_name="八年级1班", grade=8, class_number=1)],
            {},
            [("reject", "班级 八年级1班 不存在（本学年 2026）")],
            id="unknown class",
        ),
        pytest.param(
            [
                row(2, name="甲", student_number="S8"),
                row(3, name="乙", student_number="S8"),
            ],
            {},
            [("create", ""), ("reject", "学号 S8 与第 2 行重复")],
            id="student number twice in the file",
        ),
        pytest.param(
            [
                row(2, name="甲", card="R000700", problems=[Problem("性别", "无法识别")]),
                row(3, name="乙", card="R000700"),
            ],
            {},
            [("reject", "性别：无法识别"), ("reject", "与第 2 行重复")],
            id="the first of two rows wins even when rejected",
        ),
        pytest.param(
            [row(name="新人", student_number="S9")],
            {"card_pattern": r"^[A-Z]{2}\d+$"},
            [("reject", "无法自动生成")],
            id="no card and a pattern that cannot be generated",
        ),
    ],
)
def test_plan(rows, given, expected):
    plan = plan_roster(rows, facts(**given))
    assert [o.action for o in plan.outcomes] == [action for action, _part in expected]
    for (_action, part), outcome in zip(expected, plan.outcomes, strict=True):
        assert (part in outcome.reason) if part else (outcome.reason == "")
    assert len(plan.creates) == sum(1 for o in plan.outcomes if o.action == "create")
    assert len(plan.updates) == sum(1 for o in plan.outcomes if o.action == "update")


def test_new_readers_get_the_next_free_cards_after_current_and_retired_ones():
    plan = plan_roster(
        [row(2, name="甲"), row(3, name="乙", card="R000400"), row(4, name="丙")],
        facts(retired_cards={"R000350"}),
    )
    assert [o.card for o in plan.outcomes] == ["R000351", "R000400", "R000352"]
    assert [values["card_number"] for _out, values in plan.creates] == [
        "R000351",
        "R000400",
        "R000352",
    ]


def test_a_generated_card_named_again_later_repeats_that_row():
    plan = plan_roster(
        [row(2, name="甲"), row(3, name="甲", card="R000351")], facts(retired_cards={"R000350"})
    )
    assert [o.action for o in plan.outcomes] == ["create", "reject"]
    assert "与第 2 行重复" in plan.outcomes[1].reason


def test_unknown_classes_are_planned_only_when_asked():
    rows = [
        row(2, name="甲", class_name="八年级1班", grade=8, class_number=1),
        row(3, name="乙", class_name="八年级1班", grade=8, class_number=1),
        row(4, name="丙", class_name="八年级2班", grade=8, class_number=2),
    ]
    plan = plan_roster(rows, facts(), create_classes=True)
    assert [o.action for o in plan.outcomes] == ["create"] * 3
    assert plan.classes_created == ["八年级1班", "八年级2班"]
    assert plan.creates[0][1]["school_class_id"] is None
    assert plan.creates[0][1]["class_name"] == "八年级1班"


def test_an_update_carries_the_reader_and_the_new_values():
    plan = plan_roster(
        [row(student_number="S1", valid_until=dt.date(2029, 8, 31), class_name="七年级3班")],
        facts(),
    )
    [(outcome, pk, values)] = plan.updates
    assert pk == ZHANG.pk and outcome.changes == ["有效期"]
    assert values["valid_until"] == dt.date(2029, 8, 31)


def test_a_reader_without_a_student_number_gets_the_one_from_the_file():
    plan = plan_roster([row(name="李华", card="R000300", student_number="S5")], facts())
    [(outcome, pk, values)] = plan.updates
    assert pk == NO_NUMBER.pk and outcome.changes == ["学号"]


def test_progress_is_reported_per_row():
    seen = []
    plan_roster([row(2, name="甲"), row(3, name="乙")], facts(), progress=seen.append)
    assert seen == [0, 1]


@pytest.mark.parametrize(
    "card, pattern, holder, retired, code",
    [
        ("R000001", r"^R\d{6}$", None, False, None),
        ("R000001", "", None, False, None),
        ("X1", r"^R\d{6}$", None, False, "invalid_card"),
        ("R000001", r"^R\d{6}$", "张三", False, "duplicate_card"),
        ("R000001", r"^R\d{6}$", None, True, "card_retired"),
        ("X1", r"^R\d{6}$", "张三", True, "invalid_card"),  # the shape is checked first
    ],
)
def test_card_problem(card, pattern, holder, retired, code):
    problem = card_problem(card, pattern=pattern, holder=holder, retired=retired)
    assert (problem.code if problem else None) == code
    if problem is not None:
        assert card in problem.message


@pytest.mark.parametrize(
    "pattern, used, expected",
    [
        ("", [], ["R000001", "R000002"]),
        ("", ["R000041", "r000043", "T999999", "ANONYMOUS"], ["R000044", "R000045"]),
        (r"^S\d{4}$", ["S0007"], ["S0008", "S0009"]),
        (r"^S\d{4}$", ["S9998"], ["S9999", None]),
        (r"^[A-Z]{2}\d+$", [], [None, None]),
    ],
)
def test_card_numbers(pattern, used, expected):
    numbers = CardNumbers(pattern, used)
    assert [numbers.take(), numbers.take()] == expected
