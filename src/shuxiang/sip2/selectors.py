"""What the librarian's kiosk page shows: each kiosk login of the library, its last
transaction and today's transactions, read from the audit log (every SIP2 change is
an audit event naming the kiosk, channel sip2)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max

from shuxiang.core import clock
from shuxiang.core.models import AuditEvent, Library
from shuxiang.core.permissions import KIOSK

COUNTED = {
    "loan.checkout": "checkouts",
    "loan.checkin": "checkins",
    "item.found": "checkins",
    "loan.renew": "renewals",
}


def kiosks(library: Library) -> list[dict[str, Any]]:
    users = list(
        get_user_model()
        .objects.filter(groups__name=KIOSK, membership__library=library)
        .order_by("username")
    )
    zone = zoneinfo.ZoneInfo(library.time_zone)
    start = dt.datetime.combine(clock.now().astimezone(zone).date(), dt.time(), tzinfo=zone)
    events = AuditEvent.objects.filter(
        library=library,
        channel=AuditEvent.Channel.SIP2,
        actor_id__isnull=True,
        actor_name__in=[u.username for u in users],
    )
    last = dict(events.values("actor_name").annotate(at=Max("at")).values_list("actor_name", "at"))
    today: dict[str, dict[str, int]] = {}
    for row in (
        events.filter(at__gte=start, action__in=list(COUNTED))
        .values("actor_name", "action")
        .annotate(n=Count("id"))
    ):
        counts = today.setdefault(row["actor_name"], {"checkouts": 0, "checkins": 0, "renewals": 0})
        counts[COUNTED[row["action"]]] += row["n"]
    return [
        {
            "username": user.username,
            "name": user.first_name,
            "active": user.is_active,
            "last_activity": last.get(user.username),
            "today": today.get(user.username, {"checkouts": 0, "checkins": 0, "renewals": 0}),
        }
        for user in users
    ]
