"""Z39.50 servers are written by sru.services like SRU ones, with an audit event; bad
settings are refused with a stable code and change nothing; the database refuses a
server it could not reach."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from shuxiang.core.errors import DomainError
from shuxiang.core.models import AuditEvent
from shuxiang.sru.models import SruServer
from shuxiang.sru.services import sru_server_create, sru_server_update


def test_create_a_z3950_server_with_defaults(actor, library):
    server = sru_server_create(
        actor=actor, name=" 国家图书馆 ", protocol="z3950", host=" opac.example.cn "
    )
    assert (server.name, server.host, server.port) == ("国家图书馆", "opac.example.cn", 210)
    assert (server.record_syntax, server.charset, server.url) == ("marc21", "auto", "")
    assert server.target == "opac.example.cn:210"
    event = AuditEvent.objects.get(action="sru_server.create")
    assert event.after["protocol"] == "z3950" and event.after["port"] == 210


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("tcp:z.example.org:9991", "", ("z.example.org", 9991)),
        ("z.example.org:9991", "", ("z.example.org", 9991)),
        ("z.example.org:9991", "2100", ("z.example.org", 2100)),  # the port field wins
        ("10.1.2.3", 7090, ("10.1.2.3", 7090)),
    ],
)
def test_hosts_as_servers_write_them(actor, library, host, port, expected):
    server = sru_server_create(actor=actor, name="区馆", protocol="z3950", host=host, port=port)
    assert (server.host, server.port) == expected


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"host": ""}, "host_required"),
        ({"host": "http://z.example.org/"}, "invalid_host"),
        ({"host": "z example.org"}, "invalid_host"),
        ({"host": "z..example.org"}, "invalid_host"),
        ({"host": "z.example.org", "port": "0"}, "invalid_port"),
        ({"host": "z.example.org", "port": "65536"}, "invalid_port"),
        ({"host": "z.example.org", "port": "二一〇"}, "invalid_port"),
        ({"host": "z.example.org", "record_syntax": "marcxml"}, "invalid_record_syntax"),
        ({"host": "z.example.org", "charset": "big5"}, "invalid_charset"),
        ({"host": "z.example.org", "protocol": "ftp"}, "invalid_protocol"),
        ({"host": "z.example.org", "name": " "}, "name_required"),
    ],
)
def test_bad_z3950_servers_are_refused(actor, library, values, code):
    arguments = {"name": "国图", "protocol": "z3950", **values}
    with pytest.raises(DomainError) as exc:
        sru_server_create(actor=actor, **arguments)
    assert exc.value.code == code and exc.value.message
    assert not SruServer.objects.exists()
    assert not AuditEvent.objects.filter(action="sru_server.create").exists()


def test_switch_an_sru_server_to_z3950_and_back(actor, library):
    server = sru_server_create(actor=actor, name="区馆", url="http://127.0.0.1:2100")
    with pytest.raises(DomainError) as exc:
        sru_server_update(actor=actor, server_id=server.pk, protocol="z3950")
    assert exc.value.code == "host_required"
    server.refresh_from_db()
    assert server.protocol == "sru"
    sru_server_update(
        actor=actor,
        server_id=server.pk,
        protocol="z3950",
        host="127.0.0.1",
        port="2100",
        charset="gbk",
        record_syntax="cnmarc",
    )
    server.refresh_from_db()
    assert (server.protocol, server.port, server.charset) == ("z3950", 2100, "gbk")
    event = AuditEvent.objects.filter(action="sru_server.update").latest("id")
    assert (event.before["protocol"], event.after["protocol"]) == ("sru", "z3950")
    assert (event.before["charset"], event.after["charset"]) == ("auto", "gbk")


def test_the_database_refuses_a_server_without_a_target(library):
    with pytest.raises(IntegrityError), transaction.atomic():
        SruServer.objects.create(library=library, name="无主机", protocol="z3950", port=210)
    with pytest.raises(IntegrityError), transaction.atomic():
        SruServer.objects.create(
            library=library, name="端口错", protocol="z3950", host="h", port=70000
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SruServer.objects.create(library=library, name="无地址", protocol="sru", url="")
    assert not SruServer.objects.exists()


def test_another_librarys_server_is_not_found(actor, library):
    from shuxiang.core.services import library_setup

    other = library_setup(code="other", name="二中图书馆", school_name="二中")
    theirs = SruServer.objects.create(
        library=other, name="二中的服务器", protocol="z3950", host="h.example.org", port=210
    )
    with pytest.raises(DomainError) as exc:
        sru_server_update(actor=actor, server_id=theirs.pk, enabled=False)
    assert exc.value.code == "sru_server_not_found"
    theirs.refresh_from_db()
    assert theirs.enabled
