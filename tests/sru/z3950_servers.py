"""Real Z39.50 servers for the Z39.50 copy-cataloging tests, started on free loopback
ports and stopped afterwards:

- `yaz-ztest` (Debian package yaz), which answers any search with synthetic MARC 21
  records (its hit count is the number in the term);
- Zebra (`zebrasrv`, Debian package idzebra-2.0) with three databases of real records:
  `loc`, two Library of Congress MARC 21 records (pymarc's test files `one.dat` and
  `marc8.dat`, the second in MARC-8 with diacritics); `cngbk`, two CNMARC records in
  GBK; `cnutf8`, one CNMARC record in UTF-8. The CNMARC records are built with pymarc.
  Zebra keeps each record's bytes as given and indexes them as bytes, as an old GBK
  server does, so a GBK database is searched with GBK terms.

And two servers that never answer: a port with nothing listening, and one that accepts
the connection and then says nothing."""

from __future__ import annotations

import glob
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from pymarc import Field, Record, Subfield

DATA = Path(__file__).parent / "data"

# (database, file, ISBN as catalogued, title, author, publisher, CLC, price)
CNMARC_RECORDS = [
    (
        "cngbk",
        "zhaohua",
        "978-7-02-000220-7",
        "朝花夕拾",
        "鲁迅",
        "人民文学出版社",
        "I210.4",
        "26.00",
    ),
    ("cngbk", "nahan", "978-7-02-000221-4", "呐喊", "鲁迅", "人民文学出版社", "I210.4", "18.00"),
    (
        "cnutf8",
        "caofangzi",
        "9787532490462",
        "草房子",
        "曹文轩",
        "江苏少年儿童出版社",
        "I287.45",
        "25.00",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso2709(record: Record, encoding: str) -> bytes:
    """The record as ISO 2709 in `encoding`: pymarc writes only UTF-8 or Latin-1, and
    lengths count bytes, so the directory is built here from pymarc's encoded fields."""
    directory, data = b"", b""
    for f in record.fields:
        encoded = f.as_marc(encoding=encoding)
        directory += f"{f.tag}{len(encoded):04d}{len(data):05d}".encode("ascii")
        data += encoded
    directory += b"\x1e"
    base = 24 + len(directory)
    leader = f"{base + len(data) + 1:05d}nam0 22{base:05d}   450 "
    return leader.encode("ascii") + directory + data + b"\x1d"


def cnmarc_record(isbn, title, author, publisher, clc, price) -> Record:
    record = Record()
    record.add_field(
        Field(tag="001", data="CN" + isbn.replace("-", "")),
        Field(
            tag="010",
            indicators=[" ", " "],
            subfields=[Subfield("a", isbn), Subfield("d", f"CNY{price}")],
        ),
        Field(
            tag="100",
            indicators=[" ", " "],
            subfields=[Subfield("a", "20200101d2020    em y0chiy50      ea")],
        ),
        Field(tag="101", indicators=["0", " "], subfields=[Subfield("a", "chi")]),
        Field(
            tag="200",
            indicators=["1", " "],
            subfields=[Subfield("a", title), Subfield("f", f"{author}著")],
        ),
        Field(
            tag="210",
            indicators=[" ", " "],
            subfields=[Subfield("a", "北京"), Subfield("c", publisher), Subfield("d", "2020")],
        ),
        Field(
            tag="215",
            indicators=[" ", " "],
            subfields=[Subfield("a", "180页"), Subfield("d", "21cm")],
        ),
        Field(tag="690", indicators=[" ", " "], subfields=[Subfield("a", clc), Subfield("v", "5")]),
        Field(
            tag="701", indicators=[" ", "0"], subfields=[Subfield("a", author), Subfield("4", "著")]
        ),
        # A field the cataloging form never shows: copying must keep it.
        Field(
            tag="801",
            indicators=[" ", "0"],
            subfields=[Subfield("a", "CN"), Subfield("b", "区联合目录中心")],
        ),
    )
    return record


def _wait_for(port: int, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def ztest_port(tmp_path_factory):
    program = shutil.which("yaz-ztest")
    if not program:
        pytest.skip("yaz-ztest (Debian package yaz) is not installed")
    port = free_port()
    log = tmp_path_factory.mktemp("ztest") / "ztest.log"
    proc = subprocess.Popen(
        [program, "-l", str(log), f"tcp:127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, proc, "yaz-ztest", log)
        yield port
    finally:
        _stop(proc)


LOC_ABS = """name loc
attset bib1.att
tagset usmarc.tag
marc usmarc.mar
esetname F @
esetname B @
all any
elm 020      ISBN    -
elm 020/?    ISBN    -
elm 020/?/a  ISBN    !:w
elm 100      author  -
elm 100/?    author  -
elm 100/?/a  author  !:w,!:p
elm 245      title   -
elm 245/?    title   -
elm 245/?/a  title   !:w,!:p
"""

CNMARC_ABS = """name cnmarc
attset bib1.att
tagset usmarc.tag
marc usmarc.mar
esetname F @
esetname B @
all any
elm 010      ISBN    -
elm 010/?    ISBN    -
elm 010/?/a  ISBN    !:w
elm 200      title   -
elm 200/?    title   -
elm 200/?/a  title   !:w,!:p
elm 701      author  -
elm 701/?    author  -
elm 701/?/a  author  !:w,!:p
elm 702      author  -
elm 702/?    author  -
elm 702/?/a  author  !:w,!:p
"""


@pytest.fixture(scope="module")
def zebra_port(tmp_path_factory):
    zebraidx, zebrasrv = shutil.which("zebraidx"), shutil.which("zebrasrv")
    modules = sorted(glob.glob("/usr/lib/*/idzebra-2.0/modules"))  # the multiarch folder
    if not (zebraidx and zebrasrv and modules):
        pytest.skip("Zebra (Debian package idzebra-2.0) is not installed")
    root = tmp_path_factory.mktemp("zebra-z3950")
    for sub in ("reg", "shadow", "lock", "tmp", "loc", "cngbk", "cnutf8"):
        (root / sub).mkdir()
    (root / "zebra.cfg").write_text(
        "profilePath: .:/usr/share/idzebra-2.0/tab\n"
        f"modulePath: {modules[0]}\n"
        "attset: bib1.att\nattset: explain.att\nstoreData: 1\n"
        "register: reg:100M\nshadow: shadow:100M\nlockDir: lock\nkeyTmpDir: tmp\n"
    )
    (root / "loc.abs").write_text(LOC_ABS)
    (root / "cnmarc.abs").write_text(CNMARC_ABS)
    for name in ("loc_activeperl.mrc", "loc_tournier_marc8.mrc"):
        shutil.copy(DATA / name, root / "loc" / name)
    for database, stem, *row in CNMARC_RECORDS:
        encoding = "gbk" if database == "cngbk" else "utf-8"
        (root / database / f"{stem}.mrc").write_bytes(iso2709(cnmarc_record(*row), encoding))
    steps = [["init"]]
    steps += [
        ["-t", f"grs.marc.{t}", "-d", d, "update", d]
        for t, d in (("loc", "loc"), ("cnmarc", "cngbk"), ("cnmarc", "cnutf8"))
    ]
    steps += [["commit"]]
    for args in steps:
        subprocess.run(
            [zebraidx, "-c", "zebra.cfg", *args], cwd=root, check=True, capture_output=True
        )
    port = free_port()
    # Zebra's MARC filter answers in USMARC only; a UNIMARC request gets the same bytes.
    (root / "server.xml").write_text(
        f'<yazgfs><listen id="l">tcp:127.0.0.1:{port}</listen><server id="s" listenref="l">'
        "<config>zebra.cfg</config><retrievalinfo>"
        '<retrieval syntax="unimarc"><backend syntax="usmarc" name="F"/></retrieval>'
        '<retrieval syntax="usmarc"/></retrievalinfo></server></yazgfs>'
    )
    log = root / "zebrasrv.log"
    proc = subprocess.Popen(
        [zebrasrv, "-f", "server.xml", "-l", str(log)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, proc, "zebrasrv", log)
        yield port
    finally:
        _stop(proc)


@pytest.fixture
def silent_port():
    """A server that accepts connections and never answers (a hung Z39.50 server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.fixture
def z3950_server(library):
    """Make a Z39.50 server row of the test library."""
    from shuxiang.sru.models import SruServer

    def make(name: str, port: int, database: str = "", **extra) -> SruServer:
        return SruServer.objects.create(
            library=library,
            name=name,
            protocol="z3950",
            host="127.0.0.1",
            port=port,
            database=database,
            **extra,
        )

    return make
