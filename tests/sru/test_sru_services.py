"""SRU servers are written by sru.services, with an audit event, whichever page asks."""

from __future__ import annotations

import pytest

from shuxiang.core.errors import DomainError
from shuxiang.core.models import AuditEvent
from shuxiang.sru.models import SruServer
from shuxiang.sru.services import sru_server_create, sru_server_update


def test_create_then_switch_off_and_rename(actor, library):
    server = sru_server_create(actor=actor, name=" 区图书馆 ", url="http://127.0.0.1:2100")
    assert (server.name, server.record_schema, server.enabled) == ("区图书馆", "marcxml", True)
    sru_server_update(actor=actor, server_id=server.pk, enabled=False)
    sru_server_update(actor=actor, server_id=server.pk, name="国图", record_schema="")
    server.refresh_from_db()
    assert (server.name, server.enabled, server.record_schema) == ("国图", False, "marcxml")
    events = list(AuditEvent.objects.filter(action__startswith="sru_server.").order_by("id"))
    assert [e.action for e in events] == [
        "sru_server.create",
        "sru_server.update",
        "sru_server.update",
    ]
    assert (events[1].before["enabled"], events[1].after["enabled"]) == (True, False)
    # Nothing changed, nothing written.
    sru_server_update(actor=actor, server_id=server.pk, enabled=False)
    assert AuditEvent.objects.filter(action="sru_server.update").count() == 2


@pytest.mark.parametrize(
    ("name", "url", "code"),
    [
        ("", "http://x.org", "name_required"),
        ("国图", "not a url", "invalid_url"),
        ("国图", "ftp://x.org", "invalid_url"),
    ],
)
def test_bad_servers_are_refused(actor, library, name, url, code):
    with pytest.raises(DomainError) as exc:
        sru_server_create(actor=actor, name=name, url=url)
    assert exc.value.code == code
    assert not SruServer.objects.exists()


def test_another_librarys_server_is_not_found(actor, library):
    with pytest.raises(DomainError) as exc:
        sru_server_update(actor=actor, server_id=999999, enabled=False)
    assert exc.value.code == "sru_server_not_found"
