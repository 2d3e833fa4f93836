"""`shuxiang reclassify FILE`: a barcode list with a class per row or --to for all,
--dry-run that writes nothing, refusals that change nothing, and --labels."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core.models import AuditEvent
from tests.pdfs import pdf_text


@pytest.fixture
def shelf(make_bib, make_item):
    a = make_bib("C语言程序设计", clc="TP312")
    b = make_bib("计算机基础", clc="TP3")
    make_item(barcode="70000001", bib=a, call_number="TP312/4")
    make_item(barcode="70000002", bib=a)
    make_item(barcode="70000003", bib=b, call_number="TP3/2")
    return a, b


def _run(*args):
    out = StringIO()
    call_command("reclassify", *args, stdout=out)
    return out.getvalue()


def _state():
    return (
        list(Bib.objects.order_by("pk").values_list("clc", flat=True)),
        list(CallNumber.objects.order_by("pk").values_list("value", flat=True)),
        AuditEvent.objects.count(),
    )


def test_dry_run_prints_the_plan_and_writes_nothing(library, shelf, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("条码号\n70000001\n70000003\n", encoding="utf-8")
    before = _state()
    out = _run(str(path), "--to", "TP311", "--dry-run")
    assert "计算机基础\tTP3 → TP311\tTP3/2 → TP311/1" in out
    assert "C语言程序设计\tTP312 → TP311\tTP312/4 → TP311/2" in out
    assert "试运行，未写入任何数据：改动 2 种书目，3 册单册换新书标" in out
    assert _state() == before


@pytest.mark.needs_cjk_font
def test_classes_per_row_and_labels(library, shelf, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("barcode,new_class\n70000002,TP311.1\n70000003,TP39\n", encoding="gbk")
    pdf = tmp_path / "spine.pdf"
    out = _run(str(path), "--labels", str(pdf))
    assert "完成：改动 2 种书目，3 册单册换新书标" in out
    assert Item.objects.get(barcode="70000001").call_number.value == "TP311.1/1"
    assert Item.objects.get(barcode="70000003").call_number.value == "TP39/1"
    assert AuditEvent.objects.filter(action="bibs.reclassify", channel="cli").count() == 1
    text = pdf_text(pdf.read_bytes(), tmp_path, "spine")
    assert "TP311.1" in text and "TP39" in text and "TP312" not in text


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("条码号\n70000001\n99999999\n", ["--to", "TP311"], "有 1 行不能使用"),
        ("条码号\n70000001\n", [], "有 1 行不能使用"),
        ("条码号\n70000001\n", ["--to", "W1"], "分类号 W1 无效"),
        ("条码号\n", ["--to", "TP311"], "文件中没有条码号"),
    ],
)
def test_refusals_change_nothing(library, shelf, tmp_path, content, args, message):
    path = tmp_path / "list.csv"
    path.write_text(content, encoding="utf-8")
    before = _state()
    with pytest.raises(CommandError, match=message):
        _run(str(path), *args)
    assert _state() == before


def test_missing_file(library):
    with pytest.raises(CommandError, match="文件不存在"):
        _run("/nonexistent/list.xlsx", "--to", "TP3")


def test_the_command_is_listed(capsys):
    from shuxiang import cli

    cli.main(["shuxiang"])
    assert "reclassify" in capsys.readouterr().out
