from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from shuxiang.core import db_statistics
from shuxiang.core.services import library_setup


class Command(BaseCommand):
    help = (
        "Create or update the database, the default library, roles and loan rules (safe to repeat)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--library", default="main", help="library code (default: main)")
        parser.add_argument("--name", default="", help="the library's name, e.g. 实验中学图书馆")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        db_statistics.refresh()  # a new index gets its figures before it is used
        library = library_setup(code=options["library"], name=options["name"])
        self.stdout.write(self.style.SUCCESS(f"ready: library {library.code} ({library.name})"))
