"""`shuxiang import-marc` / `export-marc` exit codes and output, and the staff pages."""

from __future__ import annotations

import io

import pytest
from django.core.management import ManagementUtility
from pymarc import MARCReader

from shuxiang.catalog.models import Bib, Item
from tests.catalog.marc_builders import CN_LEADER, cnmarc_fields, iso_record


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    # A command closes every connection when it ends; the test's transaction must survive.
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)


def shuxiang(*argv: str) -> int:
    """Run a command as the `shuxiang` CLI does (argument parsing, sys.exit); its exit code."""
    try:
        ManagementUtility(["shuxiang", *argv]).execute()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def marc_file(tmp_path):
    path = tmp_path / "vendor.iso"
    good = [
        iso_record(CN_LEADER, cnmarc_fields(i, isbn=f"X{i}", barcode=f"9{i:04d}"), "gbk")
        for i in range(3)
    ]
    path.write_bytes(good[0] + b"99999" + good[1][5:] + good[2])
    return path


def test_import_cli_reports_and_exits_non_zero_for_a_rejected_record(library, marc_file, capsys):
    assert shuxiang("import-marc", str(marc_file), "--verbosity", "0") == 1
    captured = capsys.readouterr()
    out = captured.out
    assert "读入 3 条记录，新增 2" in out and "拒收 1" in out
    assert "拒收 第 2 条（第" in out
    assert "有 1 条被拒绝、未导入" in captured.err.strip().splitlines()[-1]
    assert Bib.objects.count() == 2 and Item.objects.count() == 2


def test_import_cli_dry_run_writes_nothing(library, marc_file, capsys):
    assert shuxiang("import-marc", str(marc_file), "--dry-run", "--verbosity", "0") == 1
    captured = capsys.readouterr()
    assert "试导入，未写入任何数据" in captured.out
    assert "试运行：有 1 条会被拒绝" in captured.err
    assert not Bib.objects.exists()


def test_import_cli_refuses_a_file_that_is_not_marc(library, tmp_path, capsys):
    path = tmp_path / "books.csv"
    path.write_text("书名,作者\n朝花夕拾,鲁迅\n", encoding="utf-8")
    assert shuxiang("import-marc", str(path)) == 1
    assert "不是 MARC 文件" in capsys.readouterr().err
    assert shuxiang("import-marc", str(tmp_path / "missing.mrc")) == 1
    assert shuxiang("import-marc", str(path), "--on-duplicate", "ignore") == 2  # usage error


def test_import_cli_forced_format_and_encoding(library, tmp_path, capsys):
    path = tmp_path / "gbk.iso"
    path.write_bytes(iso_record(CN_LEADER, cnmarc_fields(1), "gbk"))
    assert (
        shuxiang(
            "import-marc", str(path), "--format", "cnmarc", "--encoding", "gbk", "--verbosity", "0"
        )
        == 0
    )
    assert Bib.objects.get().title == "朝花夕拾1 : 散文集"
    assert (
        shuxiang("import-marc", str(path), "--encoding", "utf-8", "--verbosity", "0") == 1
    )  # every record fails
    assert "无法按 utf-8 解码" in capsys.readouterr().out


def test_export_cli(library, marc_file, tmp_path, capsys):
    shuxiang("import-marc", str(marc_file), "--verbosity", "0")
    out = tmp_path / "out.mrc"
    assert shuxiang("export-marc", str(out), "--verbosity", "0") == 0
    records = list(MARCReader(io.BytesIO(out.read_bytes()), to_unicode=True, force_utf8=True))
    assert [r["200"]["a"] for r in records] == ["朝花夕拾0", "朝花夕拾2"]
    assert shuxiang("export-marc", str(out), "--since", "yesterday") == 1


def test_upload_page_shows_the_report(client, librarian, library):
    client.force_login(librarian)
    page = client.get("/staff/catalog/marc/import/")
    assert page.status_code == 200 and "MARC 导入" in page.content.decode()
    good = iso_record(CN_LEADER, cnmarc_fields(1, barcode="12345678"), "gbk")
    upload = io.BytesIO(good + b"garbage-that-is-no-record\x1d")
    upload.name = "vendor.iso"
    response = client.post(
        "/staff/catalog/marc/import/", {"file": upload, "format": "auto", "on_duplicate": "skip"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "新增 1" in html and "拒收 1" in html and "第 2 条" in html
    assert Bib.objects.count() == 1


def test_upload_page_refuses_non_marc(client, librarian, library):
    client.force_login(librarian)
    upload = io.BytesIO(b"hello world, not a catalog")
    upload.name = "notes.txt"
    response = client.post("/staff/catalog/marc/import/", {"file": upload})
    assert response.status_code == 422 and "不是 MARC 文件" in response.content.decode()


def test_export_page_streams_marc(client, librarian, library, make_bib):
    make_bib("小王子", clc="I565")
    client.force_login(librarian)
    assert client.get("/staff/catalog/marc/export/").status_code == 200
    response = client.get("/staff/catalog/marc/export/?download=1&format=cnmarc&xml=1")
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "<collection" in body and "小王子" in body and 'tag="200"' in body


def test_pages_need_the_catalog_capability(client, make_user, library):
    client.force_login(make_user("assistant"))
    assert client.get("/staff/catalog/marc/import/").status_code == 403
