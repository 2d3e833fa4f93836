"""Z39.50 client for copy cataloging (套录): a search by ISBN, title or author (a PQF
query with Bib-1 use attributes 7, 4 and 1003) on a configured server, the records
fetched as ISO 2709 in the server's record syntax (MARC 21, or UNIMARC under which
Chinese servers send CNMARC) and character set, and mapped to Bib fields by the
catalog's own MARC reader and mapping, as the SRU client does.

The protocol is spoken by YAZ's ZOOM C API (Debian package `libyaz5`, installed with
`yaz`), loaded with ctypes: BER and the Z39.50 state machine are not written here. The
alternatives were measured or checked on 2026-12-01:

- PyPI has no maintained Z39.50 library: PyZ3950 and its fork `mollyz3950` (last
  release 2011) are Python 2 only; `flask-z3950` wraps PyZ3950.
- YAZ through ctypes (this module), against `yaz-ztest` on the loopback: connect,
  search and one present of 10 USMARC records take 15 ms, 27 ms with decoding and
  mapping the 10 records (median of 20 runs, under `nice` on a shared 2-core machine
  with load 4). The network and the server's own time dominate any real search.
- ctypes releases the GIL while YAZ waits on the network, so several servers are
  searched at once from threads (`copy_search`), each connection used by one thread.

Character sets: the records' bytes are decoded by the catalog's MARC reader with the
server's configured character set (GBK/GB18030, UTF-8, MARC-8, or detected per record),
so that decoding is written once; query terms are converted to the server's character
set by YAZ (ZOOM's `rpnCharset`), since a GBK server compares GBK terms.

Without libyaz every search answers `Z3950Unavailable`, whose message names the
package to install, and the rest of the system works as before."""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import math
import threading
import time
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules
from shuxiang.sru.client import SruError, SruRecord, SruResult, preview_fields
from shuxiang.sru.models import SruServer

TIMEOUT = 8  # seconds YAZ waits for each step (connect, search, present)
MAXIMUM = 10

# The Z39.50 record syntax asked for, by the server's setting.
SYNTAXES = {"marc21": "USmarc", "cnmarc": "Unimarc", "unimarc": "Unimarc"}
# The catalog reader's decoder for each configured character set (None: per record).
DECODERS = {"auto": None, "utf-8": "utf-8", "gbk": "gb18030", "marc8": "marc8"}
# YAZ's name of the character set query terms are converted to (none: sent as UTF-8).
TERM_CHARSETS = {"gbk": "gbk", "marc8": "marc8"}

# ZOOM error codes (yaz/zoom.h) that get their own message.
_CONNECT, _CONNECTION_LOST, _INIT, _TIMEOUT = 10000, 10004, 10005, 10007
_LIBRARY_NAMES = ("libyaz.so.5", "libyaz.so", "libyaz.5.dylib", "yaz5.dll")


class Z3950Error(SruError):
    """The server could not be reached, refused, did not answer in time, or sent a
    diagnostic; the message says which, in the user's language."""


class Z3950Unavailable(Z3950Error):
    """libyaz is not installed on this machine."""


_lock = threading.Lock()
_loaded: list[Any] = []  # [CDLL] once loaded, [None] once known missing


def _bind(lib: Any) -> Any:
    p, s, i, z = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t
    sp = ctypes.POINTER(ctypes.c_char_p)
    for name, restype, argtypes in (
        ("ZOOM_options_create", p, []),
        ("ZOOM_options_set", None, [p, s, s]),
        ("ZOOM_options_destroy", None, [p]),
        ("ZOOM_connection_create", p, [p]),
        ("ZOOM_connection_connect", None, [p, s, i]),
        ("ZOOM_connection_error", i, [p, sp, sp]),
        ("ZOOM_connection_destroy", None, [p]),
        ("ZOOM_connection_search_pqf", p, [p, s]),
        ("ZOOM_resultset_size", z, [p]),
        ("ZOOM_resultset_records", None, [p, p, z, z]),
        ("ZOOM_resultset_record", p, [p, z]),
        ("ZOOM_resultset_destroy", None, [p]),
        ("ZOOM_record_get", p, [p, s, ctypes.POINTER(i)]),
        ("ZOOM_record_error", i, [p, sp, sp, sp]),
    ):
        func = getattr(lib, name)
        func.restype, func.argtypes = restype, argtypes
    return lib


def _library() -> Any:
    """libyaz, loaded and bound once; Z3950Unavailable when it is not installed."""
    with _lock:
        if not _loaded:
            lib = None
            names = list(_LIBRARY_NAMES)
            found = ctypes.util.find_library("yaz")
            if found:
                names.append(found)
            for name in names:
                try:
                    lib = _bind(ctypes.CDLL(name))
                    break
                except (OSError, AttributeError):
                    continue
            _loaded.append(lib)
        lib = _loaded[0]
    if lib is None:
        raise Z3950Unavailable(unavailable_message())
    return lib


def unavailable_message() -> str:
    return _(
        "本机没有安装 YAZ 库，不能使用 Z39.50 套录：请安装 libyaz5（Debian/Ubuntu："
        "apt-get install yaz）后重启书香。"
    )


def available() -> bool:
    """Whether libyaz can be loaded here (the settings page warns when not)."""
    try:
        _library()
    except Z3950Unavailable:
        return False
    return True


def _clean(text: str) -> str:
    # Quotes and backslashes would end or escape a PQF term: no catalog searches for
    # them, so they become spaces.
    return " ".join(text.replace('"', " ").replace("\\", " ").split())


def _term(text: str) -> str:
    return f'"{_clean(text)}"'


def isbn_forms(raw: str) -> list[str]:
    """The forms an ISBN may be indexed under: servers index it as catalogued,
    ISBN-13 or ISBN-10, with or without hyphens."""
    raw = raw.strip()
    isbn13 = isbn_rules.normalize(raw)
    if isbn13 is None:
        return [raw.replace("-", "").replace(" ", "")]
    forms = [isbn13, isbn_rules.hyphenate(isbn13)]
    if isbn13.startswith("978"):
        from stdnum import isbn as stdnum_isbn

        isbn10 = stdnum_isbn.to_isbn10(isbn13)
        forms += [isbn10, stdnum_isbn.format(isbn10)]
    return list(dict.fromkeys(forms))


def _or(terms: list[str]) -> str:
    query = terms[-1]
    for term in reversed(terms[:-1]):
        query = f"@or {term} {query}"
    return query


def pqf_query(*, isbn: str = "", title: str = "", author: str = "") -> str:
    """The PQF query: an ISBN alone (in every form it may be indexed under), else the
    title and the author given, both required. ValueError when nothing is given."""
    if _clean(isbn):
        return _or([f"@attr 1=7 {_term(form)}" for form in isbn_forms(_clean(isbn))])
    parts = []
    if _clean(title):
        parts.append(f"@attr 1=4 {_term(title)}")
    if _clean(author):
        parts.append(f"@attr 1=1003 {_term(author)}")
    if not parts:
        raise ValueError("an ISBN, a title or an author is needed")
    return parts[0] if len(parts) == 1 else f"@and {parts[0]} {parts[1]}"


def _detail(*texts: Any) -> str:
    return " ".join((t.value or b"").decode("utf-8", "replace") for t in texts if t.value)


def _diagnostic(server: Any, code: int, detail: str) -> str:
    """The librarian's words for the Bib-1 diagnostics a misconfigured server gives."""
    if code == 109:
        return _("服务器上没有数据库 %(database)s，请检查服务器设置里的数据库名。") % {
            "database": server.database or "Default"
        }
    if code in (113, 114):
        return _("服务器不支持这种检索（%(detail)s）。") % {"detail": detail}
    if code in (238, 239):
        return _("服务器不提供所选的记录语法 %(syntax)s，请在服务器设置里换一种。") % {
            "syntax": dict(SruServer.RecordSyntax.choices).get(
                server.record_syntax, server.record_syntax
            )
        }
    return _("服务器返回错误 %(code)d：%(detail)s") % {"code": code, "detail": detail}


def _error(lib: Any, conn: Any, server: Any, timeout: int) -> Z3950Error | None:
    message, addinfo = ctypes.c_char_p(), ctypes.c_char_p()
    code = lib.ZOOM_connection_error(conn, ctypes.byref(message), ctypes.byref(addinfo))
    if not code:
        return None
    where = f"{server.host}:{server.port}"
    if code == _TIMEOUT:
        text = _("服务器 %(seconds)d 秒内没有应答（%(where)s）。") % {
            "seconds": timeout,
            "where": where,
        }
    elif code == _CONNECT:
        text = _("无法连接到 %(where)s：服务器没有开启，或主机名、端口有误。") % {"where": where}
    elif code in (_CONNECTION_LOST, _INIT):
        text = _("服务器 %(where)s 断开了连接或拒绝了登录。") % {"where": where}
    else:
        text = _diagnostic(server, code, _detail(message, addinfo))
    return Z3950Error(text)


def _record_error(lib: Any, record: Any, server: Any) -> str:
    """The message of a surrogate diagnostic, which stands in for a record the server
    could not give; empty for a record."""
    message, addinfo, diagset = (ctypes.c_char_p() for _n in range(3))
    code = lib.ZOOM_record_error(
        record, ctypes.byref(message), ctypes.byref(addinfo), ctypes.byref(diagset)
    )
    return _diagnostic(server, code, _detail(message, addinfo)) if code else ""


def _records(raw: list[bytes], charset: str) -> tuple[list[SruRecord], int]:
    """The records that decode and map, and how many did not."""
    from shuxiang.catalog.marc import importer, reader
    from shuxiang.catalog.marc.detect import NotMarcError

    records, skipped = [], 0
    for data in raw:
        try:
            results = list(reader.read(io.BytesIO(data), encoding=DECODERS.get(charset)))
        except (NotMarcError, ValueError):
            skipped += 1
            continue
        if len(results) != 1 or results[0].record is None or results[0].error:
            skipped += 1
            continue
        values = importer.map_record(results[0]).values
        if not values.get("title"):
            skipped += 1
            continue
        records.append(
            SruRecord(
                values=values,
                preview=preview_fields(values),
                original=results[0].original,
                raw=data,
            )
        )
    return records, skipped


def search(
    server: Any,
    *,
    isbn: str = "",
    title: str = "",
    author: str = "",
    maximum: int = MAXIMUM,
    timeout: float = TIMEOUT,
) -> SruResult:
    """Search one Z39.50 server and fetch its first `maximum` records. Z3950Error with
    a message for the librarian when it is down, refuses, or does not answer within
    `timeout` seconds at any step; Z3950Unavailable without libyaz."""
    try:
        query = pqf_query(isbn=isbn, title=title, author=author)
    except ValueError as exc:
        raise Z3950Error(_("请填写 ISBN、题名或责任者。")) from exc
    lib = _library()
    seconds = max(1, math.ceil(timeout))
    options = lib.ZOOM_options_create()
    conn = None
    started = time.monotonic()
    try:
        settings = {
            "preferredRecordSyntax": SYNTAXES.get(server.record_syntax, "USmarc"),
            "elementSetName": "F",
            "timeout": str(seconds),
        }
        if server.database:
            settings["databaseName"] = server.database
        if server.charset in TERM_CHARSETS:
            settings["rpnCharset"] = TERM_CHARSETS[server.charset]
        for key, value in settings.items():
            lib.ZOOM_options_set(options, key.encode(), value.encode("utf-8"))
        conn = lib.ZOOM_connection_create(options)
        host = server.host.encode("idna")
        lib.ZOOM_connection_connect(conn, host, int(server.port))
        if error := _error(lib, conn, server, seconds):
            raise error
        resultset = lib.ZOOM_connection_search_pqf(conn, query.encode("utf-8"))
        try:
            if error := _error(lib, conn, server, seconds):
                raise error
            total = int(lib.ZOOM_resultset_size(resultset))
            count = min(total, maximum)
            raw: list[bytes] = []
            refused = ""
            if count:
                lib.ZOOM_resultset_records(resultset, None, 0, count)  # one present
                if error := _error(lib, conn, server, seconds):
                    raise error
            for position in range(count):
                record = lib.ZOOM_resultset_record(resultset, position)
                if not record:
                    continue
                if problem := _record_error(lib, record, server):
                    refused = refused or problem
                    continue
                length = ctypes.c_int()
                pointer = lib.ZOOM_record_get(record, b"raw", ctypes.byref(length))
                if pointer and length.value > 0:
                    raw.append(ctypes.string_at(pointer, length.value))
            if refused and not raw:
                raise Z3950Error(refused)  # every record refused: say why, not "none found"
        finally:
            lib.ZOOM_resultset_destroy(resultset)
    finally:
        if conn is not None:
            lib.ZOOM_connection_destroy(conn)
        lib.ZOOM_options_destroy(options)
    records, skipped = _records(raw, server.charset)
    where = f"z3950://{server.host}:{server.port}/{server.database or 'Default'}"
    return SruResult(
        total=total,
        records=records,
        url=f"{where}?{query}",
        skipped=skipped,
        seconds=time.monotonic() - started,
    )
