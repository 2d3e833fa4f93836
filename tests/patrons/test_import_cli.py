"""`shuxiang import-patrons`: the same import from the command line."""

import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuxiang.patrons.models import Patron, SchoolClass
from tests.patrons.roster_files import xlsx

ROWS = [
    ["1", "甲", "男", "", "初一(3)班", "学生", "", ""],
    ["2", "乙", "女", "", "八年级1班", "学生", "", ""],
    ["3", "丙", "?", "", "七年级3班", "学生", "", ""],
]


def cli(*args):
    out = io.StringIO()
    call_command("import-patrons", *args, stdout=out)
    return out.getvalue()


def cli_rejecting(*args, rejected: int, dry_run: bool = False):
    """The command's report when it refused rows: it exits non-zero, saying so last."""
    out = io.StringIO()
    said = "试运行：有 %d 条会被拒绝" if dry_run else "有 %d 条被拒绝、未导入"
    with pytest.raises(CommandError, match=said % rejected):
        call_command("import-patrons", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def roster_file(tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(ROWS))
    return path


def test_dry_run_lists_rejected_rows_and_writes_nothing(library, school_class, roster_file):
    out = cli_rejecting(str(roster_file), "--dry-run", rejected=2, dry_run=True)
    assert "试运行" in out and "新建 1，更新 0，跳过 0，拒绝 2" in out
    assert "第 3 行  拒绝  乙  班级 八年级1班 不存在" in out
    assert "第 4 行  拒绝  丙  性别" in out
    assert not Patron.objects.exists()


def test_real_run_with_create_classes_then_reimport(library, school_class, roster_file):
    out = cli_rejecting(str(roster_file), "--create-classes", "--library", "main", rejected=1)
    assert "新建 2，更新 0，跳过 0，拒绝 1" in out and "新建班级：八年级1班" in out
    assert SchoolClass.objects.filter(name="八年级1班").exists()
    assert Patron.objects.count() == 2
    out = cli_rejecting(str(roster_file), "--create-classes", rejected=1)
    assert "新建 0，更新 0，跳过 2，拒绝 1" in out


def test_unreadable_file_is_an_error(library, tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="文件是空的"):
        cli(str(empty))
    with pytest.raises(CommandError, match="cannot read"):
        cli(str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="no library"):
        cli(str(empty), "--library", "nowhere")


def test_missing_file_exits_non_zero(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shuxiang.cli",
            "import-patrons",
            str(tmp_path / "nope.xlsx"),
            "--skip-checks",
        ],
        capture_output=True,
        text=True,
        env={"SHUXIANG_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "cannot read" in result.stderr
