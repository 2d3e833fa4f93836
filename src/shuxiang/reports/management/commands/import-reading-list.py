"""`shuxiang import-reading-list FILE --name NAME`: import a recommended reading list
(推荐书目) and match it to the catalog."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.management.importing import refuse_if_rejected
from shuxiang.core.models import AuditEvent
from shuxiang.reports import services


class Command(BaseCommand):
    help = (
        "Import a recommended reading list (书名, 作者, ISBN, 类别, 学段; xlsx or csv) and "
        "match its titles to the catalog, for the coverage page under statistics."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the list (.xlsx or .csv, UTF-8 or GBK)")
        parser.add_argument("--name", required=True, help="the list's name, e.g. 2020 阅读指导目录")
        parser.add_argument(
            "--replace", action="store_true", help="replace a list of the same name"
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, keep nothing")
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
                content = stream.read()
            reading_list, found = services.reading_list_import(
                actor=Actor.system(library, channel=AuditEvent.Channel.CLI),
                name=options["name"],
                content=content,
                filename=path,
                replace=options["replace"],
                dry_run=options["dry_run"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for row, reason in [*found.refused, *found.notes]:
            self.stdout.write(_("第 %(row)s 行：%(reason)s") % {"row": row, "reason": reason})
        if reading_list is None:
            self.stdout.write(
                _("试导入，未保存：可导入 %(n)s 种，拒绝 %(bad)s 行。")
                % {"n": len(found.rows), "bad": len(found.refused)}
            )
            refuse_if_rejected(len(found.refused), dry_run=True)
            return
        matched = reading_list.entries.filter(matches__isnull=False).distinct().count()
        self.stdout.write(
            _("已导入“%(name)s”：%(n)s 种，其中 %(matched)s 种在馆藏目录中找到；拒绝 %(bad)s 行。")
            % {
                "name": reading_list.name,
                "n": len(found.rows),
                "matched": matched,
                "bad": len(found.refused),
            }
        )
        refuse_if_rejected(len(found.refused))
