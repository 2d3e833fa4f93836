"""Spreadsheet book lists: flexible headers, a dry run listing every bad row, a real
import of the good rows in one transaction, xlsx and GBK csv, web page and CLI."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from shuxiang.catalog.booklist import booklist_import, parse
from shuxiang.catalog.models import Bib, CallNumber, Item


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


ROWS = [
    ["2026 年秋季新书书单"],  # a title line above the header
    ["序号", "ISBN", "书名", "作者", "出版社", "定价(元)", "中图分类号", "复本数"],
    [
        1,
        "978-7-5324-9046-2",
        "草房子",
        "曹文轩",
        "江苏凤凰少年儿童出版社",
        "CNY25.00",
        "I287.45",
        3,
    ],
    [2, "9787020002208", "坏校验位", "某某", "人民文学出版社", 10, "I247.5", 1],
    [3, "", "", "无书名", "", "", "", 1],
    [4, "", "城南旧事", "林海音", "中国青年出版社", "二十元", "I247.5", 1],
    [5, "", "昆虫记", "法布尔", "作家出版社", 32.5, "L12", 1],
    [6, "", "西游记", "吴承恩", "人民文学出版社", 48, "I242.4", "两"],
    [7, "7-02-000220-X", "朝花夕拾", "鲁迅", "人民文学出版社", 26, "I210.4", 2],
    [],
    [8, "", "十万个为什么", "", "少年儿童出版社", "￥19.8", "Z228.1", ""],
]


def test_dry_run_reports_every_bad_row_and_writes_nothing(actor, library):
    report = booklist_import(
        actor=actor, source=io.BytesIO(_xlsx(ROWS)), filename="list.xlsx", dry_run=True
    )
    assert report.dry_run
    assert report.rows == 8
    assert [(p.row, p.reason) for p in report.bad] == [
        (4, "ISBN 9787020002208 无效（校验位不符）"),
        (5, "缺少书名"),
        (6, "定价“二十元”不是金额"),
        (7, "分类号“L12”不是有效的中图法分类号"),
        (8, "册数“两”应为正整数"),
    ]
    assert [r.title for r in report.good] == ["草房子", "朝花夕拾", "十万个为什么"]
    assert report.titles_created == 3 and report.items_created == 6
    assert not Bib.objects.filter(library=library).exists()
    assert not Item.objects.filter(library=library).exists()


def test_real_import_creates_titles_copies_and_call_numbers(actor, library):
    report = booklist_import(
        actor=actor, source=io.BytesIO(_xlsx(ROWS)), filename="list.xlsx", location_code="stacks"
    )
    assert len(report.bad) == 5 and report.items_created == 6
    bib = Bib.objects.get(library=library, title="草房子")
    assert bib.isbn == "9787532490462" and bib.price == 2500 and bib.clc == "I287.45"
    assert bib.authors == [{"name": "曹文轩", "role": ""}]
    items = list(bib.items.order_by("accession_number"))
    assert [i.accession_number for i in items] == ["000001", "000002", "000003"]
    assert {i.call_number.value for i in items} == {"I287.45/1"}
    assert all(i.location.code == "stacks" and i.price == 2500 for i in items)
    assert Bib.objects.get(library=library, title="十万个为什么").price == 1980
    assert CallNumber.objects.filter(library=library).count() == 3
    # The same list again adds copies to the titles already there.
    again = booklist_import(actor=actor, source=io.BytesIO(_xlsx(ROWS)), filename="list.xlsx")
    assert again.titles_existing == 2 and again.titles_created == 1  # 十万个为什么 has no ISBN
    assert Bib.objects.get(library=library, title="草房子").items.count() == 6


def test_csv_in_gbk_with_other_header_names(actor, library):
    text = "题名,责任者,出版者,标准书号,单价,分类号,数量\n草房子,曹文轩,江苏少儿,9787532490462,25,I287.45,2\n"
    report = parse(io.BytesIO(text.encode("gbk")), "list.csv")
    assert report.bad == [] and report.good[0].copies == 2 and report.good[0].price == 2500


def test_a_file_without_a_header_is_refused(actor):
    from shuxiang.core.errors import Invalid

    with pytest.raises(Invalid) as exc:
        parse(io.BytesIO(_xlsx([["a", "b"], [1, 2]])), "x.xlsx")
    assert exc.value.code == "no_header"


def test_cli_dry_run_and_import(actor, library, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(_xlsx(ROWS))
    out = io.StringIO()
    # Rows were refused: the command lists them, says so last and exits non-zero.
    with pytest.raises(CommandError, match="试运行：有 5 条会被拒绝"):
        call_command("import-booklist", str(path), "--dry-run", stdout=out)
    assert "试导入" in out.getvalue() and "第 4 行：ISBN 9787020002208 无效" in out.getvalue()
    assert not Bib.objects.exists()
    out = io.StringIO()
    with pytest.raises(CommandError, match="有 5 条被拒绝、未导入"):
        call_command("import-booklist", str(path), "--location", "stacks", stdout=out)
    assert "新建单册 6 册" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import-booklist", str(tmp_path / "missing.xlsx"))


def test_upload_page_shows_the_report(client, librarian, library):
    client.force_login(librarian)
    upload = io.BytesIO(_xlsx(ROWS))
    upload.name = "list.xlsx"
    response = client.post("/staff/cataloging/booklist/", {"file": upload, "dry_run": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "试导入报告" in html and "缺少书名" in html and "可导入 3 行" in html
