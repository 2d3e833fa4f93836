"""`shuxiang stocktake-upload ID FILE`: a handheld scanner's file into a stocktake."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.models import AuditEvent
from shuxiang.inventory import reconcile, scanner_files, services

MAX_BYTES = 5 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Add the barcodes of a handheld scanner's file (one per line, or CSV) to stocktake "
        "ID; barcodes already scanned count once, so uploading a file twice is harmless."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("stocktake", type=int, help="the stocktake's number (ID)")
        parser.add_argument("file", help="the scanner's .txt or .csv file")
        parser.add_argument("--location", default=None, help="location code where it was scanned")
        parser.add_argument(
            "--library", default=None, help="library code (default: the default library)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            library = library_by_code(options["library"])
            if os.path.getsize(path) > MAX_BYTES:
                raise DomainError(_("文件超过 5 MB。"), code="file_too_large")
            with open(path, "rb") as fh:
                barcodes = reconcile.parse_scanner_file(scanner_files.decode(fh.read()))
            got = services.stocktake_scan(
                actor=Actor.system(library, AuditEvent.Channel.CLI),
                stocktake_id=options["stocktake"],
                barcodes=barcodes,
                location_code=options["location"],
                run=f"file:{os.path.basename(path)}"[:60],
            )
        except OSError as exc:
            raise CommandError(_("无法读取文件：%(error)s") % {"error": exc.strerror}) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("新增 %(accepted)d 册，重复 %(duplicates)d 个，未知条码 %(unknown)d 个。")
            % {"accepted": got.accepted, "duplicates": got.duplicates, "unknown": len(got.unknown)}
        )
        if got.unknown:
            self.stdout.write(_("未知条码：%(list)s") % {"list": "、".join(got.unknown)})
