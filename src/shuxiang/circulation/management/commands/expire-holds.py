"""shuxiang expire-holds [--library CODE]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.circulation.services import hold_expire
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "End holds not collected within their pickup window and pass each copy to the next "
        "reader in line (run daily): shuxiang expire-holds [--library CODE]"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--library", default=None, help="library code (default library)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            library = library_by_code(options["library"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        expired = hold_expire(actor=Actor.system(library, AuditEvent.Channel.CLI))
        self.stdout.write(f"{len(expired)} holds expired")
