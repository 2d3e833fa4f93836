"""SRU client for copy cataloging (套录): a searchRetrieve request (SRU 1.2, CQL
`bath.isbn=`, or `dc.title=` and `dc.creator=`) to a configured server, the MARCXML
records of the response mapped to Bib fields by the catalog's MARC mapping (MARC 21 or
CNMARC). The Z39.50 client (`z3950`) answers with the same record and result types."""

from __future__ import annotations

import base64
import io
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules

SRW_NS = ("http://www.loc.gov/zing/srw/", "http://docs.oasis-open.org/ns/search-ws/sruResponse")
MARC_NS = "http://www.loc.gov/MARC21/slim"
DIAG_NS = "http://www.loc.gov/zing/srw/diagnostic/"
TIMEOUT = 8  # seconds for the connection and for each read


class SruError(Exception):
    """The server could not be reached, answered with a diagnostic, or sent no XML."""


@dataclass(slots=True)
class SruRecord:
    """A found record (SRU or Z39.50): its Bib values and the record to keep."""

    values: dict[str, Any]
    marcxml: bytes = b""  # as an SRU server sent it
    preview: list[tuple[str, str]] = field(default_factory=list)
    original: bytes = b""  # the record as UTF-8 ISO 2709, kept with the title it catalogs
    raw: bytes = b""  # as a Z39.50 server sent it (ISO 2709 in its character set)


@dataclass(slots=True)
class SruResult:
    total: int
    records: list[SruRecord]
    url: str
    skipped: int = 0  # records that could not be decoded or mapped
    seconds: float = 0.0


def _quoted(text: str) -> str:
    text = text.strip().replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def cql_query(*, isbn: str = "", title: str = "", author: str = "") -> str:
    """`bath.isbn=9787...` for an ISBN (normalized when valid), else `dc.title="..."`
    and `dc.creator="..."`, both required when both are given."""
    if isbn.strip():
        value = isbn_rules.normalize(isbn) or isbn.strip().replace("-", "")
        return f"bath.isbn={value}"
    parts = []
    if title.strip() or not author.strip():
        parts.append(f"dc.title={_quoted(title)}")
    if author.strip():
        parts.append(f"dc.creator={_quoted(author)}")
    return " and ".join(parts)


def request_url(server: Any, query: str, *, maximum: int = 10, start: int = 1) -> str:
    base = server.url.rstrip("/")
    if server.database:
        base = f"{base}/{server.database.strip('/')}"
    params = {
        "version": "1.2",
        "operation": "searchRetrieve",
        "query": query,
        "maximumRecords": str(maximum),
        "startRecord": str(start),
        "recordSchema": server.record_schema or "marcxml",
    }
    return f"{base}?{urllib.parse.urlencode(params)}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_response(body: bytes) -> tuple[int, list[bytes]]:
    """(numberOfRecords, each MARCXML <record> serialized) of a searchRetrieveResponse;
    SruError for a diagnostic or a body that is not a response."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SruError(
            _("服务器的应答不是 XML，不是 SRU 服务器？（%(error)s）") % {"error": exc}
        ) from exc
    if _local(root.tag) != "searchRetrieveResponse":
        raise SruError(
            _("服务器的应答不是 SRU 检索结果（%(element)s）。") % {"element": _local(root.tag)}
        )
    total = 0
    diagnostics = []
    records: list[bytes] = []
    for elem in root.iter():
        name = _local(elem.tag)
        if name == "numberOfRecords" and elem.text and elem.text.strip().isdigit():
            total = int(elem.text.strip())
        elif name == "diagnostic":
            message = " ".join(
                (child.text or "").strip()
                for child in elem
                if _local(child.tag) in ("message", "details")
            )
            diagnostics.append(message.strip() or "diagnostic")
        elif name == "recordData":
            for child in elem:
                if _local(child.tag) == "record":
                    records.append(ET.tostring(child, encoding="utf-8"))
    if diagnostics and not records:
        raise SruError(_("服务器返回诊断：%(detail)s") % {"detail": "; ".join(diagnostics)})
    return total, records


def _map(marcxml: bytes) -> tuple[dict[str, Any], bytes] | None:
    from shuxiang.catalog.marc import importer, reader

    wrapped = (
        b'<?xml version="1.0" encoding="UTF-8"?><collection xmlns="'
        + MARC_NS.encode()
        + b'">'
        + marcxml.split(b"?>", 1)[-1]
        + b"</collection>"
    )
    for result in reader.read(io.BytesIO(wrapped), file_format="marcxml"):
        if result.record is None or result.error:
            return None
        return importer.map_record(result).values, result.original
    return None


def preview_fields(values: dict[str, Any]) -> list[tuple[str, str]]:
    authors = "；".join(a.get("name", "") for a in values.get("authors") or [])
    price = values.get("price")
    rows = [
        (_("题名"), values.get("title", "")),
        (_("责任者"), values.get("responsibility") or authors),
        (
            _("出版"),
            " : ".join(x for x in (values.get("place", ""), values.get("publisher", "")) if x),
        ),
        (_("出版年"), str(values.get("year") or "")),
        (_("ISBN"), values.get("isbn", "") or "；".join(values.get("invalid_isbns") or [])),
        (_("分类号"), values.get("clc", "")),
        (_("载体"), " ".join(x for x in (values.get("pages", ""), values.get("size", "")) if x)),
        (_("定价"), f"{price / 100:.2f}" if isinstance(price, int) else ""),
        (_("丛书"), values.get("series", "")),
    ]
    return [(label, value) for label, value in rows if value]


def form_values(values: dict[str, Any], original: bytes = b"") -> dict[str, str]:
    """The cataloging form's fields from a mapped record (for the prefill link), with
    the record itself (`marc`, base64) so that the title keeps every field of it."""
    price = values.get("price")
    isbn = values.get("isbn") or next(iter(values.get("invalid_isbns") or []), "")
    result = {
        "isbn": isbn,
        "title": values.get("title", ""),
        "parallel_title": values.get("parallel_title", ""),
        "authors": "；".join(a.get("name", "") for a in values.get("authors") or []),
        "edition": values.get("edition", ""),
        "publisher": values.get("publisher", ""),
        "place": values.get("place", ""),
        "year": str(values.get("year") or ""),
        "pages": values.get("pages", ""),
        "size": values.get("size", ""),
        "price": f"{price / 100:.2f}" if isinstance(price, int) else "",
        "clc": values.get("clc", ""),
        "series": values.get("series", ""),
        "subjects": "；".join(values.get("subjects") or []),
        "summary": values.get("summary", ""),
        "language": values.get("language", ""),
        "marc": base64.urlsafe_b64encode(original).decode("ascii") if original else "",
    }
    return {k: v for k, v in result.items() if v}


def _fetch(server: Any, url: str, timeout: float) -> bytes:
    req = urllib.request.Request(url, headers={"Accept": "text/xml, application/xml"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 — the librarian's own server list
            return response.read()
    except TimeoutError as exc:
        raise SruError(
            _("服务器 %(seconds)d 秒内没有应答（%(url)s）。")
            % {"seconds": math.ceil(timeout), "url": server.url}
        ) from exc
    except urllib.error.HTTPError as exc:
        raise SruError(
            _("服务器返回 HTTP %(status)d（%(url)s）。") % {"status": exc.code, "url": server.url}
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise SruError(
                _("服务器 %(seconds)d 秒内没有应答（%(url)s）。")
                % {"seconds": math.ceil(timeout), "url": server.url}
            ) from exc
        raise SruError(
            _("无法连接到 %(url)s：服务器没有开启，或地址有误（%(reason)s）。")
            % {"url": server.url, "reason": reason}
        ) from exc


def search(
    server: Any,
    *,
    isbn: str = "",
    title: str = "",
    author: str = "",
    maximum: int = 10,
    timeout: float = TIMEOUT,
) -> SruResult:
    """Search one server; records that cannot be mapped are left out (and counted).
    SruError with a message for the librarian when the server is down, does not answer
    within `timeout` seconds, or answers with a diagnostic."""
    if not (isbn.strip() or title.strip() or author.strip()):
        raise SruError(_("请填写 ISBN、题名或责任者。"))
    started = time.monotonic()
    url = request_url(server, cql_query(isbn=isbn, title=title, author=author), maximum=maximum)
    total, raw = parse_response(_fetch(server, url, timeout))
    records, skipped = [], 0
    for xml in raw:
        mapped = _map(xml)
        if mapped is None or not mapped[0].get("title"):
            skipped += 1
            continue
        values, original = mapped
        records.append(
            SruRecord(values=values, marcxml=xml, preview=preview_fields(values), original=original)
        )
    return SruResult(
        total=total,
        records=records,
        url=url,
        skipped=skipped,
        seconds=time.monotonic() - started,
    )
