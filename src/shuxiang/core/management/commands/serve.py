"""`shuxiang serve`: the site with waitress, optionally over HTTPS (`--https`).

Browsers let a page use the camera only from a secure origin: HTTPS, or the machine
itself (localhost). A phone scanning barcodes for a stocktake opens the site by the
school PC's address on the network, so it needs HTTPS. waitress speaks plain HTTP only,
so with `--https` a small TLS relay answers on the port and hands each decrypted
connection to waitress on a loopback port of its own. The relay runs as one of
`core.server`'s protocol servers: in the first process, started after the workers are
forked (no thread is copied into a child), while the workers keep sharing the work.

The certificate is made on this machine the first time (`cryptography`): a local
certificate authority that a phone trusts once, and a server certificate signed by it
for the machine's names and addresses, made anew (by the same authority, so phones keep
trusting it) when an address changes or it nears its end. Both live in var/tls/.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import mmap
import os
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

CA_FILE = "shuxiang-ca.crt"  # the file a phone installs
CA_KEY_FILE = "shuxiang-ca.key"
CERT_FILE = "server.crt"
KEY_FILE = "server.key"
CA_DAYS = 3650
# Apple's devices refuse a server certificate valid for longer than 825 days, even
# from an authority the user installed.
CERT_DAYS = 800
RENEW_BEFORE = dt.timedelta(days=30)
# The relay tells waitress's workers who the real caller is through one slot per
# loopback port: a family byte and 16 address bytes (see PeerTable).
_SLOT = 17


def _default_processes() -> int:
    # Python runs one request at a time per process (the GIL); a second process lets a
    # two-core school PC use both cores. Windows has no fork: threads only there.
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


# --- the certificate ---------------------------------------------------------------


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def machine_names(host: str = "") -> tuple[list[str], list[IPAddress]]:
    """The DNS names and addresses a phone or a PC might use to reach this machine:
    localhost, the host name, the addresses it resolves to, the address of the network
    the default route goes out on, and `host` itself when it is a specific address."""
    names = ["localhost"]
    hostname = socket.gethostname()
    for name in (hostname, socket.getfqdn()):
        if name and name not in names and not name.startswith("localhost"):
            names.append(name)
    found: list[str] = ["127.0.0.1", "::1"]
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(hostname, None, type=socket.SOCK_STREAM):
            found.append(str(info[4][0]))
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        # Connecting a UDP socket sends nothing; it only picks the outgoing interface.
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect((probe, 9))
            found.append(udp.getsockname()[0])
    if host:
        try:
            ipaddress.ip_address(host.split("%")[0])
            found.append(host)
        except ValueError:
            if host not in names:
                names.append(host)  # served under a name of its own (--host library-pc)
    addresses: list[IPAddress] = []
    for text in found:
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            continue
        if address.is_unspecified or address.is_link_local or address in addresses:
            continue
        addresses.append(address)
    return names, addresses


@dataclass(frozen=True)
class Certificate:
    ca: Path  # the authority's certificate, for phones to trust
    cert: Path  # the server's certificate followed by the authority's
    key: Path
    fingerprint: str  # SHA-256 of the authority's certificate, to compare on a phone
    made: bool  # a new server certificate was made this time


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _still_good(
    cert_path: Path, ca: Any, names: list[str], addresses: list[IPAddress], now: dt.datetime
) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError):
        return False
    if cert.issuer != ca.subject or cert.not_valid_after_utc - RENEW_BEFORE < now:
        return False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return set(names) <= set(san.get_values_for_type(x509.DNSName)) and set(addresses) <= set(
        san.get_values_for_type(x509.IPAddress)
    )


def ensure_certificate(
    folder: Path, names: list[str], addresses: list[IPAddress], *, now: dt.datetime | None = None
) -> Certificate:
    """The authority and server certificate in `folder`, made the first time; the
    server certificate is made anew when it does not cover every name and address or
    is within RENEW_BEFORE of its end."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = now or dt.datetime.now(dt.UTC)
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, ca_key_path = folder / CA_FILE, folder / CA_KEY_FILE
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    pem = serialization.Encoding.PEM

    def private_pem(key: Any) -> bytes:
        return key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    if ca_path.exists() and ca_key_path.exists():
        ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
        ca_key: Any = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shuxiang"),
                x509.NameAttribute(
                    NameOID.COMMON_NAME, f"书香 本机证书 Shuxiang local CA ({socket.gethostname()})"
                ),
            ]
        )
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(ca_key_path, private_pem(ca_key))
        ca_path.write_bytes(ca.public_bytes(pem))
    fingerprint = ca.fingerprint(hashes.SHA256()).hex(":").upper()
    if key_path.exists() and _still_good(cert_path, ca, names, addresses, now):
        return Certificate(ca_path, cert_path, key_path, fingerprint, made=False)

    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(a) for a in addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[-1])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=CERT_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(key_path, private_pem(key))
    cert_path.write_bytes(cert.public_bytes(pem) + ca.public_bytes(pem))
    return Certificate(ca_path, cert_path, key_path, fingerprint, made=True)


# --- the TLS relay -------------------------------------------------------------------


class PeerTable:
    """Who is behind each loopback connection from the relay to waitress, by the
    relay's local port. Shared memory made before the workers fork, so every worker
    reads what the relay (in the first process) writes. A port cannot be reused while
    its connection is open, so a slot is right for as long as a worker reads it."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 65536 * _SLOT)

    def put(self, port: int, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        self._memory[port * _SLOT : (port + 1) * _SLOT] = bytes([ip.version]) + ip.packed.ljust(
            16, b"\0"
        )

    def forget(self, port: int) -> None:
        # So that a later connection from this port, not the relay's, is not taken
        # for the caller who had it.
        self._memory[port * _SLOT] = 0

    def get(self, port: int) -> str | None:
        slot = self._memory[port * _SLOT : (port + 1) * _SLOT]
        if slot[0] == 4:
            return str(ipaddress.IPv4Address(slot[1:5]))
        if slot[0] == 6:
            return str(ipaddress.IPv6Address(slot[1:17]))
        return None


class FromRelay:
    """WSGI middleware for the requests the relay hands over: they came over HTTPS (so
    Django builds https links and checks CSRF origins as https), from the caller the
    relay saw, not from the loopback address every one of them arrives from."""

    def __init__(self, application: Callable[..., Any], peers: PeerTable) -> None:
        self.application = application
        self.peers = peers

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["wsgi.url_scheme"] = "https"
        environ["HTTPS"] = "on"
        try:
            caller = self.peers.get(int(environ.get("REMOTE_PORT") or ""))
        except ValueError:
            caller = None
        if caller:
            environ["REMOTE_ADDR"] = environ["REMOTE_HOST"] = caller
        return self.application(environ, start_response)


class TLSRelay:
    """Accepts TLS connections on `socket`, and pipes each one, decrypted, to waitress
    on `backend` (a loopback address). Shaped as a `core.server` protocol server.

    A browser given an address without "https://" (a librarian typing the PC's address
    on a phone) asks for plain HTTP: such a request is answered with a redirect to the
    same address over HTTPS rather than with a broken connection."""

    HANDSHAKE_TIMEOUT = 15.0
    MAX_HEAD = 16384  # bytes of a plain-HTTP request read to redirect it

    def __init__(
        self,
        listener: socket.socket,
        backend: tuple[str, int],
        context: ssl.SSLContext,
        peers: PeerTable,
    ) -> None:
        self.socket = listener
        self.backend = backend
        self.context = context
        self.peers = peers
        self._connections: set[asyncio.Task[None]] = set()

    def serve_forever(self) -> None:
        # The selector loop: the proactor loop Windows uses by default cannot wait for
        # a socket to become readable, which telling TLS from plain HTTP needs.
        with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self.socket.setblocking(False)
        while True:
            try:
                conn, peer = await loop.sock_accept(self.socket)
            except OSError:
                if self.socket.fileno() == -1:
                    return  # closed: the server is stopping
                await asyncio.sleep(0.1)  # out of file descriptors, say: not a reason to stop
                continue
            task = asyncio.ensure_future(self._connection(conn, peer))
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)

    async def _connection(self, conn: socket.socket, peer: Any) -> None:
        loop = asyncio.get_running_loop()
        conn.setblocking(False)
        # waitress sends a response's head and body as they come; held back for the
        # first's acknowledgement (Nagle), the body would wait some 40 ms.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            first = await asyncio.wait_for(self._first_byte(conn), self.HANDSHAKE_TIMEOUT)
        except (TimeoutError, OSError):
            conn.close()
            return
        if first != b"\x16":  # not the start of a TLS handshake
            await self._redirect(conn) if first else conn.close()
            return
        reader = asyncio.StreamReader(limit=65536)
        protocol = asyncio.StreamReaderProtocol(reader)
        try:
            transport, _ = await loop.connect_accepted_socket(
                lambda: protocol,
                conn,
                ssl=self.context,
                ssl_handshake_timeout=self.HANDSHAKE_TIMEOUT,
            )
        except (OSError, ssl.SSLError, TimeoutError):
            # A browser that does not trust the certificate yet hangs up here.
            conn.close()
            return
        await self._relay(reader, asyncio.StreamWriter(transport, protocol, reader, loop), peer)

    @staticmethod
    async def _first_byte(conn: socket.socket) -> bytes:
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        loop.add_reader(conn.fileno(), lambda: readable.done() or readable.set_result(None))
        try:
            await readable
        finally:
            loop.remove_reader(conn.fileno())
        return conn.recv(1, socket.MSG_PEEK)

    async def _redirect(self, conn: socket.socket) -> None:
        reader, writer = await asyncio.open_connection(sock=conn, limit=self.MAX_HEAD)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.HANDSHAKE_TIMEOUT)
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1] if lines[0].count(" ") == 2 else "/"
            host = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in lines
                    if line.lower().startswith("host:")
                ),
                "",
            )
            if host and target.startswith("/") and not any(c in host for c in "/\\@ "):
                answer = f"HTTP/1.1 301 Moved Permanently\r\nLocation: https://{host}{target}\r\n"
            else:
                answer = "HTTP/1.1 400 Bad Request\r\n"
            writer.write((answer + "Content-Length: 0\r\nConnection: close\r\n\r\n").encode())
            await writer.drain()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _relay(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter, peer: Any
    ) -> None:
        try:
            backend_in, backend_out = await asyncio.open_connection(*self.backend)
        except OSError:
            client_out.close()
            return
        backend_out.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Written before any byte of the request is passed on, so before waitress can
        # read it.
        port = backend_out.get_extra_info("sockname")[1]
        if peer:
            self.peers.put(port, peer[0])
        pipes = [
            asyncio.ensure_future(self._pipe(client_in, backend_out)),
            asyncio.ensure_future(self._pipe(backend_in, client_out)),
        ]
        # HTTP needs no half-closed connections: when either side is done, both are.
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for pipe in pipes:
            pipe.cancel()
        for writer in (backend_out, client_out):
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        self.peers.forget(port)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: Any) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()


def tls_context(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


def https_origins(names: Iterable[str], addresses: Iterable[IPAddress], port: int) -> list[str]:
    hosts = [*names, *(f"[{a}]" if a.version == 6 else str(a) for a in addresses)]
    return [f"https://{h}" if port == 443 else f"https://{h}:{port}" for h in hosts]


def phone_advice(certificate: Certificate, addresses: list[IPAddress], host: str, port: int) -> str:
    """What the librarian reads at start: the address to open on a phone, and how the
    phone comes to trust the certificate."""
    reachable = [a for a in addresses if not a.is_loopback]
    shown = port if port != 443 else ""
    lines = ["用手机扫描条码清点：手机与这台电脑连同一个网络，在手机浏览器打开"]
    if host in {"127.0.0.1", "localhost", "::1"}:
        lines.append(
            "  （现在只在本机监听，手机连不上：请加 --host 0.0.0.0 重新启动）"
            "  (listening on this machine only; restart with --host 0.0.0.0 for phones)"
        )
    for address in reachable or addresses:
        where = f"[{address}]" if address.version == 6 else str(address)
        lines.append(f"  https://{where}{':' if shown else ''}{shown}/staff/inventory/")
    lines += [
        "第一次使用前，让手机信任本机证书（只需一次）：把下面这个文件发到手机上"
        "（微信“文件传输助手”、QQ 或数据线均可），然后安装——",
        f"  {certificate.ca}",
        "  iPhone：打开文件 → 设置 → 已下载描述文件 → 安装；"
        "再到 设置 → 通用 → 关于本机 → 证书信任设置，打开对“书香 本机证书”的完全信任。",
        "  安卓：设置 → 安全 → 加密与凭据 → 安装证书 → CA 证书，选择这个文件。",
        f"  核对证书指纹（SHA-256）：{certificate.fingerprint}",
        "不安装证书也能用：在浏览器的安全警告页点“高级 → 继续访问”，但每次打开都会提示。",
        "To scan with a phone: open the address above on a phone on the same network. "
        f"Trust the certificate once by installing {certificate.ca.name} on the phone "
        "(iPhone: install the profile, then enable full trust in Settings → General → "
        "About → Certificate Trust Settings; Android: Settings → Security → Install a "
        "certificate → CA certificate).",
    ]
    return "\n".join(lines)


# --- the command ---------------------------------------------------------------------


class Command(BaseCommand):
    help = "Serve the site with waitress, a multi-threaded WSGI server that also runs on Windows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--threads", type=int, default=8, help="worker threads per process (default 8)"
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=_default_processes(),
            help="worker processes sharing the port (default: one per core, up to 4; always 1 on Windows)",
        )
        parser.add_argument(
            "--sip2-port",
            type=int,
            default=None,
            help="also serve SIP2 for self-service kiosks on this port (on --host), as `shuxiang sip2` does",
        )
        parser.add_argument(
            "--https",
            action="store_true",
            help="serve HTTPS on the port with a certificate made on this machine (var/tls/), "
            "so that phones may use the camera to scan barcodes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from shuxiang.core import server

        host, port = options["host"], options["port"]
        processes = options["processes"] if hasattr(os, "fork") else 1
        try:
            listener = server.listen(host, port)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        protocol_servers: list[Any] = []
        relay = None
        if options["https"]:
            # waitress answers on a loopback port of its own, behind the relay.
            backend = server.listen("127.0.0.1", 0)
            relay = self._relay(listener, backend.getsockname()[:2], host, port)
            protocol_servers.append(relay)
            listener = backend
        from shuxiang.wsgi import application

        site = FromRelay(application, relay.peers) if relay else application

        if options["sip2_port"] is not None:
            try:
                protocol_servers.append(server.protocol_server("sip2", host, options["sip2_port"]))
            except OSError as exc:
                raise CommandError(
                    f"cannot listen for SIP2 on {host}:{options['sip2_port']}: {exc.strerror}"
                ) from exc
            self.stdout.write(f"SIP2 for self-service kiosks on {host}:{options['sip2_port']}")
        scheme = "https" if options["https"] else "http"
        self.stdout.write(
            f"Shuxiang serving on {scheme}://{host}:{port}/  "
            f"({processes} process{'es' if processes > 1 else ''} × {options['threads']} threads; Ctrl+C to stop)"
        )
        from shuxiang.core.pdf import find_cjk_font

        if find_cjk_font() is None:
            # Labels, cards and slips are PDFs with Chinese text: say so now, not at the
            # first print (the pages answer with the same advice).
            self.stderr.write(
                "注意：找不到可嵌入的中文字体，标签、借书证和催还单无法生成 PDF。"
                "请安装：sudo apt-get install fonts-wqy-microhei（或设置 SHUXIANG_CJK_FONT）。\n"
                "Note: no CJK TrueType font found, so labels, cards and slips cannot be made as "
                "PDF. Install one: sudo apt-get install fonts-wqy-microhei (or set SHUXIANG_CJK_FONT)."
            )
        self.stdout.flush()
        server.run(
            site,
            listener,
            threads=options["threads"],
            processes=processes,
            protocol_servers=protocol_servers,
        )

    def _relay(
        self, listener: socket.socket, backend: tuple[str, int], host: str, port: int
    ) -> TLSRelay:
        from django.conf import settings

        names, addresses = machine_names("" if host in {"0.0.0.0", "::"} else host)
        certificate = ensure_certificate(Path(settings.VAR_DIR) / "tls", names, addresses)
        if certificate.made:
            covered = ", ".join(names + [str(a) for a in addresses])
            self.stdout.write(f"已为本机生成 HTTPS 证书 / Made a certificate for: {covered}")
        # Set before the site is loaded: every request now arrives over HTTPS, so its
        # cookies need never travel in clear, and a form posted from the https address
        # passes the CSRF origin check whatever name the phone used.
        settings.SESSION_COOKIE_SECURE = True
        settings.CSRF_COOKIE_SECURE = True
        settings.CSRF_TRUSTED_ORIGINS = [
            *settings.CSRF_TRUSTED_ORIGINS,
            *https_origins(names, addresses, port),
        ]
        self.stdout.write(phone_advice(certificate, addresses, host, port))
        return TLSRelay(listener, backend, tls_context(certificate), PeerTable())
