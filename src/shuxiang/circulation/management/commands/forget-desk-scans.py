"""shuxiang forget-desk-scans [--days N]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shuxiang.circulation.services import desk_scans_prune
from shuxiang.circulation.services.desk_scans import KEEP_DAYS


class Command(BaseCommand):
    help = (
        "Forget the desk's scan ids older than N days (they guard against a scan sent "
        "twice from the desk's offline queue; `shuxiang serve` does this hourly): "
        "shuxiang forget-desk-scans [--days N]"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=KEEP_DAYS, help="keep this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        forgotten = desk_scans_prune(days=max(1, options["days"]))
        self.stdout.write(f"{forgotten} desk scan ids forgotten")
