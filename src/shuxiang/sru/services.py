"""SRU server write operations (the servers a library copies records from, 套录): one
function per use case, one transaction each, with an audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Invalid, NotFound
from shuxiang.sru.models import SruServer

DEFAULT_SCHEMA = "marcxml"
FIELDS = ("name", "url", "database", "record_schema", "enabled")


def _checked(name: str, url: str) -> tuple[str, str]:
    name, url = (name or "").strip(), (url or "").strip()
    if not name:
        raise Invalid(_("请填写服务器名称。"), code="name_required")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise Invalid(_("地址应为 http:// 或 https:// 开头的网址。"), code="invalid_url") from exc
    return name, url


def _state(server: SruServer) -> dict:
    return {name: getattr(server, name) for name in FIELDS}


@transaction.atomic
def sru_server_create(
    *,
    actor: Actor,
    name: str,
    url: str,
    database: str = "",
    record_schema: str = "",
    enabled: bool = True,
) -> SruServer:
    """Add an SRU server to the actor's library: a name, an http(s) address
    (invalid_url), the database and the record schema (MARCXML when empty)."""
    name, url = _checked(name, url)
    server = SruServer.objects.create(
        library=actor.library,
        name=name,
        url=url,
        database=(database or "").strip(),
        record_schema=(record_schema or "").strip() or DEFAULT_SCHEMA,
        enabled=enabled,
    )
    audit.record(actor, "sru_server.create", server, after=_state(server))
    return server


@transaction.atomic
def sru_server_update(
    *,
    actor: Actor,
    server_id: int,
    name: str | None = None,
    url: str | None = None,
    database: str | None = None,
    record_schema: str | None = None,
    enabled: bool | None = None,
) -> SruServer:
    """Change an SRU server of the actor's library; the values left None stay as they
    are (switching a server on or off passes only `enabled`)."""
    server = (
        SruServer.objects.select_for_update().filter(library=actor.library, pk=server_id).first()
    )
    if server is None:
        raise NotFound(
            _("没有编号为 %(id)s 的 SRU 服务器。") % {"id": server_id}, code="sru_server_not_found"
        )
    before = _state(server)
    if name is not None or url is not None:
        server.name, server.url = _checked(
            server.name if name is None else name, server.url if url is None else url
        )
    if database is not None:
        server.database = database.strip()
    if record_schema is not None:
        server.record_schema = record_schema.strip() or DEFAULT_SCHEMA
    if enabled is not None:
        server.enabled = enabled
    after = _state(server)
    if after != before:
        server.save(update_fields=[k for k in FIELDS if after[k] != before[k]])
        audit.record(actor, "sru_server.update", server, before=before, after=after)
    return server
