"""`shuxiang import-booklist FILE`: catalog a spreadsheet book list (xlsx or csv)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuxiang.catalog.booklist import booklist_import
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.management.importing import refuse_if_rejected
from shuxiang.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Import a spreadsheet book list (书名, 著者, 出版社, ISBN, 定价, 分类号, 册数; xlsx or csv): "
        "titles, copies with barcodes from the range, call numbers and accession numbers."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the book list (.xlsx or .csv, UTF-8 or GBK)")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--location", default="", help="location code for the new copies")
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        try:
            library = library_by_code(options["library"])
            with open(path, "rb") as stream:
                report = booklist_import(
                    actor=Actor.system(library, channel=AuditEvent.Channel.CLI),
                    source=stream,
                    filename=path,
                    location_code=options["location"],
                    dry_run=options["dry_run"],
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        head = _("试导入，未写入任何数据") if report.dry_run else _("完成")
        self.stdout.write(
            _(
                "%(head)s：读入 %(rows)d 行，可导入 %(good)d 行；新建书目 %(new)d 种，已有书目 %(old)d 种，新建单册 %(items)d 册；有问题 %(bad)d 行"
            )
            % {
                "head": head,
                "rows": report.rows,
                "good": len(report.good),
                "new": report.titles_created,
                "old": report.titles_existing,
                "items": report.items_created,
                "bad": len(report.bad),
            }
        )
        for problem in report.bad:
            self.stdout.write(
                _("第 %(row)d 行：%(reason)s") % {"row": problem.row, "reason": problem.reason}
            )
        if report.rows and not report.good:
            raise CommandError(_("没有一行可以导入。"))
        refuse_if_rejected(len(report.bad), dry_run=report.dry_run)
