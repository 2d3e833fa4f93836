"""Copy-cataloging server write operations (the SRU and Z39.50 servers a library copies
records from, 套录): one function per use case, one transaction each, with an audit
event."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Invalid, NotFound
from shuxiang.sru.models import SruServer

DEFAULT_SCHEMA = "marcxml"
Z3950_PORT = 210  # the port Z39.50 registered; most servers say so only when it differs
FIELDS = (
    "name",
    "protocol",
    "url",
    "host",
    "port",
    "database",
    "record_schema",
    "record_syntax",
    "charset",
    "enabled",
)
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$")


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("请填写服务器名称。"), code="name_required")
    return name


def _url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise Invalid(_("地址应为 http:// 或 https:// 开头的网址。"), code="invalid_url") from exc
    return url


def _host_port(host: str, port: int | str | None) -> tuple[str, int]:
    """The host and port of a Z39.50 server. A host pasted as "tcp:host:port" or
    "host:port" (as servers' instructions often write it) is split."""
    host = (host or "").strip()
    if host.lower().startswith("tcp:"):
        host = host[4:]
    if host.count(":") == 1 and "/" not in host:
        host, _sep, pasted = host.partition(":")
        if port in (None, ""):
            port = pasted
    if not host:
        raise Invalid(_("请填写 Z39.50 服务器的主机名或 IP 地址。"), code="host_required")
    if not _HOST.match(host) or ".." in host:
        raise Invalid(
            _("主机名只能包含字母、数字、点和连字符，例如 z3950.example.org。"),
            code="invalid_host",
        )
    if port in (None, ""):
        return host, Z3950_PORT
    text = str(port).strip()
    if not text.isdecimal() or not 1 <= int(text) <= 65535:
        raise Invalid(_("端口应为 1 到 65535 之间的整数。"), code="invalid_port")
    return host, int(text)


def _choice(value: str | None, choices: type, default: str, code: str) -> str:
    value = (value or "").strip().lower() or default
    if value not in choices.values:
        raise Invalid(
            _("%(value)s 不是可选的值（可选：%(choices)s）。")
            % {"value": value, "choices": "、".join(choices.values)},
            code=code,
        )
    return value


def _state(server: SruServer) -> dict:
    return {name: getattr(server, name) for name in FIELDS}


def _apply(server: SruServer, values: dict) -> None:
    """Check and set the given values (None: keep) so that the server is complete for
    its protocol; Invalid with a stable code otherwise."""
    if values.get("name") is not None:
        server.name = _name(values["name"])
    if values.get("protocol") is not None:
        server.protocol = _choice(
            values["protocol"], SruServer.Protocol, SruServer.Protocol.SRU, "invalid_protocol"
        )
    for key in ("url", "host", "database"):
        if values.get(key) is not None:
            setattr(server, key, str(values[key]).strip())
    if values.get("port") is not None:
        server.port = values["port"] if values["port"] != "" else None
    if values.get("record_schema") is not None:
        server.record_schema = values["record_schema"].strip() or DEFAULT_SCHEMA
    if values.get("record_syntax") is not None:
        server.record_syntax = _choice(
            values["record_syntax"],
            SruServer.RecordSyntax,
            SruServer.RecordSyntax.MARC21,
            "invalid_record_syntax",
        )
    if values.get("charset") is not None:
        server.charset = _choice(
            values["charset"], SruServer.Charset, SruServer.Charset.AUTO, "invalid_charset"
        )
    if values.get("enabled") is not None:
        server.enabled = values["enabled"]
    if server.protocol == SruServer.Protocol.Z3950:
        server.host, server.port = _host_port(server.host, server.port)
    else:
        server.url = _url(server.url)


@transaction.atomic
def sru_server_create(
    *,
    actor: Actor,
    name: str,
    url: str = "",
    database: str = "",
    record_schema: str = "",
    enabled: bool = True,
    protocol: str = SruServer.Protocol.SRU,
    host: str = "",
    port: int | str | None = None,
    record_syntax: str = "",
    charset: str = "",
) -> SruServer:
    """Add a copy-cataloging server to the actor's library: an SRU server by its http(s)
    address (invalid_url) and record schema (MARCXML when empty), or a Z39.50 server by
    host (host_required, invalid_host) and port (210 when empty, invalid_port), record
    syntax (MARC 21 when empty) and character set (detected per record when empty)."""
    server = SruServer(library=actor.library)
    _apply(
        server,
        {
            "name": name,
            "protocol": protocol,
            "url": url,
            "host": host,
            "port": port if port is not None else "",
            "database": database,
            "record_schema": record_schema,
            "record_syntax": record_syntax,
            "charset": charset,
            "enabled": enabled,
        },
    )
    server.save()
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
    protocol: str | None = None,
    host: str | None = None,
    port: int | str | None = None,
    record_syntax: str | None = None,
    charset: str | None = None,
) -> SruServer:
    """Change a server of the actor's library; the values left None stay as they are
    (switching a server on or off passes only `enabled`)."""
    server = (
        SruServer.objects.select_for_update().filter(library=actor.library, pk=server_id).first()
    )
    if server is None:
        raise NotFound(
            _("没有编号为 %(id)s 的套录服务器。") % {"id": server_id}, code="sru_server_not_found"
        )
    before = _state(server)
    _apply(
        server,
        {
            "name": name,
            "protocol": protocol,
            "url": url,
            "host": host,
            "port": port,
            "database": database,
            "record_schema": record_schema,
            "record_syntax": record_syntax,
            "charset": charset,
            "enabled": enabled,
        },
    )
    after = _state(server)
    if after != before:
        server.save(update_fields=[k for k in FIELDS if after[k] != before[k]])
        audit.record(actor, "sru_server.update", server, before=before, after=after)
    return server
