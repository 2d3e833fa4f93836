from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.sip2 import codec
from shuxiang.sip2.server import IDLE_TIMEOUT, Sip2Server


class Command(BaseCommand):
    help = (
        "Serve SIP2 for self-service kiosks, book drops and RFID gates (自助借还机).\n"
        "3M Standard Interchange Protocol 2.00; kiosks log in (message 93) with a login "
        "made by `shuxiang createuser NAME --role kiosk --password SECRET`."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=6001)
        parser.add_argument(
            "--encoding",
            choices=codec.ENCODINGS,
            default="utf-8",
            help="character set kiosks speak until one sends Chinese text in the other "
            "(default utf-8; many Chinese vendors use gb18030)",
        )
        parser.add_argument(
            "--idle-timeout",
            type=float,
            default=IDLE_TIMEOUT,
            help=f"seconds a silent connection stays open (default {IDLE_TIMEOUT:g})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = Sip2Server(
                (options["host"], options["port"]),
                encoding=options["encoding"],
                idle_timeout=options["idle_timeout"],
            )
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc.strerror}"
            ) from exc
        self.stdout.write(
            f"Shuxiang SIP2 server on {options['host']}:{options['port']} "
            f"({options['encoding']}; Ctrl+C to stop)"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
