from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from shuxiang.demo.build import LIBRARY_NAME, demo_build


class Command(BaseCommand):
    help = "Fill an empty database with a realistic demo school (classes, readers, books, a term of loans)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if there are readers or items already",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="random seed; the same seed gives the same school",
        )
        parser.add_argument("--library", default="main", help="library code (default: main)")
        parser.add_argument(
            "--students", type=int, default=600, help="number of students (default: 600)"
        )
        parser.add_argument(
            "--teachers", type=int, default=40, help="number of teachers (default: 40)"
        )
        parser.add_argument(
            "--items", type=int, default=20000, help="number of copies (default: 20000)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if "core_library" not in connection.introspection.table_names():
            call_command("setup", library=options["library"], name=LIBRARY_NAME, stdout=self.stdout)
        from shuxiang.demo.build import database_is_empty

        if not database_is_empty():
            if options["if_empty"]:
                self.stdout.write(
                    "demo: the database already holds readers or items; nothing done."
                )
                self._print_existing_logins()
                return
            raise CommandError(
                "the database already holds readers or items; the demo only fills an empty database "
                "(use --if-empty to skip quietly)."
            )
        for name in ("students", "teachers", "items"):
            if options[name] < 0:
                raise CommandError(f"--{name} must not be negative")
        if options["students"] and options["students"] < 12:
            raise CommandError("--students must be 0 or at least 12 (one per class)")

        total = options["students"] + options["teachers"] + options["items"]
        with tqdm(total=total, desc="demo", unit="row", disable=None, file=self.stderr) as bar:

            def progress(n: int, stage: str) -> None:
                bar.set_description(f"demo: {stage}")
                if stage == "loans":
                    return
                bar.update(n)

            result = demo_build(
                library_code=options["library"],
                seed=options["seed"],
                students=options["students"],
                teachers=options["teachers"],
                items=options["items"],
                progress=progress,
            )
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"demo school ready in {result.seconds:.1f} s: {result.library.name} — {counts['classes']} classes, "
                f"{counts['students']} students, {counts['teachers']} teachers, {counts['bibs']} titles, "
                f"{counts['items']} copies, {counts['loans']} loans ({counts['open_loans']} on loan, "
                f"{counts['overdue_loans']} overdue) as of {result.today:%Y-%m-%d}"
            )
        )
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        if result.logins:
            self.stdout.write("\ndemo logins:")
            widths = [max(len(row[i]) for row in result.logins) for i in range(3)]
            header = ("username", "password", "role")
            widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
            self.stdout.write(
                "  "
                + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
                + "  reader"
            )
            for username, password, role, who in result.logins:
                cells = (username, password, role)
                self.stdout.write(
                    "  "
                    + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                    + f"  {who}"
                )

    def _print_existing_logins(self) -> None:
        """On a later `make run`, remind of the demo logins that still exist."""
        from django.contrib.auth import get_user_model

        from shuxiang.demo.build import DEMO_LOGINS

        existing = set(get_user_model().objects.values_list("username", flat=True))
        rows = [row for row in DEMO_LOGINS if row[0] in existing]
        if rows:
            self.stdout.write("\ndemo logins (unless their passwords were changed):")
            for username, password, role in rows:
                self.stdout.write(f"  {username:<10}  {password:<14}  {role}")
