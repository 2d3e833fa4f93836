"""The audit log page's reading of the log: its filters and each event in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shuxiang.core import audit, audit_words
from shuxiang.core.models import AuditEvent, Library


@dataclass
class Filters:
    """What the librarian asked for; an empty field filters nothing."""

    action: str = ""
    actor: str = ""
    channel: str = ""
    reader: str = ""  # a card number
    text: str = ""  # in the object's name or id, or the reason
    start: dt.date | None = None
    end: dt.date | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, params: Any) -> Filters:
        found = cls(
            action=params.get("action", "").strip()[:60],
            actor=params.get("actor", "").strip()[:150],
            channel=params.get("channel", "").strip(),
            reader=params.get("reader", "").strip()[:40],
            text=params.get("q", "").strip()[:100],
        )
        if found.channel not in AuditEvent.Channel.values:
            found.channel = ""
        for name in ("start", "end"):
            raw = params.get(name, "").strip()
            if not raw:
                continue
            try:
                setattr(found, name, dt.date.fromisoformat(raw))
            except ValueError:
                found.problems.append(
                    _("日期 %(value)s 无法识别，请按 2026-09-01 的格式填写。") % {"value": raw}
                )
        return found


def events(library: Library, filters: Filters) -> QuerySet[AuditEvent]:
    """The library's events, newest first, narrowed by the filters. A reader is found by
    the pseudonym the log knows them by while the link stands, and by events about the
    reader themselves (their record, their block, views of their history)."""
    found = AuditEvent.objects.filter(library=library).order_by("-at", "-id")
    if filters.action:
        found = found.filter(action=filters.action)
    if filters.actor:
        found = found.filter(actor_name=filters.actor)
    if filters.channel:
        found = found.filter(channel=filters.channel)
    if filters.start:
        found = found.filter(at__date__gte=filters.start)
    if filters.end:
        found = found.filter(at__date__lte=filters.end)
    if filters.text:
        found = found.filter(
            Q(object_repr__icontains=filters.text)
            | Q(object_id=filters.text)
            | Q(reason__icontains=filters.text)
        )
    if filters.reader:
        audit_words.load()
        patron_id = audit_words.reader_by_card(library, filters.reader)
        if patron_id is None:
            return found.none()
        found = found.filter(
            Q(reader__in=audit.pseudonyms_of(library, patron_id))
            | Q(object_type="patrons.patron", object_id=str(patron_id))
        )
    return found


@dataclass
class Line:
    """One event as the page shows it."""

    event: AuditEvent
    action: str
    reader: str
    changes: list[audit_words.Change]


def in_words(library: Library, page: Any) -> list[Line]:
    """The events of one page in words, with the reader behind each pseudonym whose link
    still stands ("已匿名读者" once it is cut)."""
    audit_words.load()
    events = list(page)
    links = audit.readers_of(library, [e.reader for e in events if e.reader])
    names = audit_words.reader_names(library, set(links.values()))
    lines = []
    for event in events:
        reader = ""
        if event.reader:
            patron_id = links.get(event.reader)
            reader = names.get(patron_id, "") if patron_id else str(_("已匿名读者"))
        lines.append(
            Line(
                event=event,
                action=audit_words.action_words(event.action),
                reader=reader,
                changes=audit_words.changes(event.object_type, event.before, event.after),
            )
        )
    return lines


def action_choices() -> list[tuple[str, str]]:
    """Every action the apps name, by their words (no scan of the log)."""
    audit_words.load()
    return sorted(audit_words.known_actions().items(), key=lambda pair: pair[1])
