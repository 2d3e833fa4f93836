"""A running SIP2 server on a free port, a kiosk login, readers and copies."""

from __future__ import annotations

import pytest
from django.db import connection

from shuxiang.sip2.server import start_in_background


@pytest.fixture
def kiosk(make_user):
    return make_user("kiosk", username="kiosk1", password="kiosk-secret")


@pytest.fixture
def sip2_server(library):
    server = start_in_background("127.0.0.1", 0, idle_timeout=5)
    yield server
    server.shutdown()
    server.server_close()
    connection.close()


@pytest.fixture
def sip2_port(sip2_server):
    return sip2_server.server_address[1]


@pytest.fixture
def client_factory(sip2_port, tmp_path):
    """The Sip2 package's client (PyPI, 1.1), connected to our server."""
    from Sip2.sip2 import Sip2

    made = []

    def make(**settings):
        client = Sip2()
        client.hostName = "127.0.0.1"
        client.hostPort = sip2_port
        client.tlsEnable = False
        client.logfile_path = str(tmp_path)
        client.loglevel = "WARNING"
        client.institutionId = "main"
        client.socketTimeout = 30
        for key, value in settings.items():
            setattr(client, key, value)
        client.connect()
        made.append(client)
        return client

    yield make
    for client in made:
        try:
            client.disconnect()
        except OSError:
            pass
