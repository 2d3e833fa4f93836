"""`shuxiang export-marc OUT`: export the catalog as MARC (ISO 2709 or MARCXML, UTF-8)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from shuxiang.catalog.marc.exporter import Exporter
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code


class Command(BaseCommand):
    help = "Export the catalog as MARC 21 or CNMARC (ISO 2709 or MARCXML, UTF-8), holdings from the current items."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="the file to write (- for standard output)")
        parser.add_argument(
            "--format",
            default="marc21",
            choices=["marc21", "cnmarc"],
            help="format for titles made in Shuxiang (imported records keep their own); default marc21",
        )
        parser.add_argument("--xml", action="store_true", help="write MARCXML instead of ISO 2709")
        parser.add_argument(
            "--since", default=None, help="only titles changed on or after this date (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--clc",
            default="",
            help="only titles whose CLC class number starts with this, e.g. I24",
        )
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(
                    _("--since 应为日期（YYYY-MM-DD）：%(value)s") % {"value": options["since"]}
                ) from exc
        try:
            library = library_by_code(options["library"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        exporter = Exporter(
            library=library,
            default_format=options["format"],
            xml=options["xml"],
            since=since,
            clc_prefix=options["clc"],
        )
        to_stdout = options["out"] == "-"
        bar = tqdm(
            total=exporter.total(),
            unit="rec",
            desc="export",
            disable=options["verbosity"] == 0 or to_stdout,
        )
        stream = sys.stdout.buffer if to_stdout else open(options["out"], "wb")  # noqa: SIM115
        try:
            done = 0
            for chunk in exporter.chunks():
                stream.write(chunk)
                bar.update(exporter.count - done)
                done = exporter.count
        finally:
            bar.close()
            if not to_stdout:
                stream.close()
        for bib_id, reason in exporter.skipped:
            self.stderr.write(
                _("书目（编号 %(id)s）未导出：%(reason)s") % {"id": bib_id, "reason": reason}
            )
        if not to_stdout:
            self.stdout.write(
                _("已导出 %(n)d 条记录到 %(path)s") % {"n": exporter.count, "path": options["out"]}
            )
        if exporter.skipped:
            raise CommandError(
                _("%(n)d 条记录无法导出，已跳过（原因见上）") % {"n": len(exporter.skipped)}
            )
