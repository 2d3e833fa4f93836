"""Taking over the open loans of the previous system, with a dry run and bad rows."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from shuxiang.circulation.models import Loan
from shuxiang.circulation.previous_system import read_previous_loans
from shuxiang.core import clock
from shuxiang.core.errors import Invalid

D = dt.date.fromisoformat
TODAY = D("2026-11-02")


@pytest.fixture
def old_loans(student, make_item, tmp_path):
    make_item(barcode="70000001")
    make_item(barcode="70000002")
    make_item(barcode="70000004")
    repair = make_item(barcode="70000003")
    repair.__class__.objects.filter(pk=repair.pk).update(status="in_repair")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["借书证号", "条码号", "借出日期", "应还日期", "备注"])
    sheet.append(["R200001", "70000001", dt.datetime(2026, 10, 20), dt.datetime(2026, 11, 3), ""])
    sheet.append(["R200001", "70000002", "2026/10/21", "2026/11/4", ""])
    sheet.append(["R999999", "70000002", "2026-10-21", "2026-11-04", "no such card"])
    sheet.append(["R200001", "79999999", "2026-10-21", "2026-11-04", "no such item"])
    sheet.append(["R200001", "70000003", "2026-10-21", "2026-11-04", "in repair"])
    sheet.append(["R200001", "70000001", "2026-10-21", "2026-11-04", "twice"])
    sheet.append(["R200001", "70000004", "不详", "2026-11-04", "bad date"])
    sheet.append([None, None, None, None, None])
    path = tmp_path / "old.xlsx"
    book.save(path)
    return path


def test_dry_run_then_import_lists_bad_rows(old_loans, capsys):
    with clock.frozen_at(TODAY), pytest.raises(CommandError, match="试运行：有 5 条会被拒绝"):
        call_command("import-loans", str(old_loans), "--dry-run")
    out = capsys.readouterr().out
    assert "共 7 行，可导入 2 条借阅，未匹配 5 行" in out
    assert "第 4 行\tR999999" in out and "没有这个借书证号" in out
    assert "第 5 行" in out and "没有这个条码号" in out
    assert "第 6 行" in out and "修补中" in out
    assert "第 7 行" in out and "重复" in out
    assert "第 8 行" in out and "日期无法识别" in out
    assert not Loan.objects.exists()
    # Rows were refused: the command says so last and exits non-zero, the good rows in.
    with clock.frozen_at(TODAY), pytest.raises(CommandError, match="有 5 条被拒绝、未导入"):
        call_command("import-loans", str(old_loans))
    assert "已导入 2 条借阅" in capsys.readouterr().out
    loans = Loan.objects.order_by("item__barcode")
    assert [(loan.item.barcode, loan.due_date) for loan in loans] == [
        ("70000001", D("2026-11-03")),
        ("70000002", D("2026-11-04")),
    ]
    assert loans[0].item.status == "on_loan" and loans[0].class_name_at_loan == "七年级3班"


def test_csv_in_gbk_and_missing_headers():
    content = "借书证号,条码号,借出日期,应还日期\nR1,B1,2026-10-01,2026-10-15\n".encode("gbk")
    (row,) = read_previous_loans(content, "old.csv")
    assert (row.line, row.card, row.barcode, row.due) == (2, "R1", "B1", "2026-10-15")
    with pytest.raises(Invalid) as exc:
        read_previous_loans(b"a,b\n1,2\n", "x.csv")
    assert exc.value.code == "missing_headers"


def test_dates_as_the_roster_import_reads_them(student, make_item, tmp_path):
    """A real date cell, the Excel serial 46082 as a number and "2026年3月1日" as text are
    all 2026-03-01, as in the roster import; a title row above the header is skipped."""
    from shuxiang.circulation.services import legacy_loans_import
    from shuxiang.core.audit import Actor
    from shuxiang.core.models import AuditEvent

    for n in range(3):
        make_item(barcode=f"7100000{n}")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["旧系统在借清单（导出）"])
    sheet.append(["借书证号*", "条码号", "借出日期", "应还日期"])
    sheet.append(["R200001", "71000000", dt.date(2026, 3, 1), dt.date(2026, 3, 15)])
    sheet.append(["R200001", "71000001", 46082, 46096])
    sheet.append(["R200001", "71000002", "2026年3月1日", "2026年3月15日"])
    path = tmp_path / "old.xlsx"
    book.save(path)
    rows = read_previous_loans(path.read_bytes(), path.name)
    assert [row.line for row in rows] == [3, 4, 5]
    actor = Actor.system(student.library, AuditEvent.Channel.CLI)
    with clock.frozen_at(D("2026-03-02")):
        report = legacy_loans_import(actor=actor, rows=rows, dry_run=False)
    assert report.rejected == [] and report.imported == 3
    loans = Loan.objects.order_by("item__barcode")
    assert [timezone.localdate(loan.checked_out_at) for loan in loans] == [D("2026-03-01")] * 3
    assert [loan.due_date for loan in loans] == [D("2026-03-15")] * 3
