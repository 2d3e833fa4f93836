from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database and uploaded files with a backup made by `shuxiang backup`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("src", help="the backup file to restore")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"] and options.get("interactive", True):
            answer = input("This replaces all current data with the backup. Type yes to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        try:
            manifest = backup_restore(Path(options["src"]))
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"restored backup of {manifest['created']} ({manifest['engine']})")
        )
