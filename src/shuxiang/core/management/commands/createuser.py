from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.permissions import ROLES
from shuxiang.core.services import user_create


class Command(BaseCommand):
    help = "Create a login with one role: admin, librarian, assistant, teacher, student or leader."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="", help="full name shown in the staff pages")
        parser.add_argument(
            "--library", default=None, help="library code (default: the first library)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            library = library_by_code(options["library"])
            user = user_create(
                library=library,
                username=options["username"],
                role=options["role"],
                password=options["password"],
                full_name=options["name"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"created {user.username} ({options['role']}) in {library.code}")
        )
