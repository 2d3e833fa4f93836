from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.models import AuditEvent
from shuxiang.core.permissions import ROLES
from shuxiang.core.services import superuser_create, user_create


class Command(BaseCommand):
    help = (
        "Create a login of one library with one role: admin (the school's administrator, "
        "this library only), librarian, assistant, teacher, student, leader, or kiosk (a "
        "self-service machine's login, used only by `shuxiang sip2`). With "
        "--superuser instead, a deployment superuser: no library, no role, the only login "
        "that opens the Django admin (/staff/admin/)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, help="the login's role (not with --superuser)")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="", help="full name shown in the staff pages")
        parser.add_argument(
            "--library", default=None, help="library code (default: the first library)"
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="a deployment superuser for the Django admin, above every library",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["superuser"] == bool(options["role"]):
            raise CommandError("give either --role ROLE or --superuser")
        try:
            if options["superuser"]:
                user = superuser_create(username=options["username"], password=options["password"])
                self.stdout.write(
                    self.style.SUCCESS(f"created deployment superuser {user.username}")
                )
                return
            library = library_by_code(options["library"])
            user = user_create(
                actor=Actor(library=library, channel=AuditEvent.Channel.CLI),
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
