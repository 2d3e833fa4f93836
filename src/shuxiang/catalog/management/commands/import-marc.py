"""`shuxiang import-marc FILE`: import a MARC file (ISO 2709 or MARCXML, MARC 21 or CNMARC)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from shuxiang.catalog.marc.detect import NotMarcError, sniff
from shuxiang.catalog.marc.importer import ON_DUPLICATE, ImportReport
from shuxiang.catalog.services import marc_import
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.management.importing import refuse_if_rejected
from shuxiang.core.models import AuditEvent


def print_report(write: Any, report: ImportReport, *, show_warnings: int) -> None:
    head = _("试导入，未写入任何数据") if report.dry_run else _("完成")
    write(
        _(
            "%(head)s：读入 %(read)d 条记录，新增 %(imported)d，合并 %(merged)d，替换 %(replaced)d，"
            "跳过 %(skipped)d，拒收 %(rejected)d；新建单册 %(items)d 册，未导入的馆藏 %(holdings)d 条"
        )
        % {
            "head": head,
            "read": report.read,
            "imported": report.imported,
            "merged": report.merged,
            "replaced": report.replaced,
            "skipped": report.skipped,
            "rejected": len(report.rejected),
            "items": report.items_created,
            "holdings": report.holdings_not_imported,
        }
    )
    if report.formats:
        formats = ", ".join(f"{k} {v}" for k, v in sorted(report.formats.items()))
        encodings = ", ".join(f"{k} {v}" for k, v in report.encoding_labels())
        write(
            _("格式：%(formats)s；编码：%(encodings)s")
            % {"formats": formats, "encodings": encodings}
        )
    if report.doubtful:
        write(
            _("可能重复的书目 %(n)d 条，已作为新书目导入，请核对（见下方提示）")
            % {"n": len(report.doubtful)}
        )
    for problem in report.rejected:
        write(
            _("拒收 %(where)s：%(message)s")
            % {"where": problem.where(), "message": problem.message}
        )
    for problem in report.warnings[:show_warnings]:
        write(
            _("提示 %(where)s：%(message)s")
            % {"where": problem.where(), "message": problem.message}
        )
    if report.kinds:
        write(_("提示按类别（共 %(n)s 条）：") % {"n": f"{report.warning_count:,}"})
        for _kind, label, n in report.by_kind():
            write(_("  %(label)s：%(n)s 条") % {"label": label, "n": f"{n:,}"})
    if report.warning_count > show_warnings:
        write(
            _("……另有 %(n)d 条提示（用 --warnings N 显示）")
            % {"n": report.warning_count - show_warnings}
        )


class Command(BaseCommand):
    help = "Import MARC records (MARC 21 or CNMARC; ISO 2709 or MARCXML) with their holdings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the MARC file (.mrc, .iso, .xml)")
        parser.add_argument(
            "--format",
            default="auto",
            choices=["auto", "marc21", "cnmarc", "marcxml"],
            help="auto (default) detects ISO 2709/MARCXML and MARC 21/CNMARC; marc21 or cnmarc force the format",
        )
        parser.add_argument(
            "--encoding",
            default=None,
            help="utf-8, gbk, gb2312, gb18030 or marc8 (default: detect)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="read and check everything, write nothing"
        )
        parser.add_argument(
            "--on-duplicate",
            default="skip",
            choices=list(ON_DUPLICATE),
            help="a title already in the catalog (same ISBN, or title+author+year): skip (default), "
            "merge its holdings, or replace the record",
        )
        parser.add_argument(
            "--book-number",
            default="sequence",
            choices=["sequence", "author"],
            help="call numbers assigned to copies without one: class/种次号 (sequence, "
            "default) or class/author mark from pinyin initials (author)",
        )
        parser.add_argument(
            "--marc21-905-holdings",
            action="store_true",
            help="the MARC 21 records carry their copies in a local 905 (as some Chinese "
            "systems write them); without this a MARC 21 905 is kept as the record's own field",
        )
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )
        parser.add_argument(
            "--warnings", type=int, default=20, help="how many warnings to list (default 20)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        try:
            library = library_by_code(options["library"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        with open(path, "rb") as stream:
            try:
                sniff(stream.read(4096))  # refuse a non-MARC file before drawing a progress bar
            except NotMarcError as exc:
                raise CommandError(_("这不是 MARC 文件：%(reason)s") % {"reason": exc}) from exc
        actor = Actor.system(library, channel=AuditEvent.Channel.CLI)
        size = os.path.getsize(path)
        bar = tqdm(
            total=size, unit="B", unit_scale=True, desc="import", disable=options["verbosity"] == 0
        )
        state = {"pos": 0, "n": 0}

        def progress(result: Any) -> None:
            state["n"] += 1
            if result.offset > state["pos"]:
                bar.update(result.offset - state["pos"])
                state["pos"] = result.offset

        try:
            with open(path, "rb") as stream:
                report = marc_import(
                    actor=actor,
                    source=stream,
                    file_format=options["format"],
                    encoding=options["encoding"],
                    on_duplicate=options["on_duplicate"],
                    dry_run=options["dry_run"],
                    progress=progress,
                    book_number=options["book_number"],
                    local_905=options["marc21_905_holdings"],
                )
        except DomainError as exc:
            bar.close()
            raise CommandError(exc.message) from exc
        bar.update(size - state["pos"])
        bar.close()
        print_report(self.stdout.write, report, show_warnings=options["warnings"])
        if report.read and len(report.rejected) == report.read:
            raise CommandError(_("文件中没有一条可读的记录。"))
        refuse_if_rejected(len(report.rejected), dry_run=options["dry_run"])
