"""What happens to a school's roster file: it never rests on the server with the columns
the preview said were ignored, what is kept for the confirmation goes on confirm, on
cancel and after an hour, and a file built to exhaust the server is refused in Chinese
by the page and the command alike, quickly and in little memory."""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from shuxiang.patrons import uploads
from shuxiang.patrons.models import Patron
from tests.browser import BIN, shuxiang, site_env
from tests.hostile_files import HOSTILE_IDS, HOSTILE_XLSX, measure_read
from tests.patrons.roster_files import xlsx

ID_NUMBER = "110101201301014321"
PHONE = "13912345678"


def roster_with_private_columns() -> bytes:
    return xlsx(
        [
            ["20260701", "张小明", "男", "", "七年级3班", "学生", "", "", ID_NUMBER, PHONE],
            ["20260702", "李华", "女", "", "七年级3班", "学生", "", "", "", ""],
        ],
        [
            "学号",
            "姓名",
            "性别",
            "年级",
            "班级",
            "类型",
            "借书证号",
            "有效期",
            "身份证号",
            "家长电话",
        ],
        before=[["2026级新生名单"]],
    )


def everything_on_disk() -> bytes:
    return b"".join(
        p.read_bytes()
        for p in Path(settings.VAR_DIR).rglob("*")
        if p.is_file() and p.stat().st_size < 10**7
    )


def upload(client, content: bytes, name: str = "新生.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/staff/patrons/import/", {"file": file})


@pytest.fixture
def librarian_client(client, librarian, school_class):
    client.force_login(librarian)
    return client


def test_the_preview_keeps_only_the_columns_the_import_uses(librarian_client):
    preview = upload(librarian_client, roster_with_private_columns())
    html = preview.content.decode()
    assert "身份证号" in html and "未保存" in html  # the preview says so ...
    kept = uploads.load(preview.context["token"])
    assert kept is not None and kept[1] == "新生.xlsx"
    table = kept[0].decode()
    assert "张小明" in table and "七年级3班" in table
    # ... and it is true: no ID number or phone anywhere under the server's folder.
    assert ID_NUMBER.encode() not in everything_on_disk()
    assert PHONE.encode() not in everything_on_disk()
    # The confirmation imports the same rows, keeping each row's number in the file.
    done = librarian_client.post(
        "/staff/patrons/import/", {"token": preview.context["token"], "confirm": "1"}
    )
    assert "已导入：新生.xlsx" in done.content.decode()
    assert [r.row for r in done.context["report"].rows] == [
        r.row for r in preview.context["report"].rows
    ]
    assert Patron.objects.filter(name__in=["张小明", "李华"]).count() == 2
    assert uploads.load(preview.context["token"]) is None  # gone on confirm


def test_cancelling_deletes_what_was_kept(librarian_client):
    token = upload(librarian_client, roster_with_private_columns()).context["token"]
    assert uploads.load(token) is not None
    response = librarian_client.post("/staff/patrons/import/", {"token": token, "cancel": "1"})
    assert response.status_code == 302
    assert uploads.load(token) is None
    again = librarian_client.post("/staff/patrons/import/", {"token": token, "confirm": "1"})
    assert "预览已过期或已取消" in again.content.decode()
    assert not Patron.objects.filter(name="张小明").exists()


def test_what_was_kept_goes_after_an_hour(librarian_client):
    token = upload(librarian_client, roster_with_private_columns()).context["token"]
    old = time.time() - uploads.KEEP_SECONDS - 60
    for path in uploads.folder().glob(f"{token}.*"):
        os.utime(path, (old, old))
    fresh = upload(librarian_client, roster_with_private_columns()).context["token"]  # sweeps
    assert uploads.load(token) is None and uploads.load(fresh) is not None
    from shuxiang.core import housekeeping

    assert "forget-roster-uploads" in housekeeping.jobs()


READ_ROSTER = (
    "from shuxiang.patrons import grades, roster\n"
    "def run(content):\n"
    "    return roster.read(content, 'upload.xlsx', system=grades.system(None))"
)


@pytest.mark.parametrize("build, code", HOSTILE_XLSX, ids=HOSTILE_IDS)
def test_a_hostile_roster_is_refused_quickly_in_little_memory(build, code, tmp_path):
    outcome = measure_read(READ_ROSTER, build(), tmp_path)
    assert "message" in outcome, outcome
    assert re.search(r"[\u4e00-\u9fff]", outcome["message"]), outcome
    assert outcome["seconds"] < 2, outcome
    assert outcome["max_rss_mb"] < 200, outcome


@pytest.mark.parametrize("build, code", HOSTILE_XLSX, ids=HOSTILE_IDS)
def test_the_page_refuses_a_hostile_roster_with_a_message(librarian_client, build, code):
    response = upload(librarian_client, build(), name="花名册.xlsx")
    html = response.content.decode()
    assert response.status_code == 200 and "无法导入 花名册.xlsx" in html
    assert not Patron.objects.exists()


def test_the_command_refuses_a_hostile_roster_and_exits_non_zero(tmp_path):
    var = tmp_path / "var"
    shuxiang(var, "setup", "--name", "实验中学图书馆")
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(HOSTILE_XLSX[0][0]())  # one cell at XFD1048576
    result = subprocess.run(
        [str(BIN), "import-patrons", str(path), "--dry-run"],
        capture_output=True,
        text=True,
        timeout=120,
        env=site_env(var),
    )
    assert result.returncode != 0
    assert "超过" in result.stderr and "行" in result.stderr, result.stderr
