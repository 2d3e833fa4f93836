"""`flush`, which empties every table, the append-only audit log too.

The audit triggers refuse DELETE, so they are lifted for the flush and put back after.
Only the test runner uses this (between transactional tests)."""

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from shuxiang.core import audit_guard


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        audit_guard.remove(connection)
        try:
            super().handle(**options)
        finally:
            audit_guard.install(connection)
