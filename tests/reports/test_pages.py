"""The statistics pages over HTTP: figures with their formulas, drill-down school →
grade → class, SVG charts, bad input, the xlsx and the PDF read back; the leader's login
sees the statistics and nothing else."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shuxiang.core import clock
from tests.pdfs import pdf_text, pdf_to_png

from .conftest import TODAY

pytestmark = pytest.mark.django_db
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def test_the_school_page_shows_each_figure_with_its_formula(staff_client, school):
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/reports/", MARCH).content.decode()
    assert "借书率" in page and "50.0%" in page and "3 / 6" in page
    assert "本期借过至少一册的学生数 ÷ 学生数 × 100%" in page
    assert "藏书流通率" in page and "66.7%" in page and "6 / 9" in page
    assert "<svg" in page and "各年级生均借阅量" in page
    assert (
        'href="?start=2026-03-01&amp;end=2026-03-31&amp;grade=%E4%B8%83%E5%B9%B4%E7%BA%A7"' in page
    )
    assert "未达标（差 38.5 册）" in page  # books per student 1.5 against 40
    assert "赵一" in page  # a librarian sees the top readers' names


def test_drill_down_to_a_grade_and_a_class(staff_client, school):
    grade = staff_client.get("/staff/reports/", {**MARCH, "grade": "七年级"}).content.decode()
    assert "各班生均借阅量" in grade and "七年级1班" in grade and "八年级1班" not in grade
    klass = staff_client.get("/staff/reports/", {**MARCH, "class": "七年级1班"}).content.decode()
    assert "2 / 4" in klass  # two of its four students borrowed
    assert "七年级 </a>" in klass.replace(
        "七年级</a>", "七年级 </a>"
    )  # the crumb back to the grade


def test_bad_input_shows_a_message_and_this_term(staff_client, school):
    page = staff_client.get(
        "/staff/reports/", {"start": "2026-03-31", "end": "2026-03-01"}
    ).content.decode()
    assert "结束日期早于开始日期。" in page
    page = staff_client.get("/staff/reports/", {"class": "九年级9班"}).content.decode()
    assert "没有班级 九年级9班。" in page


def test_the_xlsx_has_the_figures_and_the_definitions(staff_client, school):
    with clock.frozen_at(TODAY):
        r = staff_client.get("/staff/reports/report.xlsx", MARCH)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["概况", "班级", "藏书结构", "图书排行", "规程对照", "公式说明"]
    rows = {row[0]: row for row in wb["概况"].iter_rows(values_only=True) if row and row[0]}
    # February: S3 alone borrowed, 1 of 6 students.
    assert rows["借书率"][1:6] == (50, 3, 6, 16.67, "%")
    assert rows["藏书流通率"][1:4] == (66.67, 6, 9)
    definitions = dict(wb["公式说明"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert definitions["借书率"] == "本期借过至少一册的学生数 ÷ 学生数 × 100%"
    league = list(wb["班级"].iter_rows(min_row=2, values_only=True))
    assert league[0] == ("七年级1班", 4, 2, 4, 50, 1)


@pytest.mark.needs_cjk_font
def test_the_pdf_reads_right(staff_client, school, tmp_path):
    with clock.frozen_at(TODAY):
        r = staff_client.get("/staff/reports/report.pdf", MARCH)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content, tmp_path, "report")
    assert "学期图书室工作统计" in text
    assert "本期共借出图书 7 册次" in text
    assert "七年级1班" in text and "未达标" in text
    pages = pdf_to_png(r.content, tmp_path, "report")
    assert pages and pages[0].stat().st_size > 10_000


def test_the_leader_sees_the_statistics_and_nothing_else(client, make_user, school):
    client.force_login(make_user("leader"))
    page = client.get("/staff/reports/", MARCH)
    assert page.status_code == 200
    html = page.content.decode()
    assert "借书率" in html
    assert "赵一" not in html and "（姓名仅图书管理员可见）" in html
    assert client.get("/staff/reports/report.xlsx", MARCH).status_code == 200
    for url in ["/staff/circulation/", "/staff/patrons/", "/staff/catalog/"]:
        r = client.get(url)
        assert r.status_code in (302, 403, 404), url


def test_assistants_readers_and_strangers_may_not(client, make_user, school):
    assert client.get("/staff/reports/").status_code == 302  # to the login
    client.force_login(make_user("assistant"))
    assert client.get("/staff/reports/").status_code == 403
    assert client.get("/staff/reports/report.pdf").status_code == 403


def test_the_dashboard_shows_this_terms_rates_against_last_terms(client, make_user, school):
    from shuxiang.core.models import Term

    library = school["classes"]["71"].library
    Term.objects.create(library=library, name="2025秋季学期", start="2025-09-01", end="2026-01-31")
    Term.objects.create(library=library, name="2026春季学期", start="2026-02-01", end="2026-07-10")
    client.force_login(make_user("leader"))
    with clock.frozen_at(TODAY):
        page = client.get("/staff/").content.decode()
    # This term so far: S1, S2, S5 and (in February) S3 of 6 students; last term none.
    tile = '<div class="figure">{}</div><div class="note muted">上学期 {}</div><div class="label">{}</div>'
    assert tile.format("66.7%", "0.0% ↑", "本学期借书率") in page
    assert tile.format("1.0", "0.0 ↑", "本学期生均借阅量") in page
    assert "统计报表" in page  # the leader's one menu entry


def test_the_inspection_pack(staff_client, school):
    with clock.frozen_at(TODAY):
        r = staff_client.get("/staff/reports/inspection.xlsx", MARCH)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["馆藏分类统计", "登记总数", "借阅统计", "剔旧与遗失", "规程对照"]
    holdings = {
        row[0]: row
        for row in wb["馆藏分类统计"].iter_rows(min_row=2, values_only=True)
        if row and row[0]
    }
    # At the end of March: b1–b8, r1 (reference); x1 comes in April, w1 and l1 are gone.
    assert holdings["I"][5] == 3 and holdings["Z"][2] == 1 and holdings["合计"][5] == 9
    assert holdings["C–K 社会科学"][1:3] == (6, 66.67)  # b1–b5: I ×3, K ×2, G
    accessions = list(wb["登记总数"].iter_rows(min_row=2, values_only=True))
    assert [(y, n) for y, n, _v in accessions] == [(2025, 6), (2026, 6)]
    gone = list(wb["剔旧与遗失"].iter_rows(min_row=2, values_only=True))
    assert [(y, kind, n) for y, kind, n, _v in gone] == [(2026, "遗失", 1), (2026, "已注销", 1)]
    borrowing = {row[0]: row for row in wb["借阅统计"].iter_rows(min_row=2, values_only=True)}
    assert borrowing["借书率"][1:4] == (50, 3, 6)


def test_the_term_summary_is_an_editable_word_document(staff_client, school):
    from docx import Document

    with clock.frozen_at(TODAY):
        r = staff_client.get("/staff/reports/term-summary.docx", MARCH)
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert (
        "2026-03-01—2026-03-31共借出图书 7 册次，生均 0.8 册（上学期 0.2），借书率 50.0%（上学期 16.7%），"
        in text
    )
    assert "班级借阅前三名：七年级1班（生均 1.0 册）、七年级2班（生均 0.5 册）。" in text
    assert "未达标" in text
    league = doc.tables[1]
    assert [c.text for c in league.rows[1].cells] == ["1", "七年级1班", "50.0%", "1.0"]
