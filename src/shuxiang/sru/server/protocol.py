"""The SRU protocol of the server at /sru, as plain values: which operation and version a
request asks for and whether its parameters can be answered (`read_request`), which of
the search engine's pages hold the records asked for (`pages`), and a title's Dublin
Core record (`dc_record`). No request object, no ORM: tested with tables.

SRU 1.2 is the version answered by default; 1.1 is answered as itself (the same
namespace), and 2.0 in its own namespace with `recordXMLEscaping` in place of 1.2's
`recordPacking`. Every problem is an SRU diagnostic (`cql.Diagnostic`) sent with HTTP
200, as SRU 1.2 expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from shuxiang.core.params import int_param
from shuxiang.sru.cql import Diagnostic

VERSIONS = ("1.1", "1.2", "2.0")
DEFAULT_VERSION = "1.2"
NAMESPACES = {
    "1.1": "http://www.loc.gov/zing/srw/",
    "1.2": "http://www.loc.gov/zing/srw/",
    "2.0": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
}
DIAGNOSTIC_NAMESPACES = {
    "1.1": "http://www.loc.gov/zing/srw/diagnostic/",
    "1.2": "http://www.loc.gov/zing/srw/diagnostic/",
    "2.0": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
}

EXPLAIN, SEARCH, SCAN = "explain", "searchRetrieve", "scan"

MARCXML = "info:srw/schema/1/marcxml-v1.1"
DC = "info:srw/schema/1/dc-v1.1"
DIAGNOSTICS_SCHEMA = "info:srw/schema/1/diagnostics-v1.1"
ZEEREX = "http://explain.z3950.org/dtd/2.0/"
MARC_NS = "http://www.loc.gov/MARC21/slim"
# Short names and URIs a client may ask for, each to the schema it names.
SCHEMAS = {
    "marcxml": MARCXML,
    MARCXML: MARCXML,
    "dc": DC,
    DC: DC,
    "info:srw/schema/1/dc-schema": DC,
}
PACKINGS = ("xml", "string")

DEFAULT_RECORDS = 10
MAX_RECORDS = 100  # a larger maximumRecords is answered with this many
MAX_START = 10_000_000


@dataclass(frozen=True, slots=True)
class SruRequest:
    operation: str
    version: str  # the version the answer is given in
    query: str = ""
    start: int = 1
    maximum: int = DEFAULT_RECORDS
    schema: str = MARCXML
    packing: str = "xml"  # recordPacking (1.x) or recordXMLEscaping (2.0)
    diagnostic: Diagnostic | None = None  # a problem that stops the operation

    @property
    def namespace(self) -> str:
        return NAMESPACES[self.version]

    @property
    def diagnostic_namespace(self) -> str:
        return DIAGNOSTIC_NAMESPACES[self.version]

    @property
    def packing_element(self) -> str:
        return "recordXMLEscaping" if self.version == "2.0" else "recordPacking"


def _value(params: Mapping[str, Any], name: str) -> str:
    return str(params.get(name) or "").strip()


def read_request(params: Mapping[str, Any]) -> SruRequest:
    """The request that these query parameters make. A bare request is an explain; one
    with a query and no operation a searchRetrieve (as SRU 2.0 has it)."""
    version = _value(params, "version") or DEFAULT_VERSION
    problem = None
    if version not in VERSIONS:
        # The details name the version this server would answer in.
        version, problem = DEFAULT_VERSION, Diagnostic(5, DEFAULT_VERSION)
    operation = _value(params, "operation") or (SEARCH if "query" in params else EXPLAIN)
    if operation not in (EXPLAIN, SEARCH) and problem is None:
        problem = Diagnostic(4, operation)
    packing_name = "recordXMLEscaping" if version == "2.0" else "recordPacking"
    packing = _value(params, packing_name) or "xml"
    found: dict[str, Any] = {}
    checks = [
        (packing not in PACKINGS, Diagnostic(71, packing)),
        (
            version == "2.0" and _value(params, "recordPacking") not in ("", "packed"),
            Diagnostic(71, _value(params, "recordPacking")),
        ),
        (bool(_value(params, "stylesheet")), Diagnostic(110, _value(params, "stylesheet"))),
    ]
    if operation == SEARCH:
        query = _value(params, "query")
        start = int_param(params.get("startRecord"), default=None, minimum=1, maximum=MAX_START)
        maximum = int_param(params.get("maximumRecords"), default=None)
        schema_name = _value(params, "recordSchema")
        schema = SCHEMAS.get(schema_name.lower() if ":" not in schema_name else schema_name)
        query_type = _value(params, "queryType")
        checks = [
            (not query, Diagnostic(7, "query")),
            (query_type not in ("", "cql"), Diagnostic(6, "queryType")),
            ("startRecord" in params and start is None, Diagnostic(6, "startRecord")),
            ("maximumRecords" in params and maximum is None, Diagnostic(6, "maximumRecords")),
            (bool(schema_name) and schema is None, Diagnostic(66, schema_name)),
            *checks,
            (bool(_value(params, "sortKeys")), Diagnostic(80, "sortKeys")),
            (bool(_value(params, "recordXPath")), Diagnostic(72, "recordXPath")),
        ]
        found = {
            "query": query,
            "start": start or 1,
            "maximum": min(DEFAULT_RECORDS if maximum is None else maximum, MAX_RECORDS),
            "schema": schema or MARCXML,
        }
    if problem is None:
        problem = next((diagnostic for failed, diagnostic in checks if failed), None)
    return SruRequest(
        operation=operation,
        version=version,
        packing=packing if packing in PACKINGS else "xml",
        diagnostic=problem,
        **found,
    )


def pages(offset: int, count: int) -> list[tuple[int, int]]:
    """The engine's pages, as (page, per_page), that together hold the results from
    `offset` (0-based) on, `count` of them: one page of `count` results, or two where
    the range straddles a page boundary. With no results wanted, the first page of one
    (for the total)."""
    if count <= 0:
        return [(1, 1)]
    first, last = offset // count, (offset + count - 1) // count
    return [(page + 1, count) for page in range(first, last + 1)]


# -- Dublin Core --------------------------------------------------------------------------

_XML_BAD = {i: None for i in range(32) if i not in (9, 10, 13)}
DC_TYPES = {"book": "Text", "periodical": "Text"}


def xml_text(value: Any) -> str:
    """Text for XML: escaped, without the control characters XML 1.0 cannot carry."""
    return escape(str(value).translate(_XML_BAD))


def dc_record(bib: Mapping[str, Any]) -> str:
    """A title's record in Dublin Core (srw_dc, the oai_dc shape), from its fields."""
    elements: list[tuple[str, Any]] = [("title", bib.get("title"))]
    elements.append(("title", bib.get("parallel_title")))
    elements += [("creator", author.get("name")) for author in bib.get("authors") or []]
    elements += [("subject", subject) for subject in bib.get("subjects") or []]
    elements.append(("subject", bib.get("clc")))
    elements.append(("description", bib.get("summary")))
    elements.append(("publisher", bib.get("publisher")))
    elements.append(("date", bib.get("year")))
    elements.append(("type", DC_TYPES.get(bib.get("material_type") or "")))
    extent = "; ".join(part for part in (bib.get("pages"), bib.get("size")) if part)
    elements.append(("format", extent))
    elements += [("identifier", f"URN:ISBN:{isbn}") for isbn in bib.get("isbns") or []]
    elements.append(("language", bib.get("language")))
    elements.append(("relation", bib.get("series")))
    lines = [
        f"  <dc:{name}>{xml_text(value)}</dc:{name}>"
        for name, value in elements
        if value not in (None, "")
    ]
    return (
        '<srw_dc:dc xmlns:srw_dc="info:srw/schema/1/dc-schema"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n' + "\n".join(lines) + "\n</srw_dc:dc>"
    )
