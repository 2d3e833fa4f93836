"""The checks a notice and the loan rules text must pass (pure: values in, problems out).
The staff form asks them to list every problem at once; the services ask again and
refuse (opac.services)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

TITLE_MAX = 200
BODY_MAX = 20_000


def notice_problems(
    *, title: str, body: str, show_until: dt.date | None = None, today: dt.date | None = None
) -> list[str]:
    """Why this notice cannot be saved ([] when it can)."""
    problems = []
    if not title.strip():
        problems.append(_("请填写标题。"))
    elif len(title.strip()) > TITLE_MAX:
        problems.append(_("标题最多 %(n)s 个字。") % {"n": TITLE_MAX})
    if len(body) > BODY_MAX:
        problems.append(_("正文最多 %(n)s 个字。") % {"n": BODY_MAX})
    if show_until is not None and today is not None and show_until < today:
        problems.append(_("“显示至”的日期已经过去。"))
    return problems


def notice_shown(*, published: bool, show_until: dt.date | None, today: dt.date) -> bool:
    """Whether the public site shows a notice today."""
    return published and (show_until is None or show_until >= today)
