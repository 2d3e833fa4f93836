"""The SRU server at /sru: the protocol's rules as tables, every operation and
diagnostic through real HTTP, the answers checked element by element against the SRU
1.2 schema's structure, and Debian's yaz-client (package yaz) as a real client against
a live server."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from xml.etree import ElementTree as ET

import pytest

from shuxiang.sru.cql import Diagnostic
from shuxiang.sru.server import protocol

SRW = "http://www.loc.gov/zing/srw/"
SRU2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG = "http://www.loc.gov/zing/srw/diagnostic/"
DIAG2 = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
MARC = "http://www.loc.gov/MARC21/slim"
DC = "http://purl.org/dc/elements/1.1/"
SRW_DC = "info:srw/schema/1/dc-schema"
ZEEREX = "http://explain.z3950.org/dtd/2.0/"
YAZ_CLIENT = shutil.which("yaz-client") or "/usr/bin/yaz-client"

# -- the request's parameters ---------------------------------------------------------------

READ = [
    ({}, dict(operation="explain", version="1.2", diagnostic=None)),
    ({"operation": "explain", "version": "1.1"}, dict(operation="explain", version="1.1")),
    ({"query": "西游记"}, dict(operation="searchRetrieve", query="西游记", start=1, maximum=10)),
    (
        {
            "operation": "searchRetrieve",
            "version": "1.2",
            "query": "a",
            "startRecord": "11",
            "maximumRecords": "5",
        },
        dict(start=11, maximum=5, schema=protocol.MARCXML, packing="xml", diagnostic=None),
    ),
    ({"query": "a", "maximumRecords": "0"}, dict(maximum=0, diagnostic=None)),
    ({"query": "a", "maximumRecords": "5000"}, dict(maximum=100, diagnostic=None)),
    ({"query": "a", "recordSchema": "dc"}, dict(schema=protocol.DC)),
    ({"query": "a", "recordSchema": "DC"}, dict(schema=protocol.DC)),
    ({"query": "a", "recordSchema": "info:srw/schema/1/dc-v1.1"}, dict(schema=protocol.DC)),
    (
        {"query": "a", "recordSchema": "info:srw/schema/1/marcxml-v1.1"},
        dict(schema=protocol.MARCXML),
    ),
    ({"query": "a", "recordPacking": "string"}, dict(packing="string")),
    (
        {"query": "a", "version": "2.0", "recordXMLEscaping": "string"},
        dict(version="2.0", packing="string", diagnostic=None),
    ),
    (
        {"query": "a", "version": "2.0", "queryType": "cql", "recordPacking": "packed"},
        dict(diagnostic=None),
    ),
]


@pytest.mark.parametrize("params, expected", READ)
def test_read_request(params, expected):
    request = protocol.read_request(params)
    assert {name: getattr(request, name) for name in expected} == expected


PROBLEMS = [
    ({"version": "3.0"}, 5, "1.2"),
    ({"version": "1.0", "query": "a"}, 5, "1.2"),
    ({"operation": "scan", "scanClause": "a"}, 4, "scan"),
    ({"operation": "update"}, 4, "update"),
    ({"operation": "searchRetrieve"}, 7, "query"),
    ({"operation": "searchRetrieve", "query": "  "}, 7, "query"),
    ({"query": "a", "startRecord": "0"}, 6, "startRecord"),
    ({"query": "a", "startRecord": "abc"}, 6, "startRecord"),
    ({"query": "a", "startRecord": "9" * 30}, 6, "startRecord"),
    ({"query": "a", "maximumRecords": "-1"}, 6, "maximumRecords"),
    ({"query": "a", "maximumRecords": "ten"}, 6, "maximumRecords"),
    ({"query": "a", "recordSchema": "mods"}, 66, "mods"),
    ({"query": "a", "recordPacking": "json"}, 71, "json"),
    ({"query": "a", "version": "2.0", "recordXMLEscaping": "json"}, 71, "json"),
    ({"query": "a", "version": "2.0", "recordPacking": "unpacked"}, 71, "unpacked"),
    ({"query": "a", "version": "2.0", "queryType": "pqf"}, 6, "queryType"),
    ({"query": "a", "sortKeys": "title,,1"}, 80, "sortKeys"),
    ({"query": "a", "stylesheet": "http://x/s.xsl"}, 110, "http://x/s.xsl"),
    ({"operation": "explain", "stylesheet": "s.xsl"}, 110, "s.xsl"),
    ({"query": "a", "recordXPath": "/record"}, 72, "recordXPath"),
]


@pytest.mark.parametrize("params, code, details", PROBLEMS)
def test_read_request_problems(params, code, details):
    problem = protocol.read_request(params).diagnostic
    assert isinstance(problem, Diagnostic)
    assert (problem.code, problem.details) == (code, details)


PAGES = [
    (0, 10, [(1, 10)]),
    (10, 10, [(2, 10)]),
    (5, 10, [(1, 10), (2, 10)]),
    (2, 3, [(1, 3), (2, 3)]),
    (3, 3, [(2, 3)]),
    (0, 1, [(1, 1)]),
    (99, 1, [(100, 1)]),
    (7, 0, [(1, 1)]),
]


@pytest.mark.parametrize("offset, count, expected", PAGES)
def test_pages(offset, count, expected):
    plan = protocol.pages(offset, count)
    assert plan == expected
    if count:  # together the pages cover the range asked for
        first = (plan[0][0] - 1) * plan[0][1]
        last = plan[-1][0] * plan[-1][1]
        assert first <= offset and offset + count <= last


def test_dublin_core_record_from_the_fields():
    xml = protocol.dc_record(
        {
            "title": "西游记 <插图本> & 注释",
            "parallel_title": "Journey to the West",
            "authors": [{"name": "吴承恩", "role": "著"}, {"name": "黄肃秋", "role": "注"}],
            "subjects": ["章回小说", "中国"],
            "clc": "I242.4",
            "summary": "唐僧师徒\x0b西天取经",
            "publisher": "人民文学出版社",
            "year": 2010,
            "material_type": "book",
            "pages": "1089页",
            "size": "21cm",
            "isbns": ["9787020008735"],
            "language": "chi",
            "series": "",
        }
    )
    root = ET.fromstring(xml)
    assert root.tag == f"{{{SRW_DC}}}dc"
    values = [(child.tag.removeprefix(f"{{{DC}}}"), child.text) for child in root]
    assert values == [
        ("title", "西游记 <插图本> & 注释"),
        ("title", "Journey to the West"),
        ("creator", "吴承恩"),
        ("creator", "黄肃秋"),
        ("subject", "章回小说"),
        ("subject", "中国"),
        ("subject", "I242.4"),
        ("description", "唐僧师徒西天取经"),  # no control characters in XML
        ("publisher", "人民文学出版社"),
        ("date", "2010"),
        ("type", "Text"),
        ("format", "1089页; 21cm"),
        ("identifier", "URN:ISBN:9787020008735"),
        ("language", "chi"),
    ]


# -- the answers' shape: the SRU 1.2 schema (srw-types.xsd), element by element --------------

# Each element's children in order; "?" optional, "*" any number.
SHAPES = {
    "searchRetrieveResponse": [
        "version",
        "numberOfRecords",
        "resultSetId?",
        "resultSetIdleTime?",
        "records?",
        "nextRecordPosition?",
        "echoedSearchRetrieveRequest?",
        "diagnostics?",
        "extraResponseData?",
    ],
    "explainResponse": [
        "version",
        "record",
        "echoedExplainRequest?",
        "diagnostics?",
        "extraResponseData?",
    ],
    "scanResponse": [
        "version",
        "terms?",
        "echoedScanRequest?",
        "diagnostics?",
        "extraResponseData?",
    ],
    "records": ["record*"],
    "record": [
        "recordSchema",
        "recordPacking",
        "recordData",
        "recordPosition?",
        "extraRecordData?",
    ],
}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _check_sequence(element: ET.Element, shape: list[str]) -> None:
    names = [_local(child.tag) for child in element]
    i = 0
    for slot in shape:
        name, quantity = slot.rstrip("?*"), slot[-1] if slot[-1] in "?*" else ""
        count = 0
        while i < len(names) and names[i] == name:
            i, count = i + 1, count + 1
        assert count >= (0 if quantity else 1), f"<{_local(element.tag)}> lacks <{name}>: {names}"
        assert count <= 1 or quantity == "*", f"<{_local(element.tag)}> repeats <{name}>: {names}"
    assert i == len(names), f"<{_local(element.tag)}> has unexpected children: {names[i:]}"


def check_sru(element: ET.Element, ns: str = SRW, diag_ns: str = DIAG) -> None:
    """The SRU 1.2 structure (and SRU 2.0's, for these elements, in its namespace):
    order and number of children, the types of the values."""
    name = _local(element.tag)
    assert element.tag == f"{{{ns}}}{name}"
    shape = SHAPES[name]
    if ns == SRU2 and name == "record":
        shape = [s.replace("recordPacking", "recordXMLEscaping") for s in shape]
    for child in element:
        assert child.tag.startswith(f"{{{ns}}}"), child.tag
    _check_sequence(element, shape)
    for child in element:
        local = _local(child.tag)
        text = (child.text or "").strip()
        if local in SHAPES:
            check_sru(child, ns, diag_ns)
        elif local == "version":
            assert text in ("1.1", "1.2", "2.0")
        elif local == "numberOfRecords":
            assert text.isdigit()
        elif local in ("recordPosition", "nextRecordPosition"):
            assert text.isdigit() and int(text) >= 1
        elif local in ("recordPacking", "recordXMLEscaping"):
            assert text in ("xml", "string")
        elif local == "recordSchema":
            assert text
        elif local == "recordData":
            packing = element.findtext(f"{{{ns}}}recordPacking") or element.findtext(
                f"{{{ns}}}recordXMLEscaping"
            )
            if packing == "xml":
                assert len(child) == 1 and not text, "recordData holds one element"
            else:
                assert len(child) == 0 and text.startswith("<"), "recordData holds escaped XML"
        elif local == "diagnostics":
            assert len(child) >= 1
            for diagnostic in child:
                assert diagnostic.tag == f"{{{diag_ns}}}diagnostic"
                names = [_local(c.tag) for c in diagnostic]
                assert names in (["uri", "details", "message"], ["uri", "message"]), names
                assert diagnostic[0].text.startswith("info:srw/diagnostic/1/")


def sru(response, ns: str = SRW, diag_ns: str = DIAG) -> ET.Element:
    """The response's XML, checked: HTTP 200, XML, the SRU structure."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(body)
    check_sru(root, ns, diag_ns)
    return root


def diagnostics(root: ET.Element, diag_ns: str = DIAG) -> list[tuple[str, str, str]]:
    """The response's diagnostics (not the surrogates in place of records)."""
    found = root.find(f"{{{_namespace(root)}}}diagnostics")
    return [
        (
            d.findtext(f"{{{diag_ns}}}uri"),
            d.findtext(f"{{{diag_ns}}}details") or "",
            d.findtext(f"{{{diag_ns}}}message"),
        )
        for d in (found if found is not None else [])
    ]


def _namespace(element: ET.Element) -> str:
    return element.tag[1:].partition("}")[0]


# -- explain ------------------------------------------------------------------------------------


def _zeerex(root: ET.Element) -> ET.Element:
    record = root.find(f"{{{SRW}}}record")
    assert record.findtext(f"{{{SRW}}}recordSchema") == "http://explain.z3950.org/dtd/2.0/"
    (explain,) = record.find(f"{{{SRW}}}recordData")
    assert explain.tag == f"{{{ZEEREX}}}explain"
    return explain


def test_a_bare_get_is_an_explain(client, library):
    root = sru(client.get("/sru"))
    assert root.tag == f"{{{SRW}}}explainResponse"
    assert root.findtext(f"{{{SRW}}}version") == "1.2"
    assert diagnostics(root) == []
    explain = _zeerex(root)
    z = f"{{{ZEEREX}}}"
    server = explain.find(f"{z}serverInfo")
    assert server.get("protocol") == "SRU" and server.get("version") == "1.2"
    assert [c.tag.removeprefix(z) for c in server] == ["host", "port", "database"]
    assert server.findtext(f"{z}host") == "testserver"
    assert server.findtext(f"{z}port") == "80"
    assert server.findtext(f"{z}database") == "sru"
    info = explain.find(f"{z}databaseInfo")
    assert info.findtext(f"{z}title") == "实验中学图书馆"
    descriptions = {d.get("lang"): d.text for d in info.findall(f"{z}description")}
    assert descriptions["zh"].startswith("实验中学图书馆的馆藏书目")
    assert descriptions["en"].startswith("The catalog of 实验中学图书馆")
    sets = {s.get("name"): s.get("identifier") for s in explain.iter(f"{z}set")}
    assert sets == {
        "cql": "info:srw/cql-context-set/1/cql-v1.2",
        "dc": "info:srw/cql-context-set/1/dc-v1.1",
        "bath": "http://zing.z3950.org/cql/bath/2.0/",
    }
    indexes = {f"{name.get('set')}.{name.text}" for name in explain.iter(f"{z}name")}
    assert {
        "cql.anywhere",
        "cql.serverChoice",
        "dc.title",
        "dc.creator",
        "dc.subject",
        "bath.isbn",
    } <= indexes
    titles = {
        index.find(f"{z}map/{z}name").text: {
            t.get("lang"): t.text for t in index.findall(f"{z}title")
        }
        for index in explain.iter(f"{z}index")
    }
    assert titles["title"] == {"zh": "题名", "en": "Title"}
    schemas = {s.get("name"): s.get("identifier") for s in explain.iter(f"{z}schema")}
    assert schemas == {
        "marcxml": "info:srw/schema/1/marcxml-v1.1",
        "dc": "info:srw/schema/1/dc-v1.1",
    }
    config = explain.find(f"{z}configInfo")
    assert config.find(f"{z}setting[@type='maximumRecords']").text == "100"


def test_explain_of_one_library_in_a_district(client, library):
    from shuxiang.core.services import library_setup

    library_setup(code="no2", name="第二小学图书室", school_name="第二小学")
    for url in ("/sru/no2", "/sru/no2/", "/sru?operation=explain&version=1.2&x-library=no2"):
        explain = _zeerex(sru(client.get(url)))
        assert explain.findtext(f"{{{ZEEREX}}}databaseInfo/{{{ZEEREX}}}title") == "第二小学图书室"
    database = _zeerex(sru(client.get("/sru/no2"))).findtext(f".//{{{ZEEREX}}}database")
    assert database == "sru/no2"
    # Without a name: the default library, the first one.
    explain = _zeerex(sru(client.get("/sru/")))
    assert explain.findtext(f"{{{ZEEREX}}}databaseInfo/{{{ZEEREX}}}title") == "实验中学图书馆"


def test_an_unknown_library(client, library):
    assert client.get("/sru/nowhere").status_code == 404
    root = sru(client.get("/sru", {"operation": "explain", "x-library": "nowhere"}))
    assert diagnostics(root) == [
        ("info:srw/diagnostic/1/6", "x-library", "Unsupported parameter value")
    ]


def test_explain_in_versions_and_packings(client, library):
    root = sru(client.get("/sru", {"operation": "explain", "version": "1.1"}))
    assert root.findtext(f"{{{SRW}}}version") == "1.1"
    root = sru(client.get("/sru", {"operation": "explain", "recordPacking": "string"}))
    data = root.find(f"{{{SRW}}}record/{{{SRW}}}recordData").text
    assert ET.fromstring(data).tag == f"{{{ZEEREX}}}explain"
    root = sru(client.get("/sru", {"operation": "explain", "version": "2.0"}), SRU2, DIAG2)
    assert root.tag == f"{{{SRU2}}}explainResponse"
    assert root.findtext(f"{{{SRU2}}}record/{{{SRU2}}}recordXMLEscaping") == "xml"
    # An unknown version: the answer in 1.2, saying so.
    root = sru(client.get("/sru", {"version": "9.9"}))
    assert root.tag == f"{{{SRW}}}explainResponse"
    assert diagnostics(root) == [("info:srw/diagnostic/1/5", "1.2", "Unsupported version")]


def test_scan_and_unknown_operations_are_unsupported(client, library):
    root = sru(
        client.get("/sru", {"operation": "scan", "version": "1.2", "scanClause": "dc.title=a"})
    )
    assert root.tag == f"{{{SRW}}}scanResponse"
    assert diagnostics(root) == [("info:srw/diagnostic/1/4", "scan", "Unsupported operation")]
    root = sru(client.get("/sru", {"operation": "update", "version": "1.2"}))
    assert root.tag == f"{{{SRW}}}searchRetrieveResponse"
    assert root.findtext(f"{{{SRW}}}numberOfRecords") == "0"
    assert diagnostics(root) == [("info:srw/diagnostic/1/4", "update", "Unsupported operation")]


def test_only_get_and_post(client, library):
    assert client.put("/sru").status_code == 405
    assert client.delete("/sru").status_code == 405


# -- searchRetrieve: diagnostics that need no search ---------------------------------------------

PARAMETER_DIAGNOSTICS = [
    ({"version": "1.2", "operation": "searchRetrieve"}, 7, "query"),
    ({"version": "1.7", "operation": "searchRetrieve", "query": "a"}, 5, "1.2"),
    (
        {"version": "1.2", "operation": "searchRetrieve", "query": "a", "startRecord": "0"},
        6,
        "startRecord",
    ),
    (
        {"version": "1.2", "operation": "searchRetrieve", "query": "a", "maximumRecords": "x"},
        6,
        "maximumRecords",
    ),
    (
        {"version": "1.2", "operation": "searchRetrieve", "query": "a", "recordSchema": "mods"},
        66,
        "mods",
    ),
    (
        {"version": "1.2", "operation": "searchRetrieve", "query": "a", "recordPacking": "json"},
        71,
        "json",
    ),
]


@pytest.mark.parametrize("params, code, details", PARAMETER_DIAGNOSTICS)
def test_parameter_diagnostics_over_http(client, library, params, code, details):
    root = sru(client.get("/sru", params))
    assert root.tag == f"{{{SRW}}}searchRetrieveResponse"
    assert root.findtext(f"{{{SRW}}}numberOfRecords") == "0"
    assert root.find(f"{{{SRW}}}records") is None
    assert diagnostics(root) == [(f"info:srw/diagnostic/1/{code}", details, protocol_message(code))]


def protocol_message(code: int) -> str:
    from shuxiang.sru.cql import MESSAGES

    return MESSAGES[code]


def test_no_library_yet(client, db):
    root = sru(client.get("/sru", {"query": "西游记"}))
    assert diagnostics(root) == [
        ("info:srw/diagnostic/1/1", "no library has been set up", "General system error")
    ]
    assert (
        _zeerex(sru(client.get("/sru"))).find(f".//{{{ZEEREX}}}databaseInfo/{{{ZEEREX}}}title")
        is None
    )


# -- searchRetrieve over a real catalog ---------------------------------------------------------

XIYOUJI_ISBN = "9787020008735"


def _xiyouji_cnmarc(barcode: str = "30000001") -> bytes:
    """A vendor's CNMARC record of 西游记 with one copy (905), and fields the catalog does
    not map (801), which the record must keep."""
    from tests.catalog.marc_builders import CN_LEADER, iso_record

    return iso_record(
        CN_LEADER,
        [
            ("001", "CN000001"),
            ("010", "  ", [("a", "978-7-02-000873-5"), ("d", "CNY47.20")]),
            ("100", "  ", [("a", "20240101d2010    em y0chiy0110    ea")]),
            ("101", "0 ", [("a", "chi")]),
            ("200", "1 ", [("a", "西游记"), ("f", "吴承恩著")]),
            ("210", "  ", [("a", "北京"), ("c", "人民文学出版社"), ("d", "2010")]),
            ("606", "0 ", [("a", "章回小说")]),
            ("690", "  ", [("a", "I242.4"), ("v", "5")]),
            ("701", " 0", [("a", "吴承恩"), ("4", "著")]),
            ("801", " 0", [("a", "CN"), ("b", "NLC"), ("c", "20240101")]),
            ("905", "  ", [("a", "SX"), ("b", barcode), ("d", "I242.4"), ("e", "1")]),
        ],
    )


@pytest.fixture
def catalog(actor, library):
    """main: 西游记 imported from CNMARC with its copy, 红楼梦 catalogued here, twelve
    童话 titles; no2: a 西游记 of its own."""
    from shuxiang.catalog.services import bib_create, marc_import
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup

    report = marc_import(actor=actor, source=io.BytesIO(_xiyouji_cnmarc()))
    assert report.imported == 1 and report.items_created == 1
    bib_create(
        actor=actor,
        title="红楼梦",
        authors=["曹雪芹"],
        publisher="人民文学出版社",
        year=2008,
        isbn="9787020002207",
        clc="I242.4",
        subjects=["章回小说"],
        summary="贾宝玉与林黛玉",
    )
    for n in range(1, 13):
        bib_create(actor=actor, title=f"安徒生童话 第{n}集", year=2000 + n)
    second = library_setup(code="no2", name="第二小学图书室", school_name="第二小学")
    bib_create(actor=Actor(library=second, user=None, channel=actor.channel), title="西游记 少儿版")
    return library


def search(client, query, path="/sru", **params):
    params = {"version": "1.2", "operation": "searchRetrieve", "query": query, **params}
    return sru(client.get(path, params))


def total(root, ns=SRW) -> int:
    return int(root.findtext(f"{{{ns}}}numberOfRecords"))


def records(root, ns=SRW) -> list[ET.Element]:
    """Each record's data: its element (packing xml) or its text parsed (string)."""
    out = []
    for record in root.iter(f"{{{ns}}}record"):
        data = record.find(f"{{{ns}}}recordData")
        out.append(data[0] if len(data) else ET.fromstring(data.text))
    return out


def positions(root, ns=SRW) -> list[int]:
    return [int(p.text) for p in root.iter(f"{{{ns}}}recordPosition")]


def bare(values: list[str]) -> list[str]:
    """Titles without the ISBD punctuation that ends 245 $a in MARC 21 (" /", " :", ".")."""
    return [v.rstrip(" /:;=.,").strip() for v in values]


def marc_values(record: ET.Element, tag: str, code: str) -> list[str]:
    m = f"{{{MARC}}}"
    return [
        sub.text
        for field in record.findall(f"{m}datafield[@tag='{tag}']")
        for sub in field.findall(f"{m}subfield[@code='{code}']")
    ]


def check_marcxml(record: ET.Element) -> None:
    m = f"{{{MARC}}}"
    assert record.tag == f"{m}record"
    names = [c.tag for c in record]
    assert names[0] == f"{m}leader" and len(record[0].text) == 24
    assert set(names[1:]) <= {f"{m}controlfield", f"{m}datafield"}
    for field in record.findall(f"{m}datafield"):
        assert len(field.get("tag")) == 3 and len(field.get("ind1")) == len(field.get("ind2")) == 1
        assert len(field) >= 1 and all(s.tag == f"{m}subfield" for s in field)


def test_the_imported_record_comes_back_as_it_came_with_its_copy(client, catalog):
    root = search(client, "dc.title=西游记", recordSchema="marcxml")
    assert total(root) == 1 and diagnostics(root) == []
    assert root.findtext(f"{{{SRW}}}records/{{{SRW}}}record/{{{SRW}}}recordSchema") == (
        "info:srw/schema/1/marcxml-v1.1"
    )
    assert positions(root) == [1] and root.find(f"{{{SRW}}}nextRecordPosition") is None
    (record,) = records(root)
    check_marcxml(record)
    assert record.findtext(f"{{{MARC}}}controlfield[@tag='001']") == "CN000001"
    assert marc_values(record, "200", "a") == ["西游记"]
    assert marc_values(record, "801", "b") == ["NLC"]  # a field nobody maps, kept
    assert marc_values(record, "905", "b") == ["30000001"]  # the copy as it is now


def test_public_records_leave_out_accession_numbers_and_prices(client, catalog):
    from shuxiang.catalog.models import Item

    Item.objects.filter(barcode="30000001").update(accession_number="A000123", price=3250)
    (record,) = records(search(client, "dc.title=西游记", recordSchema="marcxml"))
    assert marc_values(record, "905", "b") == ["30000001"]
    assert marc_values(record, "905", "h") == [] and marc_values(record, "905", "r") == []
    text = ET.tostring(record, encoding="unicode")
    assert "A000123" not in text and "32.50" not in text


def test_a_title_catalogued_here_is_built_from_its_fields(client, catalog):
    from shuxiang.catalog.models import Bib

    bib = Bib.objects.get(library=catalog, title="红楼梦")
    (record,) = records(search(client, "dc.creator=曹雪芹"))  # marcxml by default
    check_marcxml(record)
    assert record.findtext(f"{{{MARC}}}controlfield[@tag='001']") == f"SX{bib.pk}"
    assert marc_values(record, "245", "a") == ["红楼梦 /"]  # ISBD: 245 $c follows
    assert marc_values(record, "020", "a") == ["9787020002207"]


def test_dublin_core(client, catalog):
    root = search(client, "dc.creator=曹雪芹", recordSchema="info:srw/schema/1/dc-v1.1")
    assert root.findtext(f".//{{{SRW}}}recordSchema") == "info:srw/schema/1/dc-v1.1"
    (record,) = records(root)
    assert record.tag == f"{{{SRW_DC}}}dc"
    values = {(c.tag.removeprefix(f"{{{DC}}}"), c.text) for c in record}
    assert {
        ("title", "红楼梦"),
        ("creator", "曹雪芹"),
        ("publisher", "人民文学出版社"),
        ("date", "2008"),
        ("identifier", "URN:ISBN:9787020002207"),
        ("subject", "章回小说"),
        ("description", "贾宝玉与林黛玉"),
    } <= values
    (record,) = records(search(client, "bath.isbn=" + XIYOUJI_ISBN, recordSchema="dc"))
    assert (f"{{{DC}}}title", "西游记") in {(c.tag, c.text) for c in record}


def test_record_packing_string(client, catalog):
    root = search(client, "dc.title=西游记", recordPacking="string")
    assert root.findtext(f".//{{{SRW}}}recordPacking") == "string"
    (record,) = records(root)
    check_marcxml(record)
    assert marc_values(record, "200", "a") == ["西游记"]


QUERIES = [
    ("西游记", 1),
    ("cql.anywhere=曹雪芹", 1),
    ("dc.title=童话", 12),
    ('dc.title="安徒生 童话"', 12),
    ("dc.title=西游记 or dc.title=红楼梦", 2),
    ('dc.title any "西游记 红楼梦"', 2),
    ("dc.subject=章回小说", 2),
    ("dc.subject=章回小说 not dc.creator=吴承恩", 1),
    ("dc.subject=章回小说 and dc.creator=吴承恩", 1),
    (f"bath.isbn={XIYOUJI_ISBN}", 1),
    (f"dc.identifier={XIYOUJI_ISBN}", 1),
    ("dc.title exact 西游记", 1),
    ("dc.title == 西游", 0),
    ("dc.title=水浒传", 0),
]


@pytest.mark.parametrize("query, expected", QUERIES)
def test_queries(client, catalog, query, expected):
    root = search(client, query, maximumRecords="20")
    assert diagnostics(root) == []
    assert total(root) == expected and len(records(root)) == expected


def test_paging(client, catalog):
    every = records(search(client, "dc.title=童话", maximumRecords="12"))
    titles = [bare(marc_values(r, "245", "a"))[0] for r in every]
    assert sorted(titles) == sorted(f"安徒生童话 第{n}集" for n in range(1, 13))

    def page(start, maximum):
        root = search(client, "dc.title=童话", startRecord=str(start), maximumRecords=str(maximum))
        assert total(root) == 12
        following = root.findtext(f"{{{SRW}}}nextRecordPosition")
        got = [bare(marc_values(r, "245", "a"))[0] for r in records(root)]
        return got, positions(root), int(following) if following else None

    assert page(1, 5) == (titles[0:5], [1, 2, 3, 4, 5], 6)
    assert page(4, 5) == (titles[3:8], [4, 5, 6, 7, 8], 9)  # across two engine pages
    assert page(11, 5) == (titles[10:12], [11, 12], None)
    assert page(12, 1) == (titles[11:12], [12], None)
    # The default is ten records; no records at all gives the count only.
    assert len(records(search(client, "dc.title=童话"))) == 10
    root = search(client, "dc.title=童话", maximumRecords="0")
    assert total(root) == 12 and records(root) == [] and diagnostics(root) == []


def test_first_record_out_of_range(client, catalog):
    root = search(client, "dc.title=童话", startRecord="13")
    assert total(root) == 12 and records(root) == []
    assert diagnostics(root) == [
        ("info:srw/diagnostic/1/61", "13", "First record position out of range")
    ]


def test_deeper_than_the_engine_pages(client, catalog, monkeypatch):
    from shuxiang.search import engine

    monkeypatch.setattr(engine, "MAX_OFFSET", 5)  # as 10,000 is to a district's catalog
    assert positions(search(client, "dc.title=童话", startRecord="5", maximumRecords="1")) == [5]
    root = search(client, "dc.title=童话", startRecord="6")
    assert total(root) == 12 and records(root) == []
    assert diagnostics(root)[0][0] == "info:srw/diagnostic/1/61"


QUERY_DIAGNOSTICS = [
    ("dc.title=", 10, None),
    ("dc.title=(西游记", 10, None),
    ("(dc.title=西游记", 13, None),
    ('dc.title="西游记', 14, None),
    ("dc.date=2010", 16, "dc.date"),
    ("marc.245=西游记", 15, "marc"),
    ("dc.title<西游记", 19, "<"),
    ("dc.title=西游*", 28, "*"),
    ("西游记 prox 红楼梦", 39, "prox"),
    ("dc.title=西游记 sortby dc.date", 80, "sortby"),
]


@pytest.mark.parametrize("query, code, details", QUERY_DIAGNOSTICS)
def test_query_diagnostics_over_http(client, catalog, query, code, details):
    root = search(client, query)
    assert total(root) == 0 and root.find(f"{{{SRW}}}records") is None
    ((uri, got_details, message),) = diagnostics(root)
    assert uri == f"info:srw/diagnostic/1/{code}" and message == protocol_message(code)
    if details is not None:
        assert got_details == details


def test_each_library_answers_for_its_own_catalog(client, catalog):
    assert total(search(client, "dc.title=西游记")) == 1
    for path, params in (("/sru/no2", {}), ("/sru", {"x-library": "no2"})):
        root = search(client, "dc.title=西游记", path=path, **params)
        assert total(root) == 1
        assert bare(marc_values(records(root)[0], "245", "a")) == ["西游记 少儿版"]
    assert total(search(client, "dc.title=红楼梦", path="/sru/no2")) == 0


def test_post(client, catalog):
    response = client.post(
        "/sru", {"version": "1.2", "operation": "searchRetrieve", "query": "dc.title=红楼梦"}
    )
    assert total(sru(response)) == 1


def test_version_2_0(client, catalog):
    response = client.get(
        "/sru",
        {"version": "2.0", "query": "dc.title=红楼梦", "recordXMLEscaping": "string"},
    )
    root = sru(response, SRU2, DIAG2)
    assert root.tag == f"{{{SRU2}}}searchRetrieveResponse"
    assert root.findtext(f"{{{SRU2}}}version") == "2.0" and total(root, SRU2) == 1
    assert root.findtext(f".//{{{SRU2}}}recordXMLEscaping") == "string"
    assert bare(marc_values(records(root, SRU2)[0], "245", "a")) == ["红楼梦"]
    root = sru(client.get("/sru", {"version": "2.0", "query": "dc.date=1"}), SRU2, DIAG2)
    assert diagnostics(root, DIAG2)[0][0] == "info:srw/diagnostic/1/16"


def test_a_record_that_cannot_be_built_is_a_surrogate_diagnostic(client, catalog):
    from shuxiang.catalog.models import Bib

    Bib.objects.filter(library=catalog, title="西游记").update(marc_record=b"damaged")
    root = search(client, "dc.title=西游记 or dc.title=红楼梦")
    schemas = [s.text for s in root.iter(f"{{{SRW}}}recordSchema")]
    assert sorted(schemas) == [
        "info:srw/schema/1/diagnostics-v1.1",
        "info:srw/schema/1/marcxml-v1.1",
    ]
    surrogate = next(
        r
        for r in root.iter(f"{{{SRW}}}record")
        if r.findtext(f"{{{SRW}}}recordSchema") == "info:srw/schema/1/diagnostics-v1.1"
    )
    (diagnostic,) = surrogate.find(f"{{{SRW}}}recordData")
    assert diagnostic.findtext(f"{{{DIAG}}}uri") == "info:srw/diagnostic/1/64"
    assert diagnostic.findtext(f"{{{DIAG}}}message") == "Record temporarily unavailable"
    # The other record, and the search, are fine.
    assert total(root) == 2 and diagnostics(root) == []


# -- real clients against a live server ------------------------------------------------------------


def yaz_client(tmp_path, url: str, *commands: str) -> str:
    """Debian's yaz-client, scripted through its standard input, against `url`."""
    if not os.path.exists(YAZ_CLIENT):
        pytest.skip("yaz-client (Debian package yaz) is not installed")
    script = [f"open {url}", *commands, "quit"]
    result = subprocess.run(
        [YAZ_CLIENT],
        input="\n".join(script) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # no .yazclientrc of anyone's
        env={**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_yaz_client_finds_and_shows_a_record(live_server, catalog, tmp_path):
    out = yaz_client(
        tmp_path,
        f"{live_server.url}/sru",
        "sru get 1.2",
        "format xml",
        "elements marcxml",
        "find dc.title=西游记",
        "show 1",
    )
    assert "Received SRW SearchRetrieve Response" in out, out
    assert "Number of hits: 1" in out, out
    assert '<controlfield tag="001">CN000001</controlfield>' in out, out
    assert '<subfield code="a">西游记</subfield>' in out, out
    assert '<subfield code="b">30000001</subfield>' in out, out


def test_yaz_client_dublin_core_booleans_and_a_diagnostic(live_server, catalog, tmp_path):
    out = yaz_client(
        tmp_path,
        f"{live_server.url}/sru/main",
        "sru get 1.2",
        "format xml",
        "schema dc",
        "querytype cql",
        'find dc.subject=章回小说 not dc.creator="吴承恩"',
        "show 1",
        "find dc.date=2010",
    )
    assert "Number of hits: 1" in out, out
    assert "<dc:title>红楼梦</dc:title>" in out and "<dc:creator>曹雪芹</dc:creator>" in out, out
    assert (
        "SRW diagnostic info:srw/diagnostic/1/16\nMessage: Unsupported index\nDetails: dc.date"
        in out
    ), out


def test_yaz_client_over_sru_2_0(live_server, catalog, tmp_path):
    out = yaz_client(
        tmp_path, f"{live_server.url}/sru", "sru get 2.0", "format xml", "find 童话", "show 11"
    )
    assert "Number of hits: 12" in out, out
    assert "安徒生童话" in out, out


def test_yaz_client_reads_the_explain(live_server, catalog, tmp_path):
    out = yaz_client(tmp_path, f"{live_server.url}/sru", "sru get 1.2", "explain")
    assert "schema=http://explain.z3950.org/dtd/2.0/" in out, out
    assert '<name set="dc">title</name>' in out and "实验中学图书馆" in out, out


def test_the_copy_cataloging_client_reads_this_server(live_server, catalog):
    """Shuxiang's own SRU client (copy cataloging, 套录) against Shuxiang's server: one
    school copies another's record."""
    from shuxiang.sru import client
    from shuxiang.sru.models import SruServer

    server = SruServer(library=catalog, name="本馆", url=f"{live_server.url}/sru", database="main")
    result = client.search(server, isbn="978-7-02-000873-5")
    assert result.total == 1 and len(result.records) == 1
    values = result.records[0].values
    assert values["title"] == "西游记" and values["clc"] == "I242.4"
    assert client.form_values(values)["authors"] == "吴承恩"
    assert client.search(server, title="童话", maximum=3).total == 12
