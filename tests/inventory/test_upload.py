"""`shuxiang stocktake-upload ID FILE`: a handheld scanner's file; uploaded twice, it
counts nothing twice."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from shuxiang.inventory import services
from shuxiang.inventory.models import StocktakeScan

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("stocktake-upload", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_a_reuploaded_handheld_file_counts_once(actor, shelf, tmp_path):
    st = services.stocktake_create(actor=actor, name="清点")
    path = tmp_path / "scanner.csv"
    path.write_text("条码,时间\n30000,09:01\n30001,09:02\n30000,09:03\nX-404,09:04\n", "utf-8-sig")
    first = run(st.pk, path, "--location", "stacks")
    assert "新增 2 册，重复 1 个，未知条码 1 个" in first
    assert "X-404" in first
    second = run(st.pk, path, "--location", "stacks")
    assert "新增 0 册，重复 4 个，未知条码 0 个" in second
    assert StocktakeScan.objects.filter(stocktake=st).count() == 3


def test_a_gbk_text_file(actor, shelf, tmp_path):
    st = services.stocktake_create(actor=actor, name="清点")
    path = tmp_path / "scanner.txt"
    path.write_bytes("条码\r\n30002\r\n30003\r\n".encode("gbk"))
    assert "新增 2 册" in run(st.pk, path)


def test_refusals_are_clear(actor, shelf, tmp_path):
    with pytest.raises(CommandError, match="没有编号为 999 的清点"):
        path = tmp_path / "a.txt"
        path.write_text("30000\n")
        run(999, path)
    with pytest.raises(CommandError, match="无法读取文件"):
        run(1, tmp_path / "none.txt")
