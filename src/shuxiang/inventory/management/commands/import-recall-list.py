"""`shuxiang import-recall-list FILE --name NAME`: a recall list (下架清单) into the
weeding candidates."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuxiang.core import spreadsheet
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.models import AuditEvent
from shuxiang.inventory import services


class Command(BaseCommand):
    help = (
        "Import a list of titles to take off the shelves (a recall list from the education "
        "bureau; xlsx or CSV with title, author, ISBN, publisher, reason) and match it to "
        "the catalog by ISBN or by title and author; the copies found are weeding "
        "candidates (下架清单)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the list as .xlsx or .csv")
        parser.add_argument("--name", required=True, help="the list's name, e.g. the bureau's")
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="read and match the list, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            library = library_by_code(options["library"])
            if os.path.getsize(path) > spreadsheet.MAX_FILE_BYTES:
                raise DomainError(
                    _("文件超过 %(n)s MB。") % {"n": spreadsheet.MAX_FILE_BYTES // (1024 * 1024)},
                    code="file_too_large",
                )
            with open(path, "rb") as fh:
                content = fh.read()
            report = services.recall_list_import(
                actor=Actor.system(library, AuditEvent.Channel.CLI),
                content=content,
                filename=os.path.basename(path),
                name=options["name"],
                dry_run=options["dry_run"],
            )
        except OSError as exc:
            raise CommandError(_("无法读取文件：%(error)s") % {"error": exc.strerror}) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for problem in sorted(report.problems + report.warnings, key=lambda p: p.row):
            self.stdout.write(
                _("第 %(row)s 行：%(reason)s") % {"row": problem.row, "reason": problem.reason}
            )
        summary = _("下架清单“%(name)s”：%(n)s 条，本馆有其中 %(titles)s 种、%(copies)s 册。") % {
            "name": report.name,
            "n": report.entries,
            "titles": report.titles,
            "copies": report.copies,
        }
        if report.dry_run:
            summary += _("（试运行，未写入）")
        self.stdout.write(summary)
