"""The MARC import report counts warnings by kind and offers every rejected record and
every warning as a CSV download, instead of listing thousands of rows on the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import ManagementUtility

from shuxiang.catalog.marc import importer
from shuxiang.catalog.services import marc_import
from tests.catalog.marc_builders import CN_LEADER, cnmarc_fields, iso_record


def vendor_file(good: int, broken: int = 0) -> bytes:
    """`good` records, each with an invalid ISBN ("X<n>"); every third without a CLC
    number and a call number; then `broken` records that cannot be read."""
    records = []
    for n in range(1, good + 1):
        fields = cnmarc_fields(n, isbn=f"X{n}")
        holding = [("a", "SX"), ("b", f"B{n:06d}")]
        if n % 3 == 0:
            fields = [f for f in fields if f[0] != "690"]
        fields.append(("905", "  ", holding))
        records.append(iso_record(CN_LEADER, fields, "utf-8"))
    records += [b"garbage-that-is-no-record\x1d"] * broken
    return b"".join(records)


def upload(client, data: bytes, **extra):
    file = io.BytesIO(data)
    file.name = "vendor.iso"
    return client.post(
        "/staff/catalog/marc/import/",
        {"file": file, "format": "auto", "on_duplicate": "skip", **extra},
    )


def download_rows(client, html: str) -> list[list[str]]:
    token = html.split("?report=", 1)[1].split('"', 1)[0]
    response = client.get(f"/staff/catalog/marc/import/?report={token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so a spreadsheet reads the Chinese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_report_counts_warnings_by_kind(actor, library):
    report = marc_import(actor=actor, source=io.BytesIO(vendor_file(30)))
    assert report.kinds == {"invalid_isbn": 30, "no_clc": 10}
    assert report.by_kind() == [
        ("invalid_isbn", "ISBN 无效（或为统一书号），按原样保留", 30),
        ("no_clc", "没有中图分类号，单册未分配索书号", 10),
    ]
    assert {w.kind for w in report.warnings} == {"invalid_isbn", "no_clc"}


def test_the_page_summarizes_warnings_and_offers_every_one_as_a_download(
    client, librarian, library, make_user, monkeypatch, settings, tmp_path
):
    settings.VAR_DIR = tmp_path  # where the page keeps the report
    monkeypatch.setattr(importer, "MAX_MESSAGES", 50)  # the download has them all anyway
    client.force_login(librarian)
    response = upload(client, vendor_file(300, broken=150), dry_run="1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "ISBN 无效（或为统一书号），按原样保留" in html and "300 条" in html
    assert "没有中图分类号，单册未分配索书号" in html and "100 条" in html
    assert "ISBN“X7”无效" not in html  # no row per warning
    # The first 100 rejected records, and a word on the rest.
    assert html.count("字节）</td>") == 100
    assert "第 400 条" in html and "第 401 条" not in html
    assert "共 150 条拒收的记录" in html

    rows = download_rows(client, html)
    assert rows[0] == ["类型", "记录号", "字节位置", "类别", "说明"]
    rejected = [r for r in rows[1:] if r[0] == "拒收"]
    warnings = [r for r in rows[1:] if r[0] == "提示"]
    assert [int(r[1]) for r in rejected] == list(range(301, 451))
    assert all(int(r[2]) > 0 for r in rejected)
    assert len(warnings) == 400
    assert ["提示", "7", warnings[6][2], "ISBN 无效（或为统一书号），按原样保留"] == warnings[6][:4]
    assert warnings[6][4] == "ISBN“X7”无效（或为统一书号），按原样保留"

    # Only the login that ran the import gets its report.
    other = make_user("librarian", username="librarian2")
    client.force_login(other)
    token = html.split("?report=", 1)[1].split('"', 1)[0]
    assert client.get(f"/staff/catalog/marc/import/?report={token}").status_code == 404
    assert client.get("/staff/catalog/marc/import/?report=../../secret").status_code == 404


def test_a_clean_import_offers_no_download(client, librarian, library, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(librarian)
    fields = cnmarc_fields(1, barcode="12345678")
    html = upload(client, iso_record(CN_LEADER, fields, "utf-8")).content.decode()
    assert "新增 1" in html and "?report=" not in html


@pytest.fixture
def keep_test_connection(monkeypatch):
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)


def test_the_command_prints_warnings_by_kind(library, tmp_path, capsys, keep_test_connection):
    path = tmp_path / "vendor.iso"
    path.write_bytes(vendor_file(30))
    try:
        ManagementUtility(["shuxiang", "import-marc", str(path), "--verbosity", "0"]).execute()
    except SystemExit as exc:
        assert not exc.code
    out = capsys.readouterr().out
    assert "提示按类别（共 40 条）：" in out
    assert "  ISBN 无效（或为统一书号），按原样保留：30 条" in out
    assert "  没有中图分类号，单册未分配索书号：10 条" in out
