"""Recall lists (下架清单): a bureau's list imported from xlsx or CSV (its page, its
command), matched to the catalog by ISBN or by title and author, its copies shown as
weeding candidates and proposed for withdrawal."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from shuxiang.catalog.models import Item
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.core.models import AuditEvent
from shuxiang.core.spreadsheet import SpreadsheetError
from shuxiang.inventory import candidates, recall, services
from shuxiang.inventory.models import RecallEntry, RecallList, RecallMatch

# --- the rules (pure) ------------------------------------------------------------------

TABLE = [
    ["某区教育局关于清理中小学图书馆（室）图书的通知 附件1", "", "", "", ""],
    ["序号", "书名", "作者", "ISBN", "下架原因"],
    ["1", "坏书一号", "张三 著", "7-02-000220-X", "内容不适宜"],
    ["2", "《哈利·波特与魔法石》", "J.K.罗琳", "", "盗版"],
    ["3", "", "", "", ""],
    ["4", "", "", "123", "缺少书名"],
    ["5", "童年", "", "978-7-5448-0000-0", "版本问题"],
]


def test_parse_finds_the_header_and_lists_bad_rows():
    parsed = recall.parse(TABLE)
    assert [e.row for e in parsed.entries] == [3, 4, 7]
    first = parsed.entries[0]
    assert (first.isbn, first.isbn_text, first.author, first.reason) == (
        "9787020002207",
        "7-02-000220-X",
        "张三 著",
        "内容不适宜",
    )
    assert [(p.row, p.reason) for p in parsed.problems] == [
        (6, "ISBN 123 无效（校验位不符），且没有书名")
    ]
    assert parsed.entries[2].isbn == "" and "只按书名和著者匹配" in parsed.entries[2].warning


def test_parse_refuses_a_table_without_a_header():
    with pytest.raises(SpreadsheetError) as refused:
        recall.parse([["a", "b"], ["c", "d"]])
    assert refused.value.code == "no_header"


def entry(title="", author="", isbn=""):
    return recall.Entry(row=1, title=title, author=author, isbn=isbn)


@pytest.mark.parametrize(
    ("wanted", "bib", "expected"),
    [
        # ISBN, hyphens and ISBN-10 normalized before: the same number
        (
            entry("坏书一号", isbn="9787020002207"),
            recall.BibFacts(1, "坏书一号", (), ("9787020002207",)),
            ("isbn", ""),
        ),
        # a set's ISBN shared by another volume: kept, marked for checking
        (
            entry("坏书一号", isbn="9787020002207"),
            recall.BibFacts(1, "另一本书", (), ("9787020002207",)),
            ("isbn", "titles_differ"),
        ),
        # folded title (punctuation, full width, traditional) and author with role word
        (
            entry("《哈利·波特与魔法石》", "J.K.罗琳"),
            recall.BibFacts(1, "哈利波特与魔法石", ("J.K. 罗琳 著",)),
            ("title", ""),
        ),
        (entry("三國演義", "羅貫中"), recall.BibFacts(1, "三国演义", ("罗贯中",)), ("title", "")),
        # one of several authors is enough
        (entry("绘本", "王五；赵六 绘"), recall.BibFacts(1, "绘本", ("赵六",)), ("title", "")),
        # another author's book of the same title is not it
        (entry("童年", "高尔基"), recall.BibFacts(1, "童年", ("某某",)), None),
        # no author on the list: matched by the title alone, marked for checking
        (entry("童年"), recall.BibFacts(1, "童年", ("高尔基",)), ("title", "title_only")),
        (entry("童年", "高尔基"), recall.BibFacts(1, "童年的秘密", ("高尔基",)), None),
    ],
)
def test_match(wanted, bib, expected):
    found = recall.match([wanted], [bib])
    assert ((found[0].by, found[0].doubt) if found else None) == expected


# --- importing ---------------------------------------------------------------------------


@pytest.fixture
def catalog(make_bib, make_item):
    bad = make_bib("坏书一号", isbn="978-7-02-000220-7", authors=["张三"])
    potter = make_bib("哈利·波特与魔法石", authors=["J.K.罗琳"])
    fine = make_bib("城南旧事", authors=["林海音"])
    make_item(barcode="91000001", bib=bad)
    make_item(barcode="91000002", bib=bad)
    make_item(barcode="91000003", bib=potter)
    make_item(barcode="91000004", bib=fine)
    Item.objects.filter(barcode="91000002").update(status="on_loan")
    return bad, potter, fine


def xlsx_bytes(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CSV = (
    "书名,作者,ISBN,出版社,原因\n"
    "坏书一号,张三,7-02-000220-X,某出版社,内容不适宜\n"
    "哈利波特与魔法石,J.K.罗琳,,,盗版\n"
    ",,,,只有原因\n"
)


def test_import_matches_and_lists_candidates(actor, catalog):
    report = services.recall_list_import(
        actor=actor, content=CSV.encode("gb18030"), filename="list.csv", name="区教育局第3批"
    )
    assert (report.entries, report.titles, report.copies) == (2, 2, 3)
    assert [(p.row, p.reason) for p in report.problems] == [(4, "缺少书名和 ISBN")]
    recall_list = RecallList.objects.get(name="区教育局第3批")
    assert RecallEntry.objects.filter(recall_list=recall_list).count() == 2
    assert set(RecallMatch.objects.values_list("by", flat=True)) == {"isbn", "title"}
    event = AuditEvent.objects.get(action="recall_list.import")
    assert event.after == {"name": "区教育局第3批", "entries": 2, "rejected": 1, "titles": 2}
    items = candidates.recalled(actor.library)
    assert [i.barcode for i in items] == ["91000001", "91000002", "91000003"]
    assert {i.recall_list for i in items} == {"区教育局第3批"}
    assert {i.barcode: i.recall_reason for i in items}["91000003"] == "盗版"
    # A withdrawal batch from them, as for any other candidates (the one on loan aside).
    batch = services.withdrawal_propose(
        actor=actor, barcodes=["91000001", "91000003"], reason="other"
    )
    assert batch.lines.count() == 2


def test_dry_run_and_refusals_write_nothing(actor, catalog):
    report = services.recall_list_import(
        actor=actor, content=xlsx_bytes(TABLE), filename="a.xlsx", name="试一下", dry_run=True
    )
    assert report.dry_run and report.entries == 3 and report.titles == 2
    assert (
        not RecallList.objects.exists()
        and not AuditEvent.objects.filter(action="recall_list.import").exists()
    )
    with pytest.raises(Invalid) as no_name:
        services.recall_list_import(actor=actor, content=CSV.encode(), name=" ")
    assert no_name.value.code == "name_required"
    with pytest.raises(Invalid) as empty:
        services.recall_list_import(
            actor=actor, content=b"\xe4\xb9\xa6\xe5\x90\x8d,ISBN\n,\n", name="空"
        )
    assert empty.value.code in ("no_rows", "no_header")
    services.recall_list_import(actor=actor, content=CSV.encode(), name="同名")
    with pytest.raises(Conflict) as twice:
        services.recall_list_import(actor=actor, content=CSV.encode(), name="同名")
    assert twice.value.code == "recall_list_exists"
    assert RecallList.objects.count() == 1


def test_too_many_rows_are_refused_before_anything_is_written(actor):
    content = ("书名,ISBN\n" + "某书,\n" * 20_001).encode()
    with pytest.raises(SpreadsheetError) as refused:
        services.recall_list_import(actor=actor, content=content, name="太长")
    assert refused.value.code == "too_many_rows"
    assert not RecallList.objects.exists()


# --- the page and the command --------------------------------------------------------------


def test_candidates_page_imports_and_shows_the_list(staff_client, catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("list.xlsx", xlsx_bytes(TABLE))
    r = staff_client.post(
        "/staff/inventory/withdrawals/candidates/",
        {"action": "import_recall", "name": "区教育局第3批", "file": upload},
        follow=True,
    )
    html = r.content.decode()
    assert "下架清单“区教育局第3批”已导入 3 条，本馆有其中 2 种、3 册。" in html
    assert "第 6 行：ISBN 123 无效（校验位不符），且没有书名" in html
    assert "91000001" in html and "91000003" in html and "91000004" not in html
    assert "内容不适宜" in html and "盗版" in html
    # The one on loan is listed but left out of the batch's link.
    assert "其中 1 册借出或在预约架、在途，须先收回。" in html
    assert "barcodes=91000001%2091000003&amp;reason=other" in html
    bad = staff_client.post(
        "/staff/inventory/withdrawals/candidates/",
        {
            "action": "import_recall",
            "name": "坏文件",
            "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not a zip"),
        },
        follow=True,
    )
    assert "无法读取 Excel 文件" in bad.content.decode()
    assert RecallList.objects.count() == 1


def test_the_command(actor, catalog, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    out = StringIO()
    call_command("import-recall-list", str(path), "--name", "命令导入", "--dry-run", stdout=out)
    assert "（试运行，未写入）" in out.getvalue() and not RecallList.objects.exists()
    out = StringIO()
    call_command("import-recall-list", str(path), "--name", "命令导入", stdout=out)
    text = out.getvalue()
    assert "第 4 行：缺少书名和 ISBN" in text
    assert "下架清单“命令导入”：2 条，本馆有其中 2 种、3 册。" in text
    assert AuditEvent.objects.get(action="recall_list.import").channel == "cli"
    with pytest.raises(CommandError, match="已有名为“命令导入”的下架清单"):
        call_command("import-recall-list", str(path), "--name", "命令导入", stdout=StringIO())
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import-recall-list", str(tmp_path / "nope.csv"), "--name", "x")
