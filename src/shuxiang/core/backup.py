"""Backup and restore of the whole installation: the database and the uploaded files.

School PCs are wiped every summer, so a backup is one file that a librarian can copy to
a USB stick: a zip holding the database (an SQLite online backup, or a pg_dump in
PostgreSQL's custom format), the media folder and a manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from shuxiang.core import clock

FORMAT = "shuxiang-backup/1"


class BackupError(RuntimeError):
    """The backup cannot be written or read."""


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [
        "-h",
        str(db.get("HOST") or "localhost"),
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        str(db.get("USER") or "postgres"),
    ]
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise BackupError(f"{name} not found: install PostgreSQL's client programs")


def backup_write(out: Path) -> dict[str, Any]:
    """Write a backup zip to `out`; returns the manifest."""
    out = Path(out)
    vendor = connection.vendor
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created": clock.now().isoformat(),
        "engine": vendor,
        "media": 0,
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if vendor == "sqlite":
            db_file = tmp_path / "database.sqlite3"
            source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            target = sqlite3.connect(db_file)
            try:
                source.backup(target)  # consistent even while the desk keeps lending
            finally:
                target.close()
                source.close()
            manifest["database"] = "database.sqlite3"
        elif vendor == "postgresql":
            db_file = tmp_path / "database.pgdump"
            args, env = _pg_args()
            name = settings.DATABASES["default"]["NAME"]
            subprocess.run(
                [_pg_tool("pg_dump"), *args, "-Fc", "-f", str(db_file), name], check=True, env=env
            )
            manifest["database"] = "database.pgdump"
        else:
            raise BackupError(f"unsupported database engine {vendor}")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(db_file, manifest["database"])
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                for path in sorted(media.rglob("*")):
                    if path.is_file():
                        archive.write(path, "media/" + path.relative_to(media).as_posix())
                        manifest["media"] += 1
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def backup_restore(src: Path) -> dict[str, Any]:
    """Replace the database and media with the contents of a backup zip."""
    src = Path(src)
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, FileNotFoundError) as exc:
        raise BackupError(f"{src} is not a Shuxiang backup: {exc}") from exc
    with archive, tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except KeyError as exc:
            raise BackupError(f"{src} is not a Shuxiang backup (no manifest.json)") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        vendor = connection.vendor
        if manifest["engine"] != vendor:
            raise BackupError(
                f"backup is from {manifest['engine']}, this installation runs {vendor}"
            )
        media = Path(settings.MEDIA_ROOT)
        # Every file is placed before anything is written: one that would land outside
        # the media folder refuses the whole backup.
        media_files = _media_members(archive, media)
        db_file = Path(archive.extract(manifest["database"], tmp))
        if vendor == "sqlite":
            connections.close_all()
            source = sqlite3.connect(db_file)
            target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            try:
                source.backup(target)  # page-by-page copy into the live file, WAL-safe
            finally:
                target.close()
                source.close()
        else:
            connections.close_all()
            args, env = _pg_args()
            name = settings.DATABASES["default"]["NAME"]
            subprocess.run(
                [
                    _pg_tool("pg_restore"),
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "-d",
                    name,
                    str(db_file),
                ],
                check=True,
                env=env,
            )
        if media.is_dir():
            shutil.rmtree(media)
        for member, target_path in media_files:
            target_path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as fin, open(target_path, "wb") as fout:
                shutil.copyfileobj(fin, fout)
    return manifest


def _media_members(archive: zipfile.ZipFile, media: Path) -> list[tuple[str, Path]]:
    """(member, where it goes) for each media file of the backup. An entry such as
    `media/../../x`, an absolute path or a drive letter would be written outside the
    media folder (zip slip): it makes the backup refused, naming the entry."""
    root = media.resolve()
    placed = []
    for member in archive.namelist():
        if not member.startswith("media/") or member.endswith("/"):
            if member.startswith(("/", "\\")) or ".." in member.replace("\\", "/").split("/"):
                raise BackupError(f"refused: the backup entry {member!r} points outside its folder")
            continue
        relative = member[len("media/") :].replace("\\", "/")
        parts = relative.split("/")
        target = (root / relative).resolve()
        if (
            relative.startswith("/")
            or ".." in parts
            or (parts and ":" in parts[0])
            or not target.is_relative_to(root)
        ):
            raise BackupError(
                f"refused: the backup entry {member!r} points outside the media folder"
            )
        placed.append((member, target))
    return placed
