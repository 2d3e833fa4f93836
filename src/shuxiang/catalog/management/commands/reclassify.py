"""`shuxiang reclassify FILE`: give the titles of the copies listed in a spreadsheet a new
class (再分类), with new call numbers, and optionally their new spine labels."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuxiang.catalog import labels
from shuxiang.catalog.maintenance import selection, services
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Reclassify (再分类) the titles of the copies listed in FILE (xlsx or csv: a column "
        "条码号/barcode, and 新分类号/new_class per row, or --to for all): new class, new "
        "call numbers (the next free 种次号 of the new class), one transaction; --dry-run "
        "shows old → new and writes nothing; --labels writes the new spine labels."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the barcode list (.xlsx or .csv, UTF-8 or GBK)")
        parser.add_argument(
            "--to", default="", help="the new CLC class for rows without one (e.g. TP311)"
        )
        parser.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
        parser.add_argument(
            "--labels", default="", metavar="PDF", help="write the changed copies' spine labels"
        )
        parser.add_argument("--sheet", default="a4-3x8", choices=list(labels.SHEETS))
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        dry_run = options["dry_run"]
        try:
            library = library_by_code(options["library"])
            actor = Actor.system(library, channel=AuditEvent.Channel.CLI)
            with open(path, "rb") as stream:
                content = stream.read(selection.spreadsheet.MAX_FILE_BYTES + 1)
            rows = selection.read_rows(content, path)
            chosen = selection.by_barcodes(library, rows, options["to"])
            for problem in chosen.problems:
                self.stdout.write(
                    _("第 %(row)d 行 %(barcode)s：%(reason)s")
                    % {"row": problem.line, "barcode": problem.barcode, "reason": problem.reason}
                )
            if chosen.problems:
                raise CommandError(
                    _("有 %(n)s 行不能使用（见上面的列表），没有修改任何书目。")
                    % {"n": len(chosen.problems)}
                )
            if not chosen.changes:
                raise CommandError(_("文件中没有条码号。"))
            result = services.reclassify(actor=actor, changes=chosen.changes, dry_run=dry_run)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for move in result.moves:
            calls = "；".join(f"{c.old or '—'} → {c.new}" for c in move.calls)
            self.stdout.write(f"{move.title}\t{move.old_clc or '—'} → {move.new_clc}\t{calls}")
        head = _("试运行，未写入任何数据") if dry_run else _("完成")
        self.stdout.write(
            _(
                "%(head)s：改动 %(titles)d 种书目，%(copies)d 册单册换新书标；%(same)d 种已在新分类号下。"
            )
            % {
                "head": head,
                "titles": len(result.moves),
                "copies": len(result.copies),
                "same": len(result.unchanged),
            }
        )
        if dry_run or not options["labels"]:
            return
        items = labels.select_items(library, reclassification_id=result.event_id)
        pdf = labels.render(
            labels.label_data(items),
            kind=labels.SPINE,
            sheet=labels.SHEETS[options["sheet"]],
            library_name=library.name,
        )
        with open(options["labels"], "wb") as out:
            out.write(pdf)
        self.stdout.write(
            _("新书标已写入 %(path)s（%(n)d 册）。")
            % {"path": options["labels"], "n": len(result.copies)}
        )
