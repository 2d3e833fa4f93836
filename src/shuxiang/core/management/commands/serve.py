from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site with waitress, a multi-threaded WSGI server that also runs on Windows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from shuxiang.wsgi import application

        self.stdout.write(
            f"Shuxiang serving on http://{options['host']}:{options['port']}/  (Ctrl+C to stop)"
        )
        self.stdout.flush()
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="shuxiang",
            channel_timeout=60,
        )
