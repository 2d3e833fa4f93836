"""The audit log: every change to loans, fees, item status and patron status is recorded
with who, when, through which channel, and the state before and after."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from shuxiang.core import clock, rows
from shuxiang.core.models import AuditEvent, AuditReader, Library


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, for which library, through which channel (web, api, cli, sip2,
    admin). Only a deployment-level change (a superuser, a role group) has no library."""

    library: Library | None
    user: Any = None
    channel: str = AuditEvent.Channel.WEB

    @property
    def name(self) -> str:
        if self.user is None:
            return str(AuditEvent.Channel(self.channel).label)
        return self.user.get_username()

    @classmethod
    def of_request(cls, request: Any, channel: str = AuditEvent.Channel.WEB) -> Actor:
        """The logged-in user acting for their library through a web page (or the API)."""
        return cls(library=request.library, user=request.user, channel=channel)

    @classmethod
    def system(cls, library: Library, channel: str = AuditEvent.Channel.SYSTEM) -> Actor:
        return cls(library=library, user=None, channel=channel)


def record(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    reader: Any = None,
) -> AuditEvent:
    """Write one audit event inside the caller's transaction.

    `reader` is the reader (or their id) an event about a loan, hold or fee concerns (by
    default the reader of an object whose model names it in `audit_reader_field`): the
    event names them by pseudonym only (`pseudonym_of`), so that anonymizing their
    history can cut the link. Such events must not carry the card number or name in
    `before`/`after` either.

    Every loan, fee and status change passes through here, on the desk's hot path, so
    the row goes in with a statement made once per process (`core.rows`)."""
    if reader is None:
        field = getattr(obj, "audit_reader_field", None)
        reader = getattr(obj, field) if field else None
    pseudonym = None
    if reader and actor.library is not None:
        # A reader read on the desk's path carries their pseudonym from the same query
        # (`audit_pseudonym`); otherwise it is looked up, and made on first use.
        pseudonym = getattr(reader, "audit_pseudonym", None) or pseudonym_of(
            actor.library, getattr(reader, "pk", reader)
        )
    event = AuditEvent(
        library_id=actor.library.pk if actor.library is not None else None,
        at=clock.now(),
        actor_id=actor.user.pk if getattr(actor.user, "pk", None) else None,
        actor_name=actor.name[:150],
        channel=actor.channel,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        reason=reason[:200],
        reader=pseudonym,
    )
    rows.insert(event)
    return event


def pseudonym_of(library: Library, patron_id: int) -> str:
    """The pseudonym the audit log knows this reader by, made on first use."""
    # Plain SQL: this runs on every desk loan, where compiling the query would cost more
    # than answering it.
    with connection.cursor() as cursor:
        cursor.execute(_PSEUDONYM_SQL, [library.pk, patron_id])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    link = AuditReader(library=library, patron_id=patron_id, pseudonym=_new_pseudonym())
    rows.insert(link)
    return link.pseudonym


_PSEUDONYM_SQL = (
    f"SELECT pseudonym FROM {AuditReader._meta.db_table} WHERE library_id = %s AND patron_id = %s"
)


def _new_pseudonym() -> str:
    # 12 hex characters from the system's random source: nothing about the reader.
    return "R" + secrets.token_hex(6)


def pseudonyms_of(library: Library, patron_id: int) -> list[str]:
    """The reader's pseudonym still linked (a list: none after anonymization)."""
    return list(
        AuditReader.objects.filter(library=library, patron_id=patron_id).values_list(
            "pseudonym", flat=True
        )
    )


def readers_of(library: Library, pseudonyms: list[str]) -> dict[str, int]:
    """Pseudonym → reader id, for the pseudonyms whose link still stands."""
    return dict(
        AuditReader.objects.filter(library=library, pseudonym__in=pseudonyms).values_list(
            "pseudonym", "patron_id"
        )
    )


def linked_readers(library: Library, patron_ids: Any) -> list[int]:
    """Of these readers (ids or a query of ids), those whose pseudonym is still linked."""
    return list(
        AuditReader.objects.filter(library=library, patron_id__in=patron_ids).values_list(
            "patron_id", flat=True
        )
    )


def forget_reader(library: Library, patron_id: int) -> bool:
    """Cut the link between the reader and the audit log's pseudonym for them: their
    past events stay but lead to nobody. True when there was a link to cut."""
    deleted, _ = AuditReader.objects.filter(library=library, patron_id=patron_id).delete()
    return bool(deleted)
