"""A title's history (修改记录): the audit events of the title and of its copies, in
words, as the record page and `GET /api/v1/bibs/{id}/history` show them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from shuxiang.catalog.models import Bib
from shuxiang.core import audit_words
from shuxiang.core.models import AuditEvent

SHOWN = 200


def bib_history(bib: Bib, *, limit: int = SHOWN) -> list[dict[str, Any]]:
    """Newest first: when, who, through which channel, the action in words, the copy
    (barcode) an event is about, and each recorded field old → new in words."""
    audit_words.load()
    barcodes = {str(pk): code for pk, code in bib.items.values_list("pk", "barcode")}
    events = AuditEvent.objects.filter(library_id=bib.library_id).filter(
        Q(object_type="catalog.bib", object_id=str(bib.pk))
        | Q(object_type="catalog.item", object_id__in=list(barcodes))
    )
    rows = []
    for event in events.order_by("-at", "-id")[:limit]:
        is_item = event.object_type == "catalog.item"
        before = event.before if isinstance(event.before, dict) else {}
        after = event.after if isinstance(event.after, dict) else {}
        keys = list(before) + [k for k in after if k not in before]
        words = audit_words.changes(event.object_type, before, after)
        rows.append(
            {
                "at": event.at,
                "actor": event.actor_name,
                "channel": event.get_channel_display(),
                "action": event.action,
                "action_words": audit_words.action_words(event.action),
                "object": "item" if is_item else "bib",
                "barcode": barcodes.get(event.object_id) if is_item else None,
                "changes": [
                    {"field": key, "label": c.label, "before": c.before, "after": c.after}
                    for key, c in zip(keys, words, strict=True)
                ],
            }
        )
    return rows
