"""The public site's notices (公告) and loan rules (借阅制度): one function per use case,
each one transaction with an audit event, scoped to the actor's library and allowed to
those who run the library's settings (capability `manage_settings`: the librarian and
the school's admin)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Forbidden, Invalid, NotFound
from shuxiang.core.permissions import can
from shuxiang.opac import rules
from shuxiang.opac.models import Notice

CAPABILITY = "manage_settings"


def _require(actor: Actor) -> None:
    if actor.library is None or (actor.user is not None and not can(actor.user, CAPABILITY)):
        raise Forbidden(_("您没有执行此操作的权限。"), code="forbidden")


def _check(title: str, body: str, show_until: dt.date | None = None) -> None:
    problems = rules.notice_problems(
        title=title, body=body, show_until=show_until, today=clock.today()
    )
    if problems:
        raise Invalid(" ".join(problems), code="invalid_notice")


def _state(notice: Notice) -> dict[str, object]:
    return {
        "title": notice.title,
        "body_chars": len(notice.body),
        "published": notice.published,
        "pinned": notice.pinned,
        "show_until": notice.show_until.isoformat() if notice.show_until else None,
    }


def _notice(actor: Actor, notice_id: int) -> Notice:
    notice = (
        Notice.objects.select_for_update()
        .filter(library=actor.library, kind=Notice.Kind.NOTICE, pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound(_("没有这条公告。"), code="notice_not_found")
    return notice


@transaction.atomic
def notice_create(
    *,
    actor: Actor,
    title: str,
    body: str = "",
    pinned: bool = False,
    published: bool = True,
    show_until: dt.date | None = None,
) -> Notice:
    """Post a notice (or keep it as a draft with published=False)."""
    _require(actor)
    _check(title, body, show_until)
    notice = Notice.objects.create(
        library=actor.library,
        kind=Notice.Kind.NOTICE,
        title=title.strip(),
        body=body.strip(),
        pinned=pinned,
        published=published,
        show_until=show_until,
        published_at=clock.now() if published else None,
    )
    audit.record(actor, "notice.create", notice, after=_state(notice))
    return notice


@transaction.atomic
def notice_update(
    *,
    actor: Actor,
    notice_id: int,
    title: str,
    body: str = "",
    pinned: bool = False,
    show_until: dt.date | None = None,
) -> Notice:
    """Change a notice's words, pin or end date (published or not)."""
    _require(actor)
    notice = _notice(actor, notice_id)
    _check(title, body, show_until)
    before = _state(notice)
    notice.title, notice.body = title.strip(), body.strip()
    notice.pinned, notice.show_until = pinned, show_until
    notice.save(update_fields=["title", "body", "pinned", "show_until", "updated_at"])
    audit.record(actor, "notice.update", notice, before=before, after=_state(notice))
    return notice


@transaction.atomic
def notice_retire(*, actor: Actor, notice_id: int) -> Notice:
    """Take a notice off the public site (it is kept, and may be posted again)."""
    _require(actor)
    notice = _notice(actor, notice_id)
    if notice.published:
        notice.published = False
        notice.save(update_fields=["published", "updated_at"])
        audit.record(
            actor, "notice.retire", notice, before={"published": True}, after={"published": False}
        )
    return notice


@transaction.atomic
def notice_publish(*, actor: Actor, notice_id: int) -> Notice:
    """Post a draft or a retired notice (again)."""
    _require(actor)
    notice = _notice(actor, notice_id)
    if not notice.published:
        notice.published = True
        notice.published_at = clock.now()
        notice.save(update_fields=["published", "published_at", "updated_at"])
        audit.record(
            actor, "notice.publish", notice, before={"published": False}, after={"published": True}
        )
    return notice


@transaction.atomic
def rules_update(*, actor: Actor, title: str, body: str) -> Notice:
    """Write the library's loan rules (借阅制度), shown on /rules/; an empty text takes
    the page down."""
    _require(actor)
    title = title.strip() or str(_("借阅制度"))
    _check(title, body)
    current = (
        Notice.objects.select_for_update()
        .filter(library=actor.library, kind=Notice.Kind.RULES)
        .first()
    )
    body = body.strip()
    if current is None:
        current = Notice.objects.create(
            library=actor.library,
            kind=Notice.Kind.RULES,
            title=title,
            body=body,
            published=bool(body),
            published_at=clock.now(),
        )
        audit.record(actor, "rules.update", current, after=_state(current))
        return current
    before = _state(current)
    if (current.title, current.body) == (title, body):
        return current
    current.title, current.body, current.published = title, body, bool(body)
    current.published_at = clock.now()
    current.save(update_fields=["title", "body", "published", "published_at", "updated_at"])
    audit.record(actor, "rules.update", current, before=before, after=_state(current))
    return current
