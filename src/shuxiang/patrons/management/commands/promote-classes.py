"""shuxiang promote-classes [--dry-run] [--library CODE]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_by_code
from shuxiang.core.models import AuditEvent
from shuxiang.patrons.services import classes_promote, promotion_preview


class Command(BaseCommand):
    help = "Promote every class one grade up for the next school year (升级); the last grade graduates."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
        parser.add_argument(
            "--library",
            default=None,
            help="library code (default: the deployment's default library)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            library = library_by_code(options["library"])
            preview = promotion_preview(library)
            for line in preview.lines:
                target = "毕业" if line.move.graduates else line.move.to_name
                extra = f"（{line.pending} 人待清还）" if line.pending else ""
                self.stdout.write(f"{line.move.name} → {target}  {line.students} 人{extra}")
            if preview.already_done:
                raise CommandError(f"{preview.from_year} 学年已经升级过了。")
            if options["dry_run"]:
                self.stdout.write(
                    f"试运行：{preview.from_year} → {preview.to_year}，未做任何修改。"
                )
                return
            run = classes_promote(actor=Actor(library=library, channel=AuditEvent.Channel.CLI))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{run.from_year} → {run.to_year}：新建班级 {run.classes_created}，升级学生 {run.students_moved}，"
            f"毕业 {run.students_graduated}，待清还 {run.students_pending}"
        )
