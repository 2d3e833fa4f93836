"""Standards as data: rule set files checked with their problems named, bands by the
number of students, the five major groups' shares, a library's own file, and the report
(page, PDF, xlsx, inspection pack) against the chosen rule set.

The hand-built school (tests/reports/conftest.py) on 2026-03-31: 6 students, junior
(grades 7 and 8); books held b1–b8 and r1 = 9: I 3 + K 2 + G 1 = C–K 6, O 1 = N–X 1,
Z 1 (r1, the one reference title), b8 unclassified; new books 5 (5/6 = 0.83 a student);
no subscriptions; open 10 hours a week.

Against the example province's junior level, band "800 students or fewer":
books per student 1.5 of 45; total 9 of 35,000; new 0.83 of 1.5; periodicals 0 of 100;
reference titles 1 of 200; hours 10 of 45; A 0 % (1–3): 1 short; B 0 % (2–4): 2 short;
C–K 66.67 % (45–60): 6.67 over; N–X 11.11 % (20–35): 8.89 short; Z 11.11 % (3–8): 3.11 over.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from shuxiang.reports import report, rule_sets
from shuxiang.reports.models import ReportSettings, RuleSet
from shuxiang.reports.selectors import Group
from tests.pdfs import pdf_text

from .conftest import TODAY
from .test_figures import MARCH

MARCH_QUERY = {"start": "2026-03-01", "end": "2026-03-31"}

EXAMPLE = "example-province"


def test_the_built_in_rule_sets_load_and_the_example_says_it_is_one():
    found = rule_sets.built_in()
    assert set(found) >= {"national-2018", EXAMPLE}
    assert found["national-2018"]["levels"]["junior"]["books_per_student"] == 40
    example = found[EXAMPLE]
    assert example["example"] is True and example["name"].startswith("示例")
    assert "不是任何省份的正式标准" in example["note"]


@pytest.mark.parametrize(
    ("students", "band", "books_per_student", "total"),
    [
        (0, "0—800 人", 45, 35000),
        (800, "0—800 人", 45, 35000),
        (801, "801—1800 人", 45, 50000),
        (2400, "1801 人以上", 40, 80000),
    ],
)
def test_bands_by_the_number_of_students(students, band, books_per_student, total):
    example = rule_sets.built_in()[EXAMPLE]
    figures, text = rule_sets.requirements(example, "junior", students)
    assert text == band
    assert (figures["books_per_student"], figures["total_books"]) == (books_per_student, total)
    # The top's figures hold unless a level or band overrides them.
    assert figures["opening_hours_per_week"] == 45
    assert figures["clc_shares"]["C–K"] == {"min": 45, "max": 60}


def rule(**changes):
    data = {
        "code": "my-province",
        "name": "本省标准",
        "levels": {"junior": {"books_per_student": 50}},
    }
    data.update(changes)
    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"code": "x",', "不是有效的 JSON：第 1 行"),
        (b"[1, 2]", "标准文件应为一个 JSON 对象"),
        (rule(code="My Province"), "code 应为 1—40 个小写字母"),
        (rule(name=""), "name（标准名称）不能为空"),
        (rule(levels={}), "levels 应列出至少一类学校"),
        (rule(levels={"college": {"books_per_student": 1}}), "levels.college：未知的学校类别"),
        (
            rule(levels={"junior": {"books_per_studnet": 50}}),
            "levels.junior 中有未知的项目“books_per_studnet”",
        ),
        (
            rule(levels={"junior": {"books_per_student": -1}}),
            "levels.junior.books_per_student 应为不小于 0 的数字",
        ),
        (
            rule(levels={"junior": {"books_per_student": "四十"}}),
            '应为不小于 0 的数字，而不是 "四十"',
        ),
        (rule(clc_shares={"L": {"min": 1}}), "“L”不是五大部类之一"),
        (rule(clc_shares={"A": {"min": 5, "max": 3}}), "clc_shares.A 的 min 大于 max"),
        (rule(clc_shares={"A": {"min": 120}}), "clc_shares.A.min 是百分比，不能超过 100"),
        (
            rule(
                levels={
                    "junior": {
                        "bands": [
                            {"students_max": 1000, "total_books": 1},
                            {"students_min": 900, "total_books": 2},
                        ]
                    }
                }
            ),
            "学生人数区间有重叠（0—1000 人 与 900 人以上）",
        ),
        (
            rule(
                levels={
                    "junior": {"bands": [{"students_min": 10, "students_max": 5, "total_books": 1}]}
                }
            ),
            "levels.junior.bands[0] 的 students_max 小于 students_min",
        ),
        (b"x" * (65 * 1024), "不能超过 64 KB"),
        ("{}".encode("utf-16"), "UTF-8"),
    ],
)
def test_a_bad_file_is_refused_saying_where(content, message):
    with pytest.raises(rule_sets.RuleSetError) as error:
        rule_sets.parse(content)
    assert message in error.value.message


def test_a_hyphen_means_the_en_dash_and_a_file_round_trips():
    data = rule_sets.parse(rule(clc_shares={"C-K": {"max": 60}}))
    assert data["defaults"]["clc_shares"] == {"C–K": {"max": 60}}
    for found in rule_sets.built_in().values():
        again = rule_sets.validate(json.loads(json.dumps(rule_sets.as_file(found))))
        assert again == found


@pytest.mark.django_db
def test_the_school_against_the_example_province(library, school, staff_client):
    ReportSettings.objects.create(library=library, standard=EXAMPLE)
    with clock.frozen_at(TODAY):
        found = report.build(library, MARCH, Group(), TODAY.date())
    standard = found["standard"]
    assert (standard["level"], standard["students"], standard["band"]) == ("junior", 6, "0—800 人")
    assert [(c.label, c.value, c.requirement, c.verdict) for c in standard["checks"]] == [
        ("生均藏书", 1.5, "≥ 45 册", "未达标（差 43.5 册）"),
        ("藏书总量", 9, "≥ 35,000 册", "未达标（差 34,991 册）"),
        ("年生均新增图书", 0.83, "≥ 1.5 册", "未达标（差 0.67 册）"),
        ("报刊种数", 0, "≥ 100 种", "未达标（差 100 种）"),
        ("工具书种数", 1, "≥ 200 种", "未达标（差 199 种）"),
        ("每周开放时间", 10.0, "≥ 45 小时", "未达标（差 35 小时）"),
        ("A 马列毛邓占藏书比例", 0.0, "1—3%", "未达标（差 1%）"),
        ("B 哲学占藏书比例", 0.0, "2—4%", "未达标（差 2%）"),
        ("C–K 社会科学占藏书比例", 66.67, "45—60%", "未达标（超出 6.67%）"),
        ("N–X 自然科学占藏书比例", 11.11, "20—35%", "未达标（差 8.89%）"),
        ("Z 综合占藏书比例", 11.11, "3—8%", "未达标（超出 3.11%）"),
    ]
    # The page says the example is one, beside its band.
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/reports/", MARCH_QUERY).content.decode()
    assert "注意：这是示例标准，其中的数字不是正式标准" in page
    assert "适用 0—800 人 一档" in page and "未达标（超出 6.67%）" in page
    # A class's report holds the school, not the class, to the standard.
    with clock.frozen_at(TODAY):
        klass = report.build(
            library, MARCH, Group(school_class=school["classes"]["71"]), TODAY.date()
        )
    assert klass["standard"]["students"] == 6
    assert [c.value for c in klass["standard"]["checks"]][:2] == [1.5, 9]


@pytest.mark.django_db
def test_a_level_the_rule_set_leaves_out_is_said(library, school, actor):
    from shuxiang.reports import services

    services.rule_set_upload(
        actor=actor, content=rule(levels={"primary": {"books_per_student": 30}})
    )
    ReportSettings.objects.create(library=library, standard="my-province")
    with clock.frozen_at(TODAY):
        found = report.build(library, MARCH, Group(), TODAY.date())
    assert found["standard"]["covered"] is False and found["standard"]["checks"] == []


@pytest.mark.django_db
def test_the_librarian_loads_chooses_and_reports_against_an_own_file(
    staff_client, library, school, tmp_path
):
    upload = SimpleUploadedFile("province.json", rule(opening_hours_per_week=8), "application/json")
    page = staff_client.post("/staff/reports/settings/rule-set/", {"file": upload}, follow=True)
    assert "已导入标准“本省标准”" in page.content.decode()
    assert AuditEvent.objects.filter(action="rule_set.upload").count() == 1
    staff_client.post(
        "/staff/reports/settings/",
        {"school_level": "", "standard": "my-province", "borrowing_rate_basis": "students"},
    )
    assert ReportSettings.objects.get(library=library).standard == "my-province"
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/reports/", MARCH_QUERY).content.decode()
        assert "对照本省标准" in page and "≥ 50 册" in page and "未达标（差 48.5 册）" in page
        assert "每周开放时间" in page and "≥ 8 小时" in page and "达标" in page
        pdf = staff_client.get("/staff/reports/report.pdf", MARCH_QUERY).content
        wb = load_workbook(
            io.BytesIO(staff_client.get("/staff/reports/report.xlsx", MARCH_QUERY).content)
        )
        pack = load_workbook(
            io.BytesIO(staff_client.get("/staff/reports/inspection.xlsx", MARCH_QUERY).content)
        )
    assert "本省标准" in pdf_text(pdf, tmp_path, "report") and "48.5" in pdf_text(
        pdf, tmp_path, "r2"
    )
    rows = list(wb["规程对照"].iter_rows(values_only=True))
    assert rows[0] == ("项目", "本校", "单位", "最低", "最高", "结论")
    assert ("生均藏书", 1.5, "册", 50, None, "未达标（差 48.5 册）") in rows
    assert ("每周开放时间", 10, "小时", 8, None, "达标") in rows
    assert ("对照标准", "本省标准") in [r[:2] for r in pack["规程对照"].iter_rows(values_only=True)]
    # The file comes back as it was loaded, to edit again.
    back = staff_client.get("/staff/reports/standards/my-province.json")
    assert json.loads(back.content)["levels"] == {"junior": {"books_per_student": 50}}
    # In use: not deleted.
    page = staff_client.post("/staff/reports/settings/rule-set/my-province/delete/", follow=True)
    assert "统计设置正在使用“本省标准”" in page.content.decode()
    assert RuleSet.objects.filter(library=library).count() == 1


@pytest.mark.django_db
def test_a_bad_or_clashing_file_changes_nothing(staff_client, library, make_user, client):
    bad = SimpleUploadedFile("bad.json", rule(levels={"junior": {"books": 1}}))
    page = staff_client.post("/staff/reports/settings/rule-set/", {"file": bad}, follow=True)
    assert "标准文件未能导入：levels.junior 中有未知的项目“books”" in page.content.decode()
    clash = SimpleUploadedFile("n.json", rule(code="national-2018"))
    page = staff_client.post("/staff/reports/settings/rule-set/", {"file": clash}, follow=True)
    assert "代码 national-2018 已被内置标准使用" in page.content.decode()
    assert not RuleSet.objects.exists()
    assert not AuditEvent.objects.filter(action="rule_set.upload").exists()
    client.force_login(make_user("leader"))
    ok = SimpleUploadedFile("p.json", rule())
    assert client.post("/staff/reports/settings/rule-set/", {"file": ok}).status_code == 403
    assert not RuleSet.objects.exists()


@pytest.mark.django_db
def test_an_unused_own_rule_set_is_deleted(staff_client, library, actor):
    from shuxiang.reports import services

    services.rule_set_upload(actor=actor, content=rule())
    services.rule_set_upload(actor=actor, content=rule(name="本省标准（修订）"))
    assert RuleSet.objects.get(library=library).name == "本省标准（修订）"
    page = staff_client.post("/staff/reports/settings/rule-set/my-province/delete/", follow=True)
    assert "已删除自定义标准。" in page.content.decode()
    assert not RuleSet.objects.exists()
    assert AuditEvent.objects.filter(action="rule_set.delete").count() == 1
