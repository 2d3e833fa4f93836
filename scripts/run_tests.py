"""Run the whole suite: SQLite first, then PostgreSQL where its server is installed.

The PostgreSQL pass runs the database tests only (the pure ones do not care which engine
is underneath). It uses the server named by PGHOST/PGPORT/PGUSER/PGPASSWORD when those
are set (as Debian's pg_virtualenv sets them); otherwise it starts a throwaway cluster
of its own on a free port with initdb and stops it afterwards (as the postgres system
user when run as root, since initdb refuses root). With CI=true a missing server fails the
run instead of skipping it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest"]
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def run_pytest(env: dict[str, str], extra: list[str]) -> int:
    # One worker per core (pytest-xdist); each worker gets its own test database.
    if not any(a == "-n" or a.startswith("-n") or a.startswith("--numprocesses") for a in extra):
        extra = ["-n", str(max(1, min(4, os.cpu_count() or 1))), *extra]
    return subprocess.call(PYTEST + extra, cwd=ROOT, env=env)


def sqlite_pass(args: list[str]) -> int:
    env = dict(os.environ)
    env.pop("SHUXIANG_DB_URL", None)
    env.setdefault("SHUXIANG_VAR_DIR", str(ROOT / "var" / "test"))
    print("== test suite on SQLite", flush=True)
    return run_pytest(env, args)


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_env_url() -> str | None:
    if not os.environ.get("PGHOST"):
        return None
    user = os.environ.get("PGUSER", "postgres")
    password = os.environ.get("PGPASSWORD", "")
    host = os.environ["PGHOST"]
    port = os.environ.get("PGPORT", "5432")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgresql://{auth}{host}:{port}/postgres"


def postgres_pass(args: list[str], url: str) -> int:
    env = dict(os.environ)
    env["SHUXIANG_DB_URL"] = url
    env["SHUXIANG_PG_PASS"] = "1"
    env.setdefault("SHUXIANG_VAR_DIR", str(ROOT / "var" / "test-pg"))
    print("== database tests on PostgreSQL", flush=True)
    return run_pytest(env, args)


def own_cluster(args: list[str]) -> int:
    """A throwaway cluster in a temporary folder on a free port, stopped afterwards.

    initdb refuses to run as root; there the server runs as the `postgres` system user
    that Debian's package creates (runuser), in a folder handed to that user."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    as_user: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="shuxiang-pg-"))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(tmp, "postgres")
        tmp.chmod(0o755)
    data, sock = tmp / "data", tmp / "sock"
    subprocess.check_call([*as_user, "mkdir", "-p", str(sock)])
    port = _free_port()
    started = False
    try:
        subprocess.check_call(
            [
                *as_user,
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            stdout=subprocess.DEVNULL,
        )
        subprocess.check_call(
            [
                *as_user,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(tmp / "sock" / "log"),
                "-w",
                "start",
                "-o",
                f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            ],
            stdout=subprocess.DEVNULL,
        )
        started = True
        return postgres_pass(args, f"postgresql://postgres@127.0.0.1:{port}/postgres")
    finally:
        if started:
            subprocess.call(
                [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"], stdout=subprocess.DEVNULL
            )
        time.sleep(0.2)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    argv = sys.argv[1:]
    sqlite_only = "--sqlite-only" in argv
    postgres_only = "--postgres-only" in argv
    args = [a for a in argv if a not in {"--sqlite-only", "--postgres-only"}]

    status = 0
    if not postgres_only:
        status = sqlite_pass(args)
    if sqlite_only:
        return status

    url = _pg_env_url()
    if url:
        return postgres_pass(args, url) or status
    if _pg_bin("initdb") and _pg_bin("pg_ctl"):
        return own_cluster(args) or status
    message = "PostgreSQL server binaries not installed: skipping the PostgreSQL pass"
    if CI:
        print(f"FAILED: {message} (CI=true)", file=sys.stderr)
        return 1
    print(message, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
