from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.errors import DomainError
from shuxiang.core.services import token_create


class Command(BaseCommand):
    help = "Create an API token for a login: shuxiang token create USERNAME (printed once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a note for what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(token_create(username=options["username"], name=options["name"]))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
