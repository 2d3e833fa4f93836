"""Copy cataloging over SRU against a real server: Debian's yaz-ztest (package yaz),
started on a free loopback port for these tests and stopped afterwards."""

from __future__ import annotations

import base64
import io
import os
import shutil
import socket
import subprocess
import time
import urllib.parse

import pytest

from shuxiang.sru import client

YAZ_ZTEST = shutil.which("yaz-ztest") or "/usr/bin/yaz-ztest"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ztest(tmp_path_factory):
    if not os.path.exists(YAZ_ZTEST):
        pytest.skip("yaz-ztest (Debian package yaz) is not installed")
    port = _free_port()
    log = tmp_path_factory.mktemp("ztest") / "ztest.log"
    proc = subprocess.Popen(
        [YAZ_ZTEST, "-l", str(log), f"tcp:127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"yaz-ztest did not start: {log.read_text() if log.exists() else ''}"
                    )
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def server(library, ztest):
    from shuxiang.sru.models import SruServer

    return SruServer.objects.create(
        library=library, name="测试服务器", url=ztest, database="Default"
    )


def test_cql_queries():
    assert client.cql_query(isbn="7-02-000220-X") == "bath.isbn=9787020002207"
    assert client.cql_query(title='呐喊 "新版"') == 'dc.title="呐喊 \\"新版\\""'


def test_search_by_isbn_against_yaz_ztest(server):
    result = client.search(server, isbn="9787020002207", maximum=3)
    assert result.total > 0
    assert "query=bath.isbn%3D9787020002207" in result.url
    assert 1 <= len(result.records) <= 3
    first = result.records[0]
    assert first.values["title"] == "How to program a computer"
    assert first.values["authors"][0]["name"].startswith("Jack Collins")
    assert ("题名", "How to program a computer") in first.preview
    assert b"<leader>" in first.marcxml or b"leader" in first.marcxml


def test_search_by_title_against_yaz_ztest(server):
    result = client.search(server, title="computer", maximum=2)
    assert result.total > 0 and result.records
    assert "dc.title" in urllib.parse.unquote(result.url)


def test_unreachable_server_is_a_clear_error(library):
    from shuxiang.sru.models import SruServer

    dead = SruServer(library=library, name="关闭的服务器", url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(client.SruError):
        client.search(dead, isbn="9787020002207")


def test_diagnostics_and_non_responses():
    body = (
        b'<zs:searchRetrieveResponse xmlns:zs="http://www.loc.gov/zing/srw/"><zs:version>1.2</zs:version>'
        b"<zs:numberOfRecords>0</zs:numberOfRecords><zs:diagnostics>"
        b'<diagnostic xmlns="http://www.loc.gov/zing/srw/diagnostic/"><uri>info:srw/diagnostic/1/10</uri>'
        b"<message>Query syntax error</message></diagnostic></zs:diagnostics></zs:searchRetrieveResponse>"
    )
    with pytest.raises(client.SruError, match="Query syntax error"):
        client.parse_response(body)
    with pytest.raises(client.SruError):
        client.parse_response(b"<html>not found</html>")


def test_a_chinese_marcxml_record_maps_to_the_form_values():
    record = (
        '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>'
        '<datafield tag="020" ind1=" " ind2=" "><subfield code="a">9787020002207</subfield>'
        '<subfield code="c">CNY26.00</subfield></datafield>'
        '<datafield tag="084" ind1=" " ind2=" "><subfield code="a">I210.4</subfield><subfield code="2">clc</subfield></datafield>'
        '<datafield tag="100" ind1="1" ind2=" "><subfield code="a">鲁迅</subfield></datafield>'
        '<datafield tag="245" ind1="1" ind2="0"><subfield code="a">朝花夕拾 /</subfield><subfield code="c">鲁迅著</subfield></datafield>'
        '<datafield tag="260" ind1=" " ind2=" "><subfield code="a">北京 :</subfield><subfield code="b">人民文学出版社,</subfield>'
        '<subfield code="c">2021</subfield></datafield></record>'
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><zs:searchRetrieveResponse xmlns:zs="http://www.loc.gov/zing/srw/">'
        "<zs:numberOfRecords>1</zs:numberOfRecords><zs:records><zs:record><zs:recordData>"
        + record
        + "</zs:recordData></zs:record></zs:records></zs:searchRetrieveResponse>"
    ).encode()
    total, records = client.parse_response(body)
    assert total == 1 and len(records) == 1
    values, original = client._map(records[0])
    form = client.form_values(values, original)
    assert form["title"] == "朝花夕拾" and form["isbn"] == "9787020002207"
    assert base64.urlsafe_b64decode(form["marc"]) == original and original.endswith(b"\x1d")
    assert form["clc"] == "I210.4" and form["publisher"].startswith("人民文学出版社")
    assert form["year"] == "2021" and form["authors"] == "鲁迅"


def test_copy_cataloging_page_previews_and_opens_the_form(client, librarian, server):
    client.force_login(librarian)
    response = client.get("/staff/cataloging/copy/", {"isbn": "9787020002207"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "测试服务器" in html and "How to program a computer" in html and "Jack Collins" in html
    start = html.index('href="/staff/cataloging/?')
    link = html[start + 6 : html.index('"', start + 6)].replace("&amp;", "&")
    form = client.get(link).content.decode()
    assert 'value="How to program a computer"' in form


# -- Zebra: a real indexed search over records loaded for the test ---------------------------

ZEBRA_RECORDS = [
    ("9787020002207", "朝花夕拾", "鲁迅", "I210.4"),
    ("9787532490462", "草房子", "曹文轩", "I287.45"),
    ("9787532490479", "青铜葵花", "曹文轩", "I287.45"),
]

ZEBRA_INDEX_XSL = """<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:m="http://www.loc.gov/MARC21/slim" xmlns:z="http://indexdata.com/zebra-2.0">
  <xsl:output method="xml" encoding="UTF-8"/>
  <xsl:template match="/m:record">
    <z:record>
      <z:index name="title:w"><xsl:value-of select="m:datafield[@tag='245']/m:subfield[@code='a']"/></z:index>
      <z:index name="any:w"><xsl:value-of select="m:datafield[@tag='245']/m:subfield[@code='a']"/></z:index>
      <xsl:for-each select="m:datafield[@tag='020']/m:subfield[@code='a']">
        <z:index name="isbn:w"><xsl:value-of select="translate(., '-', '')"/></z:index>
      </xsl:for-each>
    </z:record>
  </xsl:template>
</xsl:stylesheet>
"""

ZEBRA_CQL = """set.dc = info:srw/cql-context-set/1/dc-v1.1
set.bath = http://zing.z3950.org/cql/bath/2.0/
index.cql.serverChoice = 1=any
index.dc.title = 1=title
index.bath.isbn = 1=isbn
relation.= = 2=3
relation.eq = 2=3
relation.scr = 2=3
relation.all = 2=3
relation.any = 2=3
position.any = 3=3 6=1
structure.* = 4=1
structure.word = 4=2
truncation.none = 5=100
always =
"""


def _zebra_record(isbn, title, author, clc) -> str:
    return (
        '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>'
        f'<controlfield tag="001">{isbn}</controlfield>'
        f'<datafield tag="020" ind1=" " ind2=" "><subfield code="a">{isbn}</subfield><subfield code="c">CNY25.00</subfield></datafield>'
        '<datafield tag="040" ind1=" " ind2=" "><subfield code="a">区联合目录中心</subfield></datafield>'
        f'<datafield tag="084" ind1=" " ind2=" "><subfield code="a">{clc}</subfield><subfield code="2">clc</subfield></datafield>'
        f'<datafield tag="100" ind1="1" ind2=" "><subfield code="a">{author}</subfield></datafield>'
        f'<datafield tag="245" ind1="1" ind2="0"><subfield code="a">{title}</subfield></datafield>'
        "</record>\n"
    )


@pytest.fixture(scope="module")
def zebra(tmp_path_factory):
    import glob

    zebraidx, zebrasrv = shutil.which("zebraidx"), shutil.which("zebrasrv")
    modules = sorted(glob.glob("/usr/lib/*/idzebra-2.0/modules"))  # the multiarch folder
    if not (zebraidx and zebrasrv and modules):
        pytest.skip("Zebra (Debian package idzebra-2.0) is not installed")
    root = tmp_path_factory.mktemp("zebra")
    for sub in ("reg", "shadow", "lock", "tmp", "records"):
        (root / sub).mkdir()
    (root / "zebra.cfg").write_text(
        "profilePath: .:/usr/share/idzebra-2.0/tab\n"
        f"modulePath: {modules[0]}\n"
        "attset: bib1.att\nattset: explain.att\nrecordType: dom.dom-conf.xml\n"
        "register: reg:100M\nshadow: shadow:100M\nlockDir: lock\nkeyTmpDir: tmp\n"
    )
    (root / "dom-conf.xml").write_text(
        '<dom xmlns="http://indexdata.com/zebra-2.0"><input><xmlreader level="0"/></input>'
        '<extract name="index"><xslt stylesheet="index.xsl"/></extract>'
        '<retrieve name="marcxml"><xslt stylesheet="identity.xsl"/></retrieve></dom>'
    )
    (root / "index.xsl").write_text(ZEBRA_INDEX_XSL)
    (root / "identity.xsl").write_text(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:template match="/"><xsl:copy-of select="."/></xsl:template></xsl:stylesheet>'
    )
    (root / "cql.properties").write_text(ZEBRA_CQL)
    for n, row in enumerate(ZEBRA_RECORDS):
        (root / "records" / f"r{n}.xml").write_text(_zebra_record(*row), encoding="utf-8")
    for args in (["init"], ["update", "records"], ["commit"]):
        subprocess.run(
            [zebraidx, "-c", "zebra.cfg", "-d", "books", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )
    port = _free_port()
    (root / "server.xml").write_text(
        f'<yazgfs><listen id="l">tcp:127.0.0.1:{port}</listen><server id="s" listenref="l">'
        "<config>zebra.cfg</config><cql2rpn>cql.properties</cql2rpn></server></yazgfs>"
    )
    proc = subprocess.Popen(
        [zebrasrv, "-f", "server.xml", "-l", str(root / "zebrasrv.log")],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("zebrasrv did not start")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def zebra_server(library, zebra):
    from shuxiang.sru.models import SruServer

    return SruServer.objects.create(library=library, name="区联合目录", url=zebra, database="books")


def test_zebra_finds_the_one_record_with_that_isbn(zebra_server):
    result = client.search(zebra_server, isbn="978-7-5324-9046-2")
    assert result.total == 1 and len(result.records) == 1
    values = result.records[0].values
    assert values["title"] == "草房子" and values["clc"] == "I287.45" and values["price"] == 2500
    assert client.form_values(values)["authors"] == "曹文轩"


def test_zebra_title_search_and_no_hits(zebra_server):
    # Zebra's default word index reads each Han character as a word, so a title that
    # shares no character with the others finds exactly its record.
    found = client.search(zebra_server, title="草房子")
    assert [r.values["isbn"] for r in found.records] == ["9787532490462"]
    none = client.search(zebra_server, isbn="9787111111113")
    assert none.total == 0 and none.records == []


def test_copy_cataloging_from_zebra_into_the_form_and_save(
    client, librarian, library, zebra_server
):
    from shuxiang.catalog.models import Bib

    client.force_login(librarian)
    html = client.get("/staff/cataloging/copy/", {"isbn": "9787020002207"}).content.decode()
    assert "区联合目录" in html and "朝花夕拾" in html and "命中 1 条" in html
    start = html.index('href="/staff/cataloging/?')
    link = html[start + 6 : html.index('"', start + 6)].replace("&amp;", "&")
    form = client.get(link).content.decode()
    assert 'value="朝花夕拾"' in form and 'value="I210.4"' in form and 'value="25.00"' in form
    # The copied record itself rides along, so the new title keeps all of it.
    start = form.index('name="marc" value="') + len('name="marc" value="')
    copied = form[start : form.index('"', start)]
    assert copied
    response = client.post(
        "/staff/cataloging/",
        {
            "marc": copied,
            "isbn": "9787020002207",
            "title": "朝花夕拾",
            "authors": "鲁迅",
            "clc": "I210.4",
            "price": "25.00",
            "material_type": "book",
            "call_number_auto": "1",
            "copy_barcode": [""],
            "copy_location": ["stacks"],
            "copy_circulation_type": ["normal"],
            "copy_price": [""],
        },
    )
    assert response.status_code == 302
    bib = Bib.objects.get(library=library, isbn="9787020002207")
    assert bib.items.count() == 1 and bib.marc_format == "marc21"
    # Exported, it is the union catalog's record: fields the form never showed are kept.
    from pymarc import MARCReader

    from shuxiang.catalog.marc.exporter import Exporter

    out = io.BytesIO()
    Exporter(library=library).write(out)
    (record,) = list(MARCReader(io.BytesIO(out.getvalue()), to_unicode=True, force_utf8=True))
    assert record["040"]["a"] == "区联合目录中心"
    # The form's statement of responsibility is written into the union catalog's 245 (with
    # the ISBD " /" its leader/18 asks for); its indicators and everything else stay.
    assert record["245"]["a"] == "朝花夕拾 /" and record["245"]["c"] == "鲁迅"
    assert tuple(record["245"].indicators) == ("1", "0") and record["084"]["a"] == "I210.4"
    assert record["852"]["p"] == bib.items.get().barcode  # with its copy


def test_a_damaged_copied_record_is_refused_and_nothing_is_saved(client, librarian, library):
    from shuxiang.catalog.models import Bib

    client.force_login(librarian)
    response = client.post(
        "/staff/cataloging/",
        {
            "marc": "bm90IGEgcmVjb3Jk",  # "not a record"
            "title": "朝花夕拾",
            "material_type": "book",
            "call_number_auto": "1",
            "copy_barcode": [""],
            "copy_location": ["stacks"],
            "copy_circulation_type": ["normal"],
            "copy_price": [""],
        },
    )
    assert response.status_code == 422
    assert "套录的原始 MARC 记录已损坏，请重新检索。" in response.content.decode()
    assert not Bib.objects.filter(library=library).exists()
