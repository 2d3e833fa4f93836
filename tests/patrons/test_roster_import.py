"""Importing real roster files: every problem named by row and column, dry runs that
write nothing, one transaction for the valid rows, re-imports that change nothing."""

import datetime as dt
import time

import pytest

from shuxiang.core import spreadsheet
from shuxiang.core.models import AuditEvent
from shuxiang.patrons import roster
from shuxiang.patrons.models import Patron, SchoolClass
from shuxiang.patrons.services import card_shape, roster_import
from tests.patrons.roster_files import HEADERS, csv_bytes, xlsx


def run(actor, content, filename="花名册.xlsx", **kw):
    return roster_import(actor=actor, content=content, filename=filename, **kw)


def by_row(report):
    return {r.row: r for r in report.rows}


def counts():
    return Patron.objects.count(), SchoolClass.objects.count(), AuditEvent.objects.count()


MESSY = [
    [
        "２０２６０７０１",
        "张 小明",
        "男",
        "七年级",
        "3班",
        "学生",
        "",
        "2029-08-31",
    ],  # full-width number, spaced name
    [
        "20260702",
        "李华",
        "女",
        "",
        "初一(3)班",
        "学生",
        "",
        46996,
    ],  # class variant, Excel serial date
    [
        "20260703",
        "王芳",
        "女",
        "",
        "七(3)班",
        "",
        "R000777",
        dt.datetime(2029, 8, 31),
    ],  # given card, date cell
    ["20260704", "赵强", "男", "", "7年级3班", "学生", "", "2029年8月31日"],
    ["20260705", "孙丽", "女", "", "火箭班", "学生", "", ""],  # unknown class spelling
    ["20260701", "张小明", "男", "七年级", "3班", "学生", "", ""],  # duplicate student number
    ["20260706", "", "男", "", "七年级3班", "学生", "", ""],  # no name
    ["20260707", "周杰", "不详", "", "七年级3班", "学生", "", ""],  # bad gender
    ["20260708", "吴敏", "女", "", "七年级3班", "学生", "", "明年夏天"],  # bad date
    ["20260709", "郑和", "男", "", "九年级1班", "学生", "", ""],  # class not in the library
    ["", "陈老师", "女", "", "", "教师", "", ""],
]


def test_dry_run_reports_every_row_and_writes_nothing(actor, school_class):
    before = counts()
    report = run(actor, xlsx(MESSY), dry_run=True)
    assert counts() == before
    rows = by_row(report)
    assert report.counts == {"create": 5, "update": 0, "skip": 0, "reject": 6}
    assert (
        rows[2].action == "create"
        and rows[2].name == "张小明"
        and rows[2].student_number == "20260701"
    )
    assert rows[2].class_name == "七年级3班"
    assert rows[3].class_name == "七年级3班" and rows[5].class_name == "七年级3班"
    assert rows[6].action == "reject" and "班级" in rows[6].reason and "火箭班" in rows[6].reason
    assert rows[7].action == "reject" and "第 2 行" in rows[7].reason
    assert "姓名" in rows[8].reason
    assert rows[9].reason.startswith("性别") and "不详" in rows[9].reason
    assert rows[10].reason.startswith("有效期") and "明年夏天" in rows[10].reason
    assert "九年级1班 不存在" in rows[11].reason and "--create-classes" in rows[11].reason
    assert rows[12].action == "create" and rows[12].class_name is None


def test_real_run_commits_valid_rows_and_reimport_changes_nothing(actor, school_class):
    content = xlsx(MESSY)
    report = run(actor, content)
    assert report.counts["create"] == 5
    zhang = Patron.objects.get(student_number="20260701")
    assert zhang.name == "张小明" and zhang.gender == "m" and zhang.school_class == school_class
    assert zhang.valid_until == dt.date(2029, 8, 31)
    assert zhang.name_initials == "zxm"
    assert Patron.objects.get(student_number="20260702").valid_until == dt.date(2028, 8, 31)
    assert Patron.objects.get(student_number="20260703").card_number == "R000777"
    assert Patron.objects.get(student_number="20260704").valid_until == dt.date(2029, 8, 31)
    teacher = Patron.objects.get(name="陈老师")
    assert teacher.category == "teacher" and teacher.student_number is None
    assert not Patron.objects.filter(name__in=["孙丽", "周杰", "吴敏", "郑和"]).exists()
    assert AuditEvent.objects.filter(action="patron.create").count() == 5
    assert AuditEvent.objects.filter(action="patrons.import").count() == 1

    before = counts()
    again = run(actor, content)
    assert again.counts == {"create": 0, "update": 0, "skip": 5, "reject": 6}
    assert counts()[:2] == before[:2]
    assert AuditEvent.objects.filter(action__in=["patron.create", "patron.update"]).count() == 5


def test_generated_cards_fit_the_library_pattern(actor, school_class, make_patron):
    make_patron(card="R000041")
    run(
        actor,
        xlsx(
            [
                ["1", "甲", "", "", "七年级3班", "", "", ""],
                ["2", "乙", "", "", "七年级3班", "", "", ""],
            ]
        ),
    )
    cards = sorted(
        Patron.objects.filter(student_number__in=["1", "2"]).values_list("card_number", flat=True)
    )
    assert cards == ["R000042", "R000043"]


@pytest.mark.parametrize(
    "pattern, shape",
    [
        (r"^R\d{4,10}$", ("R", 6)),
        (r"^\d{8}$", ("", 8)),
        (r"^DZ\d+$", ("DZ", 6)),
        (r"^[A-Z]{2}\d{4}$", None),
        ("", ("R", 6)),
    ],
)
def test_card_shape(pattern, shape):
    assert card_shape(pattern) == shape


def test_existing_reader_is_updated_not_duplicated(actor, school_class, make_patron):
    patron = make_patron(card="R000100", name="张晓明", student_number="S1")
    report = run(actor, xlsx([["S1", "张小明", "男", "", "七年级3班", "学生", "", ""]]))
    assert (
        report.rows[0].action == "update"
        and "姓名" in report.rows[0].reason
        and "班级" in report.rows[0].reason
    )
    patron.refresh_from_db()
    assert (patron.name, patron.school_class, patron.card_number) == (
        "张小明",
        school_class,
        "R000100",
    )
    assert Patron.objects.count() == 1
    event = AuditEvent.objects.get(action="patron.update")
    assert event.before["name"] == "张晓明" and event.after["name"] == "张小明"


def test_conflicting_card_for_existing_reader_is_rejected(actor, school_class, make_patron):
    make_patron(card="R000100", student_number="S1")
    make_patron(card="R000200", name="别人")
    report = run(
        actor,
        xlsx(
            [
                ["S1", "张小明", "", "", "", "", "R000999", ""],
                ["S2", "新人", "", "", "", "", "R000200", ""],
            ]
        ),
    )
    assert [r.action for r in report.rows] == ["reject", "reject"]
    assert "挂失补办" in report.rows[0].reason
    assert "已被读者 别人 使用" in report.rows[1].reason


def test_unknown_classes_created_only_when_asked(actor):
    content = xlsx(
        [["1", "甲", "", "", "初二(1)班", "", "", ""], ["2", "乙", "", "", "八年级1班", "", "", ""]]
    )
    assert run(actor, content).counts["reject"] == 2
    assert not SchoolClass.objects.exists()
    preview = run(actor, content, dry_run=True, create_classes=True)
    assert preview.classes_created == ["八年级1班"] and not SchoolClass.objects.exists()
    report = run(actor, content, create_classes=True)
    assert report.counts["create"] == 2
    created = SchoolClass.objects.get()
    assert (created.name, created.grade, created.number, created.school_year) == (
        "八年级1班",
        8,
        1,
        2026,
    )
    assert Patron.objects.filter(school_class=created).count() == 2


def test_sensitive_columns_are_dropped_with_a_note(actor, school_class):
    headers = ["学号", "姓名", "身份证号", "家长电话", "家庭住址", "班级", "备注"]
    content = xlsx(
        [["1", "甲", "110101201301011234", "13900001111", "幸福路1号", "七年级3班", "x"]], headers
    )
    report = run(actor, content)
    assert any(
        "身份证号" in n and "家长电话" in n and "家庭住址" in n and "未保存" in n
        for n in report.notes
    )
    assert any("备注" in n for n in report.notes)
    patron = Patron.objects.get()
    stored = " ".join(str(v) for v in Patron.objects.values().get().values())
    assert (
        "110101201301011234" not in stored
        and "13900001111" not in stored
        and "幸福路" not in stored
    )
    assert patron.name == "甲"
    events = " ".join(str(e.before) + str(e.after) for e in AuditEvent.objects.all())
    assert "110101201301011234" not in events


def test_title_rows_merged_cells_and_a_notes_sheet_first(actor, school_class):
    rows = [
        ["1", "甲", "男", "七年级", "3班", "学生", "", ""],
        ["2", "乙", "女", None, None, "学生", "", ""],  # grade and class merged down from row 4
        ["3", "丙", "女", None, None, "学生", "", ""],
    ]
    content = xlsx(
        rows,
        before=[["实验中学2026级学生名单"], []],
        merges=["A1:H1", "D4:D6", "E4:E6"],
        first_sheet=("说明", [["请把名单填在第二个工作表"]]),
    )
    report = run(actor, content)
    assert report.sheet == "花名册"
    assert any("花名册" in n for n in report.notes) and any("合并单元格" in n for n in report.notes)
    assert report.counts["create"] == 3
    assert [r.row for r in report.rows] == [4, 5, 6]
    assert Patron.objects.filter(school_class=school_class).count() == 3


def test_formula_without_saved_value_is_reported_by_row_and_column(actor, school_class):
    rows = [
        ["1", "甲", "", "", "七年级3班", "", "", ""],
        ["2", '=CONCATENATE("乙","丙")', "", "", "七年级3班", "", "", ""],
    ]
    report = run(actor, xlsx(rows))
    bad = by_row(report)[3]
    assert bad.action == "reject" and bad.reason.startswith("姓名") and "CONCATENATE" in bad.reason


def test_english_headers_and_gbk_csv(actor, school_class):
    english = ["Student No", "Name", "Gender", "Class", "Type", "Card Number", "Valid Until"]
    report = run(
        actor,
        xlsx(
            [
                ["E1", "Li Lei", "M", "Grade 7 Class 3", "student", "", ""],
                ["E2", "韩梅梅", "F", "7-3", "Student", "", "2029/8/31"],
            ],
            english,
        ),
    )
    assert report.rows[0].action == "reject" and "Grade 7 Class 3" in report.rows[0].reason
    assert report.rows[1].action == "create"
    content = csv_bytes(
        [["C1", "王 五", "男", "初一", "3", "学生", "", "20290831"]],
        encoding="gb18030",
        delimiter="\t",
    )
    report = run(actor, content, filename="roster.csv")
    assert report.rows[0].action == "create"
    patron = Patron.objects.get(student_number="C1")
    assert (
        patron.name == "王五"
        and patron.school_class == school_class
        and patron.valid_until == dt.date(2029, 8, 31)
    )


def test_thousand_rows_with_one_bad(actor, school_class):
    rows = [
        [f"2026{i:04d}", f"学生{i}", "男" if i % 2 else "女", "", "七年级3班", "学生", "", ""]
        for i in range(1000)
    ]
    rows[637][2] = "X"
    content = xlsx(rows)
    start = time.perf_counter()
    dry = run(actor, content, dry_run=True)
    assert not Patron.objects.exists()
    report = run(actor, content)
    elapsed = time.perf_counter() - start
    assert report.counts == {"create": 999, "update": 0, "skip": 0, "reject": 1}
    assert dry.counts == report.counts
    (bad,) = report.rejected
    assert bad.row == 639 and bad.reason.startswith("性别") and "X" in bad.reason
    assert Patron.objects.count() == 999
    assert elapsed < 30


def test_a_failing_write_rolls_back_the_whole_import(actor, school_class, monkeypatch):
    from shuxiang.core import audit

    real = audit.record
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", flaky)
    with pytest.raises(RuntimeError):
        run(actor, xlsx([[str(i), f"读者{i}", "", "", "七年级3班", "", "", ""] for i in range(5)]))
    assert not Patron.objects.exists()


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"", "empty.xlsx", "空"),
        (b"   \n", "blank.csv", "空"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "无法读取"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", ".xls"),
        (xlsx([], ["学号", "姓名", "班级"]), "header-only.xlsx", "没有数据行"),
        (xlsx([["a", "b"]], ["甲", "乙"]), "no-headers.xlsx", "找不到表头"),
    ],
)
def test_unreadable_files_are_refused(actor, content, filename, message):
    with pytest.raises(roster.RosterError) as exc:
        run(actor, content, filename=filename)
    assert message in str(exc.value)


def test_named_sheet_that_does_not_exist(actor):
    with pytest.raises(roster.RosterError, match="没有名为"):
        run(actor, xlsx([["1", "甲"]], ["学号", "姓名"]), sheet="Sheet9")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2027-08-31", dt.date(2027, 8, 31)),
        ("2027/8/31", dt.date(2027, 8, 31)),
        ("2027.8.31", dt.date(2027, 8, 31)),
        ("２０２７年８月３１日", dt.date(2027, 8, 31)),
        ("20270831", dt.date(2027, 8, 31)),
        (20270831, dt.date(2027, 8, 31)),
        (46630, dt.date(2027, 8, 31)),
        (46630.0, dt.date(2027, 8, 31)),
        ("46630", dt.date(2027, 8, 31)),
        (dt.datetime(2027, 8, 31, 0, 0), dt.date(2027, 8, 31)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert spreadsheet.parse_date(value) == expected


def test_template_is_a_roster_the_importer_reads(actor, school_class):
    report = run(actor, roster.template_xlsx(), filename="template.xlsx", dry_run=True)
    assert report.counts["create"] == 2
    assert HEADERS[:6] == roster.TEMPLATE_HEADERS[:6]


def test_a_repeat_of_a_rejected_row_is_not_imported_in_its_place(actor, school_class):
    rows = [
        ["S1", "张小明", "不详", "", "七年级3班", "", "", ""],
        ["S1", "张小明", "男", "", "七年级3班", "", "", ""],
    ]
    report = run(actor, xlsx(rows))
    first, second = report.rows
    assert first.action == "reject" and first.reason.startswith("性别")
    assert second.action == "reject" and "与第 2 行重复" in second.reason
    assert not Patron.objects.exists()


def test_report_lists_rejected_rows_first(actor, school_class):
    rows = [
        ["1", "甲", "", "", "七年级3班", "", "", ""],
        ["2", "", "", "", "七年级3班", "", "", ""],
    ]
    report = run(actor, xlsx(rows), dry_run=True)
    assert [r.row for r in report.ordered_rows] == [3, 2]
