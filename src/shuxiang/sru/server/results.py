"""A searchRetrieve's results: the CQL query run by the search engine over one library's
catalog, and the titles found as records in the schema asked for.

MARCXML comes from the catalog's MARC exporter, so a title keeps the original record it
was imported with (its own format, MARC 21 or CNMARC, every field nobody edited) and
carries its current copies as holdings fields; a title made in Shuxiang is built from its
fields. Dublin Core is built from the title's fields. A title whose record cannot be
built is answered with a surrogate diagnostic in its place, not with an error for all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from shuxiang.core.models import Library
from shuxiang.sru import cql
from shuxiang.sru.cql import Diagnostic
from shuxiang.sru.server import protocol

log = logging.getLogger(__name__)

DC_FIELDS = (
    "id",
    "title",
    "parallel_title",
    "authors",
    "subjects",
    "clc",
    "summary",
    "publisher",
    "year",
    "material_type",
    "pages",
    "size",
    "isbns",
    "language",
    "series",
)


@dataclass(frozen=True, slots=True)
class Record:
    schema: str
    data: str  # the record's XML
    position: int


@dataclass(slots=True)
class Results:
    total: int = 0
    records: list[Record] = field(default_factory=list)
    next_position: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def search_retrieve(library: Library, request: protocol.SruRequest) -> Results:
    """Run the request's query; a bad query raises its Diagnostic."""
    from shuxiang.search import engine

    tree = cql.query_tree(request.query)
    offset, count = request.start - 1, request.maximum
    hits: list[Any] = []
    total = 0
    plan = protocol.pages(offset, count)
    for page, per_page in plan:
        found = engine.search(library, tree, page=page, per_page=per_page, facets=False)
        total = found.total
        hits.extend(found.hits)
        if len(found.hits) < per_page:
            break
    results = Results(total=total)
    # Beyond the last title, or deeper than the engine pages (it answers those empty).
    if request.start > max(total, 1) or (offset >= engine.MAX_OFFSET and count):
        results.diagnostics.append(Diagnostic(61, str(request.start)))
        return results
    if count == 0:
        return results
    skip = offset - (plan[0][0] - 1) * plan[0][1]
    bib_ids = [hit.bib_id for hit in hits[skip : skip + count]]
    built = (
        dc_records(library, bib_ids)
        if request.schema == protocol.DC
        else marcxml_records(library, bib_ids)
    )
    for position, bib_id in enumerate(bib_ids, start=request.start):
        if bib_id in built:
            results.records.append(Record(request.schema, built[bib_id], position))
        else:
            surrogate = surrogate_diagnostic(request, Diagnostic(64, str(bib_id)))
            results.records.append(Record(protocol.DIAGNOSTICS_SCHEMA, surrogate, position))
    following = request.start + len(bib_ids)
    if bib_ids and following <= total:
        results.next_position = following
    return results


def surrogate_diagnostic(request: protocol.SruRequest, diagnostic: Diagnostic) -> str:
    return (
        f'<diagnostic xmlns="{request.diagnostic_namespace}">'
        f"<uri>{diagnostic.uri}</uri><details>{protocol.xml_text(diagnostic.details)}</details>"
        f"<message>{diagnostic.message}</message></diagnostic>"
    )


def dc_records(library: Library, bib_ids: list[int]) -> dict[int, str]:
    from shuxiang.catalog.models import Bib

    rows = Bib.objects.filter(library=library, pk__in=bib_ids).values(*DC_FIELDS)
    return {row["id"]: protocol.dc_record(row) for row in rows}


def marcxml_records(library: Library, bib_ids: list[int]) -> dict[int, str]:
    """Each title's MARCXML record (with its namespace, to stand on its own), by id."""
    from xml.etree import ElementTree as ET

    from shuxiang.catalog.marc.exporter import Exporter

    wanted = sorted(set(bib_ids))
    if not wanted:
        return {}
    try:
        # The exporter writes one record per title of this library, in id order.
        exported = b"".join(
            Exporter(library=library, xml=True, bib_ids=wanted, public=True).chunks()
        )
        records = list(ET.fromstring(exported))
        return {bib_id: _standalone(record) for bib_id, record in zip(wanted, records, strict=True)}
    except Exception:
        if len(wanted) == 1:
            log.exception("SRU: no MARCXML record for title %s", wanted[0])
            return {}
    built: dict[int, str] = {}
    for bib_id in wanted:  # one by one, so that one bad record costs only itself
        built.update(marcxml_records(library, [bib_id]))
    return built


def _standalone(record: Any) -> str:
    """A record of the exported collection as XML of its own: the collection's default
    namespace (MARCXML's) declared on the record itself."""
    from xml.etree import ElementTree as ET

    for element in record.iter():
        element.tag = element.tag.rpartition("}")[2]
    record.set("xmlns", protocol.MARC_NS)
    return ET.tostring(record, encoding="unicode")
