"""The `shuxiang` command, run as a user runs it: a separate process on a fresh folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "shuxiang"


def run(
    var: Path, *args: str, check: bool = True, input: str | None = None
) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SHUXIANG_DB_URL", "SHUXIANG_PG"))
    }
    env["SHUXIANG_VAR_DIR"] = str(var)
    result = subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, input=input, timeout=180
    )
    if check and result.returncode != 0:
        raise AssertionError(f"shuxiang {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("site")
    run(var, "setup", "--name", "实验中学图书馆")
    return var


def test_help_lists_the_commands(site):
    out = run(site, "--help").stdout
    for command in ["setup", "demo", "serve", "createuser", "token", "backup", "restore"]:
        assert f"  {command}" in out, command
    assert "--host" in run(site, "serve", "--help").stdout


def test_setup_is_idempotent(site):
    run(site, "setup")
    out = run(site, "setup").stdout
    assert "ready: library main" in out


def test_createuser_and_token(site):
    out = run(site, "createuser", "desk1", "--role", "librarian", "--password", "secret123").stdout
    assert "created desk1 (librarian)" in out
    token = run(site, "token", "create", "desk1").stdout.strip()
    assert token.startswith("sx_") and len(token) > 30
    bad = run(
        site, "createuser", "desk1", "--role", "librarian", "--password", "secret123", check=False
    )
    assert bad.returncode != 0
    assert "已存在" in bad.stderr
    bad = run(site, "createuser", "x", "--role", "wizard", "--password", "secret123", check=False)
    assert bad.returncode != 0
    bad = run(site, "token", "create", "nobody", check=False)
    assert bad.returncode != 0


def test_backup_and_restore_round_trip(site, tmp_path):
    run(site, "createuser", "before-backup", "--role", "teacher", "--password", "secret123")
    archive = tmp_path / "backup.zip"
    media = site / "media" / "covers"
    media.mkdir(parents=True)
    (media / "cover.txt").write_text("封面")
    run(site, "backup", str(archive))
    assert archive.stat().st_size > 1000

    run(site, "createuser", "after-backup", "--role", "teacher", "--password", "secret123")
    (media / "cover.txt").unlink()
    run(site, "restore", str(archive), "--yes")

    check = run(
        site,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; print(sorted(User.objects.values_list('username', flat=True)))",
    )
    assert "before-backup" in check.stdout
    assert "after-backup" not in check.stdout
    assert (media / "cover.txt").read_text() == "封面"

    not_a_backup = tmp_path / "junk.zip"
    not_a_backup.write_text("hello")
    bad = run(site, "restore", str(not_a_backup), "--yes", check=False)
    assert bad.returncode != 0
    assert "not a Shuxiang backup" in bad.stderr


@pytest.mark.parametrize(
    "entry",
    [
        "media/../../escaped.txt",
        "media/covers/../../../escaped.txt",
        "/tmp/escaped.txt",
        "../escaped.txt",
    ],
)
def test_restore_refuses_a_backup_that_writes_outside_its_folder(site, tmp_path, entry):
    """Zip slip: an entry that would land outside the media folder refuses the whole
    backup before anything is written, database included."""
    import zipfile

    good = tmp_path / "good.zip"
    run(site, "backup", str(good))
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(evil, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(zipfile.ZipInfo(entry), "pwned")
    login = f"made-after-{abs(hash(entry))}"
    run(site, "createuser", login, "--role", "teacher", "--password", "secret123")

    refused = run(site, "restore", str(evil), "--yes", check=False)

    assert refused.returncode != 0
    assert "outside" in refused.stderr and entry in refused.stderr
    for place in [site / "escaped.txt", site.parent / "escaped.txt", Path("/tmp/escaped.txt")]:
        assert not place.exists()
    users = run(
        site,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; print(list(User.objects.values_list('username', flat=True)))",
    )
    assert login in users.stdout  # the database was not replaced either
