"""shuxiang overdue-notices [--class NAME ...] OUT.pdf"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.circulation.notices import overdue_slips_pdf
from shuxiang.circulation.selectors import hold_shelf, overdue_loans
from shuxiang.core import clock
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.pdf import FontMissing
from shuxiang.patrons.selectors import class_by_any_name


class Command(BaseCommand):
    help = (
        "Print overdue reminder slips (催还单), one page per class, to a PDF: "
        "shuxiang overdue-notices [--class 七年级3班 ...] OUT.pdf"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="the PDF file to write")
        parser.add_argument(
            "--class", dest="classes", action="append", default=[], help="only this class"
        )
        parser.add_argument("--library", default=None, help="library code (default library)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            library = library_by_code(options["library"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        today = clock.today()
        class_ids = []
        for name in options["classes"]:
            school_class = class_by_any_name(library, name)
            if school_class is None:
                raise CommandError(f"no class named {name}")
            class_ids.append(school_class.pk)
        if class_ids:
            lines = [
                line
                for class_id in class_ids
                for line in overdue_loans(library, today=today, class_id=class_id)
            ]
        else:
            lines = overdue_loans(library, today=today)
        holds = hold_shelf(library)
        if class_ids:
            holds = [h for h in holds if h.patron.school_class_id in class_ids]
        try:
            pdf = overdue_slips_pdf(
                lines, library_name=library.name, today=today, ready_holds=holds
            )
        except FontMissing as exc:
            raise CommandError(str(exc)) from exc
        Path(options["out"]).write_bytes(pdf)
        classes = len({line.class_name for line in lines})
        self.stdout.write(f"{len(lines)} overdue loans in {classes} classes → {options['out']}")
