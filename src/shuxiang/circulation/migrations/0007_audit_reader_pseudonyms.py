"""Events written before the audit log named readers by pseudonym carried the reader's
card number (in `after`) and id (in the object's name). Rewrite them once so that
anonymizing a history can cut the link for old events too: the reader becomes the
pseudonym, the card number goes. The log is append-only, so its guard is lifted for
this one rewrite and put back in the same transaction."""

import secrets

from django.db import migrations

from shuxiang.core import audit_guard

MODELS = {"circulation.loan": "Loan", "circulation.hold": "Hold", "circulation.fee": "Fee"}


def _name(object_type, obj):
    if object_type == "circulation.loan":
        if obj.school_class_id:
            return f"{obj.item_id} → {obj.school_class_id} ({obj.status})"
        return f"{obj.item_id} ({obj.status})"
    if object_type == "circulation.hold":
        return f"{obj.bib_id} ({obj.status})"
    return None  # a fee's name never held the reader


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditReader = apps.get_model("core", "AuditReader")
    Patron = apps.get_model("patrons", "Patron")
    events = AuditEvent.objects.filter(object_type__in=MODELS, reader__isnull=True)
    if not events.exists():
        return
    anonymous = set(Patron.objects.filter(anonymous=True).values_list("pk", flat=True))
    links = {(r.library_id, r.patron_id): r.pseudonym for r in AuditReader.objects.all()}
    connection = schema_editor.connection
    audit_guard.remove(connection)
    for event in events.iterator(chunk_size=2000):
        model = apps.get_model("circulation", MODELS[event.object_type])
        obj = model.objects.filter(pk=event.object_id).first() if event.object_id.isdigit() else None
        patron_id = getattr(obj, "patron_id", None)
        if patron_id and patron_id not in anonymous:
            key = (event.library_id, patron_id)
            if key not in links:
                links[key] = "R" + secrets.token_hex(6)
                AuditReader.objects.create(
                    library_id=event.library_id, patron_id=patron_id, pseudonym=links[key]
                )
            event.reader = links[key]
        for side in (event.before, event.after):
            if isinstance(side, dict):
                side.pop("patron", None)
        name = _name(event.object_type, obj) if obj is not None else None
        if name is not None:
            event.object_repr = name
        event.save(update_fields=["reader", "before", "after", "object_repr"])
    audit_guard.install(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("circulation", "0006_loan_channel_choices"),
        ("core", "0007_audit_reader_pseudonyms"),
        ("patrons", "0002_readers_cards_privacy_promotion"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
