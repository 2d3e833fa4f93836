"""`shuxiang accession-register OUT`: the accession register (个别登记账) as xlsx or PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuxiang.catalog import register
from shuxiang.core import clock
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.money import yuan_text


class Command(BaseCommand):
    help = "Write the accession register (个别登记账) for a date range as .xlsx or .pdf, with totals of volumes and prices."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="the file to write (.xlsx or .pdf)")
        parser.add_argument(
            "--from", dest="date_from", default="", help="first day (default: 1 January this year)"
        )
        parser.add_argument("--to", dest="date_to", default="", help="last day (default: today)")
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            library = library_by_code(options["library"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        today = clock.today()
        try:
            start = (
                dt.date.fromisoformat(options["date_from"])
                if options["date_from"]
                else today.replace(month=1, day=1)
            )
            end = dt.date.fromisoformat(options["date_to"]) if options["date_to"] else today
        except ValueError as exc:
            raise CommandError(_("日期格式应为 YYYY-MM-DD。")) from exc
        reg = register.register_rows(library, start, end)
        out = options["out"]
        if out.lower().endswith(".pdf"):
            data = register.register_pdf(reg)
        elif out.lower().endswith(".xlsx"):
            data = register.register_xlsx(reg)
        else:
            raise CommandError(_("输出文件应以 .xlsx 或 .pdf 结尾。"))
        with open(out, "wb") as fh:
            fh.write(data)
        self.stdout.write(
            _("%(n)d 册，合计 %(total)s 元：%(path)s")
            % {"n": reg.volumes, "total": yuan_text(reg.total_price.fen), "path": out}
        )
