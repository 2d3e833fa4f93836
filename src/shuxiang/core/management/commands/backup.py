from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write the database and uploaded files to one backup file (a zip), safe while serving."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="the backup file to write, e.g. D:/shuxiang-2026-07-10.zip")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_write(Path(options["out"]))
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written to {options['out']} ({manifest['engine']}, {manifest['media']} files)"
            )
        )
