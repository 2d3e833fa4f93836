"""`shuxiang serve --https`: the site over TLS with a certificate made on this machine,
so that a phone may use its camera to scan barcodes."""

from __future__ import annotations

import datetime as dt
import http.client
import http.cookiejar
import ipaddress
import re
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from cryptography import x509

from shuxiang.core.management.commands.serve import (
    CA_FILE,
    CERT_FILE,
    FromRelay,
    PeerTable,
    TLSRelay,
    ensure_certificate,
    https_origins,
    machine_names,
    tls_context,
)
from tests.browser import BIN, free_port, shuxiang, site_env

LOOPBACK = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]


def _san(path):
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return cert, san.get_values_for_type(x509.DNSName), san.get_values_for_type(x509.IPAddress)


def test_serve_https_answers_over_tls_and_a_phone_can_sign_in(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    shuxiang(var, "setup", "--name", "书香实验中学图书馆")
    shuxiang(var, "createuser", "librarian", "--role", "librarian", "--password", "librarian123")
    port = free_port()
    out = (tmp_path / "serve.out").open("w+")
    proc = subprocess.Popen(
        [str(BIN), "serve", "--https", "--port", str(port)],
        env=site_env(var),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while not (var / "tls" / CA_FILE).exists():
            assert proc.poll() is None and time.time() < deadline, "serve --https did not start"
            time.sleep(0.2)
        trusting = ssl.create_default_context(cafile=str(var / "tls" / CA_FILE))
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=trusting),
            urllib.request.HTTPCookieProcessor(jar),
        )
        while True:
            try:
                page = browser.open(base + "/staff/login/", timeout=5)
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, "no HTTPS answer"
                time.sleep(0.2)
        html = page.read().decode()
        assert page.status == 200 and 'id="id_username"' in html

        # A client that does not trust the certificate is refused.
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(
                base + "/staff/login/", timeout=5, context=ssl.create_default_context()
            )

        # An address typed without "https://" is sent to the same page over HTTPS.
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        plain.request("GET", "/staff/inventory/?x=1", headers={"Host": f"192.168.1.9:{port}"})
        moved = plain.getresponse()
        assert moved.status == 301
        assert moved.getheader("Location") == f"https://192.168.1.9:{port}/staff/inventory/?x=1"
        plain.close()

        # Signing in posts a form: CSRF accepts the https origin, and the cookies are
        # marked Secure.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "librarian", "password": "librarian123"}
        ).encode()
        signed_in = browser.open(
            urllib.request.Request(
                base + "/staff/login/",
                data=form,
                headers={"Origin": base, "Referer": base + "/staff/login/"},
            ),
            timeout=10,
        )
        assert signed_in.status == 200 and signed_in.url.startswith(base + "/staff/")
        assert "/login/" not in signed_in.url
        assert {c.name for c in jar if c.secure} >= {"sessionid", "csrftoken"}
        stocktakes = browser.open(base + "/staff/inventory/", timeout=10)
        assert stocktakes.status == 200 and "清点" in stocktakes.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    out.seek(0)
    said = out.read()
    assert f"https://127.0.0.1:{port}/" in said
    assert "证书信任设置" in said and "CA 证书" in said and str(var / "tls" / CA_FILE) in said
    assert "--host 0.0.0.0" in said  # listening on loopback only: phones cannot reach it

    cert, names, addresses = _san(var / "tls" / CERT_FILE)
    assert "localhost" in names and socket.gethostname() in names
    assert set(LOOPBACK) <= set(addresses)
    ca = x509.load_pem_x509_certificate((var / "tls" / CA_FILE).read_bytes())
    assert cert.issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 825
    assert oct((var / "tls" / "server.key").stat().st_mode & 0o777) == "0o600"


def test_the_certificate_is_kept_and_made_anew_by_the_same_authority_when_needed(tmp_path):
    first = ensure_certificate(tmp_path, ["localhost"], LOOPBACK)
    again = ensure_certificate(tmp_path, ["localhost"], LOOPBACK)
    assert first.made and not again.made and first.fingerprint == again.fingerprint
    ca_before = (tmp_path / CA_FILE).read_bytes()

    # The school PC got a new address from the router: phones keep trusting the authority.
    moved = [*LOOPBACK, ipaddress.ip_address("192.168.1.23")]
    renewed = ensure_certificate(tmp_path, ["localhost", "library-pc"], moved)
    assert renewed.made and (tmp_path / CA_FILE).read_bytes() == ca_before
    _cert, names, addresses = _san(tmp_path / CERT_FILE)
    assert (
        names == ["localhost", "library-pc"] and ipaddress.ip_address("192.168.1.23") in addresses
    )

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=790)
    assert ensure_certificate(tmp_path, ["localhost"], LOOPBACK, now=later).made
    assert not ensure_certificate(tmp_path, ["localhost"], LOOPBACK, now=later).made


def test_requests_from_the_relay_are_https_from_the_caller_the_relay_saw():
    peers = PeerTable()
    peers.put(50123, "::ffff:192.168.1.7")
    peers.put(50124, "fd00::5")
    seen = []

    def app(environ, start_response):
        seen.append((environ["wsgi.url_scheme"], environ["REMOTE_ADDR"]))
        return []

    relayed = FromRelay(app, peers)
    for port in ("50123", "50124", "50125"):
        relayed({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": port}, None)
    assert seen == [("https", "192.168.1.7"), ("https", "fd00::5"), ("https", "127.0.0.1")]
    peers.forget(50123)  # that connection closed
    relayed({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50123"}, None)
    assert seen[-1] == ("https", "127.0.0.1")


def test_the_relay_hands_the_site_the_callers_address_over_tls(tmp_path):
    from waitress import wasyncore
    from waitress.server import create_server

    from shuxiang.core import server

    certificate = ensure_certificate(tmp_path, ["localhost"], LOOPBACK)
    try:
        public = server.listen("::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    backend = server.listen("127.0.0.1", 0)
    peers = PeerTable()
    relay = TLSRelay(public, backend.getsockname()[:2], tls_context(certificate), peers)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['wsgi.url_scheme']} {environ['REMOTE_ADDR']}".encode()]

    site = create_server(FromRelay(app, peers), sockets=[backend])
    stop = threading.Event()

    def serve_site():
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=site._map, count=1)

    threading.Thread(target=relay.serve_forever, daemon=True).start()
    site_thread = threading.Thread(target=serve_site, daemon=True)
    site_thread.start()
    try:
        trusting = ssl.create_default_context(cafile=str(certificate.ca))
        for _ in range(3):  # one connection after another, each from the caller
            conn = http.client.HTTPSConnection("::1", public.getsockname()[1], context=trusting)
            conn.request("GET", "/")
            # waitress sees the relay's loopback IPv4 connection; the site, the caller.
            assert conn.getresponse().read() == b"https ::1"
            conn.close()
        # A response's head and body go out as waitress writes them, not held back for
        # an acknowledgement (Nagle's 40 ms): one connection, forty requests, quickly.
        conn = http.client.HTTPSConnection("::1", public.getsockname()[1], context=trusting)
        conn.request("GET", "/")
        conn.getresponse().read()
        started = time.monotonic()
        for _ in range(40):
            conn.request("GET", "/")
            assert conn.getresponse().read() == b"https ::1"
        assert time.monotonic() - started < 0.5  # some 1.4 s when held back
        conn.close()
    finally:
        stop.set()
        site_thread.join(timeout=5)
        site.close()
        public.close()


def test_the_certificate_names_the_host_it_is_served_under():
    names, addresses = machine_names("library-pc.school.lan")
    assert names[0] == "localhost" and "library-pc.school.lan" in names
    names, addresses = machine_names("192.168.7.20")
    assert ipaddress.ip_address("192.168.7.20") in addresses
    assert set(LOOPBACK) <= set(addresses)
    assert not any(a.is_unspecified for a in machine_names("0.0.0.0")[1])


def test_https_origins_name_the_port_and_bracket_ipv6():
    origins = https_origins(["localhost"], [ipaddress.ip_address("::1")], 8443)
    assert origins == ["https://localhost:8443", "https://[::1]:8443"]
    assert https_origins(["pc"], [], 443) == ["https://pc"]
