"""What every import command does at its end: a script or a scheduled job must see from
the exit code alone that rows were refused, so an import that rejected anything exits
non-zero and says so on its last line, after the list of rejections."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def refuse_if_rejected(rejected: int, *, dry_run: bool = False) -> None:
    if not rejected:
        return
    if dry_run:
        message = _("试运行：有 %(n)s 条会被拒绝（见上面的列表），其余可导入。")
    else:
        message = _("有 %(n)s 条被拒绝、未导入（见上面的列表）；其余已导入。")
    raise CommandError(message % {"n": rejected})
