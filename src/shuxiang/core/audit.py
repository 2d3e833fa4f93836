"""The audit log: every change to loans, fees, item status and patron status is recorded
with who, when, through which channel, and the state before and after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router

from shuxiang.core import clock
from shuxiang.core.models import AuditEvent, Library

_COLUMNS = (
    "library_id",
    "at",
    "actor_id",
    "actor_name",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, for which library, through which channel (web, api, cli, sip2)."""

    library: Library
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


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def record(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit event inside the caller's transaction.

    Every loan, fee and status change passes through here, on the desk's hot path, so
    the row goes in with one prepared INSERT instead of the ORM's compile step."""
    at = clock.now()
    values = {
        "library_id": actor.library.pk,
        "at": at,
        "actor_id": actor.user.pk if getattr(actor.user, "pk", None) else None,
        "actor_name": actor.name[:150],
        "channel": actor.channel,
        "action": action,
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "before": before,
        "after": after,
        "reason": reason[:200],
    }
    connection = connections[router.db_for_write(AuditEvent)]
    params = [values[c] for c in _COLUMNS]
    params[1] = connection.ops.adapt_datetimefield_value(at)
    params[9], params[10] = _json(before), _json(after)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    if connection.vendor == "postgresql":
        marks = "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s"
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"
    else:
        marks = ", ".join(["%s"] * len(_COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if connection.vendor == "postgresql" else cursor.lastrowid
    event = AuditEvent(pk=pk, **values)
    event._state.adding = False
    event._state.db = connection.alias
    return event
