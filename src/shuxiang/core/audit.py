"""The audit log: every change to loans, fees, item status and patron status is recorded
with who, when, through which channel, and the state before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from shuxiang.core import clock, rows
from shuxiang.core.models import AuditEvent, Library


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
) -> AuditEvent:
    """Write one audit event inside the caller's transaction.

    Every loan, fee and status change passes through here, on the desk's hot path, so
    the row goes in with a statement made once per process (`core.rows`)."""
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
    )
    rows.insert(event)
    return event
