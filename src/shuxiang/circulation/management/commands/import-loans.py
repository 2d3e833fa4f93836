"""shuxiang import-loans FILE [--dry-run] [--library CODE]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.circulation.previous_system import read_previous_loans
from shuxiang.circulation.services import legacy_loans_import
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.management.importing import refuse_if_rejected
from shuxiang.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Take over the open loans of the previous system from xlsx or csv "
        "(借书证号, 条码号, 借出日期, 应还日期): shuxiang import-loans FILE [--dry-run]"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the loan list (.xlsx or .csv)")
        parser.add_argument("--dry-run", action="store_true", help="check every row; write nothing")
        parser.add_argument("--library", default=None, help="library code (default library)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            library = library_by_code(options["library"])
            rows = read_previous_loans(content, path.name)
            actor = Actor.system(library, AuditEvent.Channel.CLI)
            report = legacy_loans_import(actor=actor, rows=rows, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for line, card, barcode, reason in report.rejected:
            self.stdout.write(f"第 {line} 行\t{card}\t{barcode}\t{reason}")
        verb = "可导入" if report.dry_run else "已导入"
        self.stdout.write(
            f"共 {report.rows} 行，{verb} {report.imported} 条借阅，未匹配 {len(report.rejected)} 行"
            + ("（试运行，未写入）" if report.dry_run else "")
        )
        refuse_if_rejected(len(report.rejected), dry_run=report.dry_run)
