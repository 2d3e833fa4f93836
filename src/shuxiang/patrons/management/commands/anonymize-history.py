"""shuxiang anonymize-history [--dry-run] [--library CODE]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.models import AuditEvent, Library
from shuxiang.patrons.services import history_anonymize


class Command(BaseCommand):
    help = (
        "Anonymize finished loans of readers who left long enough ago (the library's setting) "
        "or asked to keep no history; the loans' class snapshots stay for statistics."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be anonymized; write nothing"
        )
        parser.add_argument("--library", default=None, help="library code (default: every library)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            libraries = (
                [library_by_code(options["library"])]
                if options["library"]
                else list(Library.objects.all())
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for library in libraries:
            actor = Actor(library=library, user=None, channel=AuditEvent.Channel.CLI)
            result = history_anonymize(actor=actor, dry_run=options["dry_run"])
            verb = "would anonymize" if options["dry_run"] else "anonymized"
            self.stdout.write(
                f"{library.code}: {verb} {result.loans} loans of {result.patrons} readers"
            )
