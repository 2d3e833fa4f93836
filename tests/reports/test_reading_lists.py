"""Recommended reading lists: read from a spreadsheet, matched to the catalog by ISBN (the
titles must agree) or by folded title and author, and the coverage the librarian sees.

The catalog:
  西游记 (吴承恩, 9787020008735): 2 copies, one lent on 03-05
  三国演义 (罗贯中 著): 1 copy                       红楼梦 (9787532100002): 1 copy, withdrawn
  科学家的故事 套装 (9787511002228, a set ISBN)      草房子 (张三): 1 copy
  城南旧事 (no author recorded): 1 copy, lent on 03-02 and 03-20 and in February
The list (csv):
  1 西游记 吴承恩 9787020008735 文学   → by ISBN: held, lent once
  2 《三國演義》 罗贯中 文学            → by title (traditional, brackets, 著): held
  3 红楼梦 曹雪芹 9787020001118 文学   → other ISBN, by title; its copy withdrawn: missing
  4 昆虫记 法布尔 9787511002228 科学   → the set's ISBN, titles disagree: missing
  5 草房子 曹文轩 文学                  → another author: missing
  6 城南旧事 林海音 12345 (no category) → bad ISBN noted, by title: held, lent twice
  then an empty row, a row with no title, and 西游记/吴承恩 again (refused).
March: 文学 4 titles, 2 held, 1 lent, 1 loan, 3 copies; 科学 1, 0, 0; — 1, 1, 1, 2 loans.
In all 6 titles, 3 held (50.0%), 2 lent (33.3%), 3 loans; missing 3, 4, 5.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Loan
from shuxiang.core.models import AuditEvent
from shuxiang.reports import reading_lists, services
from shuxiang.reports.models import ReadingList, ReadingListMatch

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
CSV = (
    "书名,作者,ISBN,类别,学段\n"
    "西游记,吴承恩,9787020008735,文学,初中\n"
    "《三國演義》,罗贯中,,文学,初中\n"
    "红楼梦,曹雪芹,9787020001118,文学,高中\n"
    "昆虫记,法布尔,978-7-5110-0222-8,科学,初中\n"
    "草房子,曹文轩,,文学,小学\n"
    "城南旧事,林海音,12345,,小学\n"
    ",,,,\n"
    ",无名氏,,文学,\n"
    "西游记,吴承恩,,文学,初中\n"
)


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=ZONE)


@pytest.fixture
def catalog(library, make_bib, make_item, make_patron):
    def bib(title, isbn="", authors=None, copies=1):
        b = make_bib(title, isbn=isbn, authors=authors or [])
        return b, [make_item(bib=b) for _ in range(copies)]

    xiyou, xiyou_items = bib("西游记", "9787020008735", ["吴承恩"], copies=2)
    bib("三国演义", authors=[{"name": "罗贯中 著", "role": ""}])
    _hong, hong_items = bib("红楼梦", "9787532100002", ["曹雪芹"])
    Item.objects.filter(pk=hong_items[0].pk).update(status="withdrawn")
    bib("科学家的故事 套装", "9787511002228")
    bib("草房子", authors=["张三"])
    _chengnan, chengnan_items = bib("城南旧事")
    reader = make_patron(name="赵一")

    def loan(item, day):
        Loan.objects.create(
            library=library,
            item=item,
            patron=reader,
            channel="web",
            status="returned",
            checked_out_at=at(day),
            due_date=dt.date.fromisoformat(day) + dt.timedelta(days=14),
            returned_at=at(day) + dt.timedelta(days=3),
            patron_category="student",
        )

    loan(xiyou_items[0], "2026-03-05")
    loan(chengnan_items[0], "2026-03-02")
    loan(chengnan_items[0], "2026-03-20")
    loan(chengnan_items[0], "2026-02-10")
    return xiyou


def test_reading_the_list_keeps_refuses_and_notes_rows():
    found = reading_lists.read_list(CSV.encode("gb18030"), "list.csv")
    assert [r.title for r in found.rows] == [
        "西游记",
        "《三國演義》",
        "红楼梦",
        "昆虫记",
        "草房子",
        "城南旧事",
    ]
    assert found.rows[3].isbn == "9787511002228"
    assert found.rows[5].isbn == "" and found.rows[5].category == ""
    assert found.refused == [(9, "缺少书名"), (10, "与第 2 行重复（书名和作者相同）")]
    assert found.notes == [(7, "ISBN 12345 无效，改按书名匹配")]


def test_matching_by_isbn_with_agreeing_titles_else_by_title_and_author(library, catalog):
    rows = reading_lists.read_list(CSV.encode(), "list.csv").rows
    found = reading_lists.match(library, rows)
    how = {rows[i].title: sorted(h for _b, h in hits) for i, hits in found.items()}
    assert how == {
        "西游记": ["isbn"],
        "《三國演義》": ["title"],
        "红楼梦": ["title"],
        "城南旧事": ["title"],
    }
    assert found[0] == [(catalog.pk, "isbn")]


def test_coverage_by_category_and_the_missing_titles(library, catalog, actor):
    reading_list, _found = services.reading_list_import(
        actor=actor, name="阅读指导目录", content=CSV.encode(), filename="list.csv"
    )
    found = reading_lists.coverage(library, reading_list, at("2026-03-01"), at("2026-04-01"))
    rows = {c.category: (c.titles, c.held, c.lent, c.loans, c.copies) for c in found["categories"]}
    assert rows == {"文学": (4, 2, 1, 1, 3), "科学": (1, 0, 0, 0, 0), "—": (1, 1, 1, 2, 1)}
    t = found["total"]
    assert (t.titles, t.held, t.lent, t.loans, t.copies) == (6, 3, 2, 3, 4)
    assert [e["title"] for e in found["missing"]] == ["红楼梦", "昆虫记", "草房子"]
    assert AuditEvent.objects.filter(action="reading_list.import").count() == 1


def test_the_pages_chart_purchase_list_and_rematch(
    staff_client, library, catalog, make_bib, make_item
):
    upload = SimpleUploadedFile("目录.csv", CSV.encode("gb18030"), "text/csv")
    r = staff_client.post(
        "/staff/reports/reading-lists/", {"name": "阅读指导目录", "file": upload}, follow=True
    )
    page = r.content.decode()
    assert "已导入“阅读指导目录”：6 种。" in page
    assert "第 9 行：缺少书名" in page and "第 7 行：ISBN 12345 无效，改按书名匹配" in page
    reading_list = ReadingList.objects.get(library=library)
    page = staff_client.get(
        f"/staff/reports/reading-lists/{reading_list.pk}/", MARCH
    ).content.decode()
    assert "<svg" in page and "各类别馆藏覆盖率与借阅覆盖率" in page
    assert "共 6 种，本馆入藏 3 种，本期借出过 2 种。" in page
    assert "50.0%" in page and "33.3%" in page
    assert "未入藏的书目（3 种）" in page and "昆虫记" in page
    r = staff_client.get(f"/staff/reports/reading-lists/{reading_list.pk}.xlsx", MARCH)
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["采购建议", "按类别", "全部书目"]
    missing = [row[1] for row in wb["采购建议"].iter_rows(min_row=3, values_only=True)]
    assert missing == ["红楼梦", "昆虫记", "草房子"]
    assert ("合计", 6, 3, 50, 2, 33.33, 3) in list(wb["按类别"].iter_rows(values_only=True))
    # The library buys 草房子 by 曹文轩; matching again finds it.
    make_item(bib=make_bib("草房子", authors=["曹文轩"]))
    staff_client.post(f"/staff/reports/reading-lists/{reading_list.pk}/match/")
    page = staff_client.get(
        f"/staff/reports/reading-lists/{reading_list.pk}/", MARCH
    ).content.decode()
    assert "未入藏的书目（2 种）" in page
    assert AuditEvent.objects.filter(action="reading_list.match").count() == 1


def test_an_xlsx_with_a_title_above_the_header(staff_client, library, catalog):
    wb = Workbook()
    ws = wb.active
    ws.append(["2020 年中小学生阅读指导目录（初中段）"])
    ws.append(["序号", "题名", "作者", "类别"])
    ws.append([1, "西游记", "吴承恩", "文学"])
    ws.append([2, '=HYPERLINK("x")', "某人", "文学"])
    ws["B4"].data_type = "s"  # a title that looks like a formula, kept as text
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("list.xlsx", buffer.getvalue())
    staff_client.post("/staff/reports/reading-lists/", {"name": "初中段", "file": upload})
    reading_list = ReadingList.objects.get(library=library)
    assert [e.title for e in reading_list.entries.all()] == ["西游记", '=HYPERLINK("x")']
    r = staff_client.get(f"/staff/reports/reading-lists/{reading_list.pk}.xlsx")
    sheet = load_workbook(io.BytesIO(r.content))["采购建议"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_bad_files_and_names_change_nothing(staff_client, library, catalog, actor):
    for content, message in [
        ("作者,类别\n吴承恩,文学\n", "找不到表头"),
        ("书名\n\n", "文件中没有可导入的书目"),
        (b"PK\x03\x04broken", "无法读取 Excel 文件"),
    ]:
        raw = content.encode() if isinstance(content, str) else content
        upload = SimpleUploadedFile("x.csv" if isinstance(content, str) else "x.xlsx", raw)
        page = staff_client.post(
            "/staff/reports/reading-lists/", {"name": "目录", "file": upload}, follow=True
        ).content.decode()
        assert "书目未能导入" in page and message in page
    assert not ReadingList.objects.exists()
    services.reading_list_import(actor=actor, name="目录", content=CSV.encode())
    upload = SimpleUploadedFile("x.csv", "书名\n朝花夕拾\n".encode())
    page = staff_client.post(
        "/staff/reports/reading-lists/", {"name": "目录", "file": upload}, follow=True
    ).content.decode()
    assert "已有名为“目录”的推荐书目" in page
    assert ReadingList.objects.get().entries.count() == 6
    upload = SimpleUploadedFile("x.csv", "书名\n朝花夕拾\n".encode())
    staff_client.post(
        "/staff/reports/reading-lists/", {"name": "目录", "file": upload, "replace": "on"}
    )
    assert [e.title for e in ReadingList.objects.get().entries.all()] == ["朝花夕拾"]


def test_a_leader_reads_coverage_but_imports_nothing(client, make_user, library, catalog, actor):
    reading_list, _f = services.reading_list_import(actor=actor, name="目录", content=CSV.encode())
    client.force_login(make_user("leader"))
    page = client.get("/staff/reports/reading-lists/").content.decode()
    assert "目录" in page and 'type="file"' not in page
    assert client.get(f"/staff/reports/reading-lists/{reading_list.pk}/").status_code == 200
    upload = SimpleUploadedFile("x.csv", CSV.encode())
    assert (
        client.post("/staff/reports/reading-lists/", {"name": "新", "file": upload}).status_code
        == 403
    )
    assert client.post(f"/staff/reports/reading-lists/{reading_list.pk}/delete/").status_code == 403
    assert ReadingList.objects.count() == 1


def test_the_command_imports_and_says_what_it_refused(library, catalog, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(CSV.encode("gb18030"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="有 2 条被拒绝"):
        call_command("import-reading-list", str(path), name="阅读指导目录", stdout=out)
    text = out.getvalue()
    assert "已导入“阅读指导目录”：6 种，其中 4 种在馆藏目录中找到；拒绝 2 行。" in text
    assert "第 10 行：与第 2 行重复（书名和作者相同）" in text
    assert ReadingListMatch.objects.count() == 4
    with pytest.raises(CommandError, match="已有名为“阅读指导目录”的推荐书目"):
        call_command("import-reading-list", str(path), name="阅读指导目录", stdout=io.StringIO())
    path.write_bytes("书名\n朝花夕拾\n".encode())
    out = io.StringIO()
    call_command("import-reading-list", str(path), name="新书目", dry_run=True, stdout=out)
    assert "试导入，未保存：可导入 1 种" in out.getvalue()
    assert not ReadingList.objects.filter(name="新书目").exists()
