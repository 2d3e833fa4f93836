"""`shuxiang reindex`: build the search index again from the catalog."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code


class Command(BaseCommand):
    help = "Rebuild the search index from the catalog (all libraries, or one with --library)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--library", default=None, help="library code (default: every library)")

    def handle(self, *args: Any, **options: Any) -> None:
        from shuxiang.search import engine

        library = None
        if options["library"]:
            try:
                library = library_by_code(options["library"])
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
        bar = tqdm(unit=" titles", desc="reindex", disable=options["verbosity"] == 0)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        started = time.monotonic()
        count = engine.reindex(library, progress=progress)
        bar.close()
        seconds = time.monotonic() - started
        self.stdout.write(
            _("已重建检索索引：%(n)s 种书目，用时 %(s).1f 秒。") % {"n": f"{count:,}", "s": seconds}
        )
