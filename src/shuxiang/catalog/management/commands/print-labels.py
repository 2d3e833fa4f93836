"""`shuxiang print-labels OUT.pdf`: barcode or spine label sheets for a selection of copies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuxiang.catalog import labels
from shuxiang.core import clock
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code


class Command(BaseCommand):
    help = "Print barcode labels or spine labels (书标) as a PDF for today's new copies, a day, an accession range or a purchase batch."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="the PDF file to write")
        parser.add_argument("--kind", default="barcode", choices=list(labels.KINDS))
        parser.add_argument("--sheet", default="a4-3x8", choices=list(labels.SHEETS))
        parser.add_argument(
            "--start", type=int, default=1, help="first free label position on the first sheet"
        )
        parser.add_argument(
            "--day", default="", help="copies entered on this day (YYYY-MM-DD; default today)"
        )
        parser.add_argument("--from", dest="acc_from", default="", help="first accession number")
        parser.add_argument("--to", dest="acc_to", default="", help="last accession number")
        parser.add_argument("--batch", type=int, default=None, help="purchase batch id")
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            library = library_by_code(options["library"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        day = None
        if not (options["acc_from"] or options["acc_to"] or options["batch"]):
            try:
                day = dt.date.fromisoformat(options["day"]) if options["day"] else clock.today()
            except ValueError as exc:
                raise CommandError(_("日期格式应为 YYYY-MM-DD。")) from exc
        # A purchase batch is a copy group acquisitions registers (labels.register_copy_group).
        groups = {"batch_id": options["batch"]} if options["batch"] is not None else {}
        if groups and labels.copy_group_source("batch") is None:
            raise CommandError("purchase batches are not installed (the acquisitions app)")
        items = labels.select_items(
            library,
            day=day,
            accession_from=options["acc_from"],
            accession_to=options["acc_to"],
            **groups,
        )
        data = labels.label_data(items)
        if not data:
            raise CommandError(_("没有符合条件的单册。"))
        try:
            pdf = labels.render(
                data,
                kind=options["kind"],
                sheet=labels.SHEETS[options["sheet"]],
                start=options["start"],
                library_name=library.name,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with open(options["out"], "wb") as fh:
            fh.write(pdf)
        self.stdout.write(
            _("已生成 %(n)d 册的标签：%(path)s") % {"n": len(data), "path": options["out"]}
        )
