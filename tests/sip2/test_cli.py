"""`shuxiang sip2` and `shuxiang serve --sip2-port` as a school runs them: separate
processes on a fresh folder, and the Sip2 package's client (PyPI, 1.1) at the other end
of a real TCP connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "shuxiang"

SEED = """
from shuxiang.catalog.services import bib_create, item_create
from shuxiang.core.audit import Actor
from shuxiang.core.libraries import library_by_code
from shuxiang.patrons.services import patron_create
actor = Actor.system(library_by_code("main"))
patron_create(actor=actor, card="R800001", name="欧阳小明", category="teacher")
for barcode, title in [("80000001", "朝花夕拾"), ("80000002", "城南旧事")]:
    bib = bib_create(actor=actor, title=title)
    item_create(actor=actor, bib_id=bib.pk, barcode=barcode)
"""


def _env(var: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SHUXIANG_DB_URL", "SHUXIANG_PG"))
    }
    env["SHUXIANG_VAR_DIR"] = str(var)
    return env


def _run(var: Path, *args: str) -> str:
    result = subprocess.run(
        [str(BIN), *args], env=_env(var), capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read() + process.stderr.read())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("sip2site")
    _run(var, "setup", "--name", "实验中学图书馆")
    out = _run(var, "createuser", "kiosk1", "--role", "kiosk", "--password", "kiosk-secret")
    assert "created kiosk1 (kiosk)" in out
    _run(var, "shell", "-c", SEED)
    return var


def _client(port: int, tmp_path: Path):
    from Sip2.sip2 import Sip2

    client = Sip2()
    client.hostName, client.hostPort, client.tlsEnable = "127.0.0.1", port, False
    client.logfile_path, client.loglevel = str(tmp_path), "WARNING"
    client.institutionId, client.patron, client.socketTimeout = "main", "R800001", 30
    client.connect()
    return client


def test_the_real_client_against_shuxiang_sip2(site, tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN), "sip2", "--port", str(port)],
        env=_env(site),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(port, process)
        c = _client(port, tmp_path)
        ask = c.get_response
        assert (
            c.sip_login_response(ask(c.sip_login_request("kiosk1", "kiosk-secret")))["fixed"]["Ok"]
            == "1"
        )
        assert (
            c.sip_sc_status_response(ask(c.sip_sc_status_request()))["fixed"]["OnlineStatus"] == "Y"
        )
        info = c.sip_patron_information_response(ask(c.sip_patron_information_request("charged")))
        assert info["variable"]["AE"] == ["欧阳小明"]
        for barcode in ("80000001", "80000002"):
            assert (
                c.sip_checkout_response(ask(c.sip_checkout_request(barcode)))["fixed"]["Ok"] == "1"
            )
        assert c.sip_renew_response(ask(c.sip_renew_request("80000001")))["fixed"]["Ok"] == "1"
        assert c.sip_renew_all_response(ask(c.sip_renew_all_request()))["fixed"]["Ok"] == "1"
        item = c.sip_item_information_response(ask(c.sip_item_information_request("80000002")))
        assert item["variable"]["AJ"] == ["城南旧事"]
        assert item["fixed"]["CirculationStatus"] == "04"
        for barcode in ("80000001", "80000002"):
            assert c.sip_checkin_response(ask(c.sip_checkin_request(barcode)))["fixed"]["Ok"] == "1"
        end = c.sip_end_patron_session_response(ask(c.sip_end_patron_session_request()))
        assert end["fixed"]["EndSession"] == "Y"
        c.disconnect()
    finally:
        process.terminate()
        process.wait(30)


def test_serve_runs_sip2_beside_the_web(site, tmp_path):
    web, sip = _free_port(), _free_port()
    process = subprocess.Popen(
        [str(BIN), "serve", "--port", str(web), "--sip2-port", str(sip), "--processes", "2"],
        env=_env(site),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(sip, process)
        _wait_for(web, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/", timeout=30) as response:
            assert response.status == 200
        c = _client(sip, tmp_path)
        assert (
            c.sip_login_response(c.get_response(c.sip_login_request("kiosk1", "kiosk-secret")))[
                "fixed"
            ]["Ok"]
            == "1"
        )
        status = c.sip_sc_status_response(c.get_response(c.sip_sc_status_request()))
        assert status["fixed"]["OnlineStatus"] == "Y"
        c.disconnect()
    finally:
        process.terminate()
        process.wait(30)
