"""shuxiang import-patrons FILE [--dry-run] [--create-classes] [--library CODE]"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.management.importing import refuse_if_rejected
from shuxiang.core.models import AuditEvent
from shuxiang.patrons.roster import RosterError
from shuxiang.patrons.services import roster_import

ACTIONS = {"create": "新建", "update": "更新", "skip": "跳过", "reject": "拒绝"}


class Command(BaseCommand):
    help = (
        "Import readers from a roster (花名册) in xlsx or csv: "
        "shuxiang import-patrons FILE [--dry-run] [--create-classes] [--library CODE]"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the roster file (.xlsx or .csv)")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        parser.add_argument(
            "--create-classes",
            action="store_true",
            help="create classes the roster names but the library lacks",
        )
        parser.add_argument(
            "--library",
            default=None,
            help="library code (default: the deployment's default library)",
        )
        parser.add_argument(
            "--sheet",
            default=None,
            help="worksheet name (default: the first sheet with roster headers)",
        )
        parser.add_argument(
            "--verbose-rows", action="store_true", help="list every row, not only the rejected ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            library = library_by_code(options["library"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        actor = Actor(library=library, user=None, channel=AuditEvent.Channel.CLI)
        bar = tqdm(desc="rows", unit="row", disable=not sys.stderr.isatty(), leave=False)

        def progress(index: int) -> None:
            bar.update(1)

        try:
            report = roster_import(
                actor=actor,
                content=content,
                filename=path.name,
                dry_run=options["dry_run"],
                create_classes=options["create_classes"],
                sheet=options["sheet"],
                progress=progress,
            )
        except RosterError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        out = self.stdout
        out.write(
            f"{path.name} · 工作表 {report.sheet}"
            + (" · 试运行（未写入任何数据）" if report.dry_run else "")
        )
        for note in report.notes:
            out.write(f"注意：{note}")
        counts = report.counts
        out.write(
            f"新建 {counts['create']}，更新 {counts['update']}，跳过 {counts['skip']}，拒绝 {counts['reject']}"
        )
        if report.classes_created:
            verb = "将新建班级" if report.dry_run else "新建班级"
            out.write(f"{verb}：{'、'.join(report.classes_created)}")
        rows = report.rows if options["verbose_rows"] else report.rejected
        for row in rows:
            out.write(f"第 {row.row} 行  {ACTIONS[row.action]}  {row.name or '-'}  {row.reason}")
        refuse_if_rejected(counts["reject"], dry_run=report.dry_run)
