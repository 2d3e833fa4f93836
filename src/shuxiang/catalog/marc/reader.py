"""Reading a MARC file record by record, in constant memory: each result is a decoded
Record with its flavor and its UTF-8 ISO 2709 bytes, or the reason it was rejected."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree.ElementTree import ParseError, iterparse

from django.utils.translation import gettext as _

from shuxiang.catalog.marc import cnmarc
from shuxiang.catalog.marc import decode as decoding
from shuxiang.catalog.marc.detect import (
    CNMARC,
    ISO2709,
    MARC21,
    MARCXML,
    NotMarcError,
    flavor_of,
    sniff,
)
from shuxiang.catalog.marc.mapping import Note, is_note
from shuxiang.catalog.marc.record import (
    EncodingError,
    Field,
    MarcError,
    RawRecord,
    Record,
    _plausible_leader,
    fit,
    iter_raw,
    split_fields,
    to_iso2709,
)


@dataclass(slots=True)
class ReadResult:
    number: int  # 1-based position of the record in the file
    offset: int  # byte offset (ISO 2709) or -1 (MARCXML)
    record: Record | None = None
    flavor: str = ""
    encoding: str = ""
    original: bytes = b""  # the record as UTF-8 ISO 2709, kept for export
    error: str = ""
    bad_encoding: bool = False
    # Warnings about reading it (a doubtful encoding, a field split to fit ISO 2709),
    # each a mapping.Note with its kind.
    notes: list[str] = field(default_factory=list)


def _fit(result: ReadResult, record: Record) -> None:
    for message in fit(record, is_note(result.flavor)):
        result.notes.append(Note("field_split", message))


def read(
    stream: BinaryIO,
    *,
    file_format: str = "auto",
    encoding: str | None = None,
    only: dict[str, frozenset[str]] | None = None,
) -> Iterator[ReadResult]:
    """Records of a file. `file_format` auto|marc21|cnmarc|marcxml (marc21/cnmarc force
    the flavor); `encoding` forces the decoder; `only` (flavor -> tags) limits the fields
    decoded into the Record, for an importer that keeps the record's bytes anyway.
    NotMarcError when the file is not MARC."""
    head = stream.read(4096)
    stream.seek(0)
    container = sniff(head)
    if file_format == MARCXML and container != MARCXML:
        raise NotMarcError(_("不是 MARCXML 文件"))
    forced = file_format if file_format in (MARC21, CNMARC) else None
    enc = decoding.normalize_encoding(encoding)
    if container == ISO2709:
        yield from _read_iso(stream, forced, enc, only)
    else:
        yield from _read_xml(stream, forced)


def _read_iso(
    stream: BinaryIO, forced: str | None, enc: str | None, only: dict[str, frozenset[str]] | None
) -> Iterator[ReadResult]:
    number = 0
    for raw in iter_raw(stream):
        number += 1
        result = _one(number, raw, forced, enc, only)
        if result.error and not result.bad_encoding:
            parts = _resync(raw)
            if len(parts) == 2:
                yield _one(number, parts[0], forced, enc, only)
                number += 1
                yield _one(number, parts[1], forced, enc, only)
                continue
        yield result


def _resync(raw: RawRecord) -> list[RawRecord]:
    """A truncated record runs into the next one (no terminator between them): find the
    next leader inside so that only the damaged record is lost."""
    data = raw.data
    pos = 1
    while pos > 0:
        pos = _next_candidate(data, pos)
        if pos < 0:
            break
        if int(data[pos : pos + 5]) == len(data) - pos:
            try:
                split_fields(data[pos:])
            except MarcError:
                pass
            else:
                return [
                    RawRecord(raw.number, raw.offset, data[:pos]),
                    RawRecord(raw.number, raw.offset + pos, data[pos:]),
                ]
        pos += 1
    return [raw]


def _next_candidate(data: bytes, pos: int) -> int:
    while pos < len(data) - 24:
        if _plausible_leader(data, pos):
            return pos
        pos += 1
    return -1


def _one(
    number: int,
    raw: RawRecord,
    forced: str | None,
    enc: str | None,
    only: dict[str, frozenset[str]] | None = None,
) -> ReadResult:
    result = ReadResult(number=number, offset=raw.offset)
    try:
        leader, fields = split_fields(raw.data)
        flavor = forced or flavor_of([t for t, _ in fields], leader)
        record, encoding = decoding.read_record(
            leader, fields, flavor, enc, only.get(flavor) if only else None
        )
    except EncodingError as exc:
        result.error, result.bad_encoding = str(exc), True
        return result
    except MarcError as exc:
        result.error = str(exc)
        return result
    result.record, result.flavor, result.encoding = record, flavor, encoding
    if flavor == MARC21 and encoding != decoding.UTF8 and enc is None and leader[9] != "a":
        joined = b"\x1e".join(data for _, data in fields)
        if b"\x1b" not in joined:
            _guess, doubtful = decoding.marc21_guess(joined)
            if doubtful:
                result.notes.append(
                    Note(
                        "encoding_guess",
                        _(
                            "字符编码不能确定：头标区第 9 位为空（按 MARC 21 应为 MARC-8），"
                            "已按 %(encoding)s 读入，请核对；必要时导入时指定字符编码"
                        )
                        % {"encoding": decoding.LABELS.get(encoding, encoding)},
                    )
                )
    if encoding == decoding.UTF8:
        data = raw.data
        if flavor == MARC21 and leader[9] != "a":
            if data.isascii():
                # ASCII is the same in MARC-8 and UTF-8: the record is kept as it came,
                # and is what its leader says.
                result.encoding = decoding.MARC8
            else:
                data = data[:9] + b"a" + data[10:]
                record.leader = leader[:9] + "a" + leader[10:]
        result.original = data
    else:
        if flavor == CNMARC:
            cnmarc.mark_unicode(record)
        try:
            # Re-encoded as UTF-8, a field can outgrow ISO 2709's 9,999 bytes.
            _fit(result, record)
            result.original = to_iso2709(record, utf8_flag=flavor == MARC21)
        except MarcError as exc:
            result.error = str(exc)
            result.record = None
            return result
        record.leader = result.original[:24].decode("ascii")
    return result


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_xml(stream: BinaryIO, forced: str | None) -> Iterator[ReadResult]:
    number = 0
    try:
        root = None
        for event, elem in iterparse(stream, events=("start", "end")):
            if root is None:
                root = elem
            if event == "start" or _local(elem.tag) != "record":
                continue
            number += 1
            result = ReadResult(number=number, offset=-1)
            try:
                record = _xml_record(elem)
                result.flavor = forced or flavor_of(record.tags(), record.leader)
                _fit(result, record)
                result.original = to_iso2709(record, utf8_flag=result.flavor == MARC21)
                record.leader = result.original[:24].decode("ascii")
                result.record, result.encoding = record, decoding.UTF8
            except MarcError as exc:
                result.error = str(exc)
            elem.clear()
            if root is not elem:
                root.clear()  # drop the records read so far: constant memory
            yield result
    except ParseError as exc:
        if number == 0 and exc.position[0] <= 1:
            raise NotMarcError(_("XML 格式错误：%(error)s") % {"error": exc}) from exc
        yield ReadResult(
            number=number + 1,
            offset=-1,
            error=_("XML 格式错误，文件其余部分无法读取：%(error)s") % {"error": exc},
        )


def _xml_record(elem: object) -> Record:
    leader = ""
    fields: list[Field] = []
    for child in elem:  # type: ignore[attr-defined]
        name = _local(child.tag)
        if name == "leader":
            leader = child.text or ""
        elif name == "controlfield":
            fields.append(Field(child.get("tag", ""), data=child.text or ""))
        elif name == "datafield":
            ind = (child.get("ind1", " ") or " ")[:1] + (child.get("ind2", " ") or " ")[:1]
            subs = [
                (s.get("code", "")[:1], s.text or "") for s in child if _local(s.tag) == "subfield"
            ]
            fields.append(Field(child.get("tag", ""), ind, subs))
    if len(leader) != 24:
        raise MarcError(_("头标区应为 24 个字符，实为 %(n)d 个") % {"n": len(leader)})
    for f in fields:
        if len(f.tag) != 3 or not f.tag.isascii():
            raise MarcError(_("字段标识符 %(tag)s 无效") % {"tag": f.tag})
    if not fields:
        raise MarcError(_("记录中没有字段"))
    return Record(leader, fields)
