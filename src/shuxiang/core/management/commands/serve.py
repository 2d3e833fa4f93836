import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError


def _default_processes() -> int:
    # Python runs one request at a time per process (the GIL); a second process lets a
    # two-core school PC use both cores. Windows has no fork: threads only there.
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


class Command(BaseCommand):
    help = "Serve the site with waitress, a multi-threaded WSGI server that also runs on Windows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--threads", type=int, default=8, help="worker threads per process (default 8)"
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=_default_processes(),
            help="worker processes sharing the port (default: one per core, up to 4; always 1 on Windows)",
        )
        parser.add_argument(
            "--sip2-port",
            type=int,
            default=None,
            help="also serve SIP2 for self-service kiosks on this port (on --host), as `shuxiang sip2` does",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from shuxiang.core import server
        from shuxiang.wsgi import application

        host, port = options["host"], options["port"]
        processes = options["processes"] if hasattr(os, "fork") else 1
        listener = server.listen(host, port)
        protocol_servers = []
        if options["sip2_port"] is not None:
            try:
                protocol_servers.append(server.protocol_server("sip2", host, options["sip2_port"]))
            except OSError as exc:
                raise CommandError(
                    f"cannot listen for SIP2 on {host}:{options['sip2_port']}: {exc.strerror}"
                ) from exc
            self.stdout.write(f"SIP2 for self-service kiosks on {host}:{options['sip2_port']}")
        self.stdout.write(
            f"Shuxiang serving on http://{host}:{port}/  "
            f"({processes} process{'es' if processes > 1 else ''} × {options['threads']} threads; Ctrl+C to stop)"
        )
        from shuxiang.core.pdf import find_cjk_font

        if find_cjk_font() is None:
            # Labels, cards and slips are PDFs with Chinese text: say so now, not at the
            # first print (the pages answer with the same advice).
            self.stderr.write(
                "注意：找不到可嵌入的中文字体，标签、借书证和催还单无法生成 PDF。"
                "请安装：sudo apt-get install fonts-wqy-microhei（或设置 SHUXIANG_CJK_FONT）。\n"
                "Note: no CJK TrueType font found, so labels, cards and slips cannot be made as "
                "PDF. Install one: sudo apt-get install fonts-wqy-microhei (or set SHUXIANG_CJK_FONT)."
            )
        self.stdout.flush()
        server.run(
            application,
            listener,
            threads=options["threads"],
            processes=processes,
            protocol_servers=protocol_servers,
        )
