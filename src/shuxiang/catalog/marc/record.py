"""A small MARC record model and ISO 2709 codec that works on bytes.

It splits the file at record terminators, checks the leader and directory against the
byte lengths (ISO 2709 counts bytes, so a GBK and a UTF-8 record of the same text differ
in length), and leaves decoding to `decode.py`. Written records are always UTF-8.

Why not pymarc's `MARCReader` (5.4, read with `to_unicode=False` as CNMARC must be):
measured by `bench/marc_bench.py` (`make bench` prints both), 50,000 CNMARC records
with CJK text parsed and decoded into the same fields, per CPU second: this codec
15,600, pymarc 6,611 (2.4x). On damaged files pymarc loses more and says less:
it reads by the declared length, so a truncated record or a wrong record length
(lengths counted in characters, as some GBK converters write) is a fatal error that
ends the file: the records after it are lost, where this codec resynchronizes at the
next terminator and rejects only the damaged one. A missing field terminator goes
through pymarc silently (the fields after it are read a byte off: indicators wrong, a
terminator left in the data); here it is a rejection that names the field. Its messages are English and generic ("Invalid directory",
`int()`'s ValueError); these say which part is wrong and with what value. pymarc
stays for MARC-8 (`marc8_to_unicode`) and for the tests' independent reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

RT = b"\x1d"  # record terminator
FT = b"\x1e"  # field terminator
SF = b"\x1f"  # subfield delimiter
RT_INT, FT_INT, SF_INT = 0x1D, 0x1E, 0x1F
_ENTRY = re.compile(rb"([^\x1d\x1e\x1f]{3})(\d{4})(\d{5})", re.DOTALL)


class MarcError(Exception):
    """A record that cannot be read; the message says why (shown to the user)."""


class EncodingError(MarcError):
    """Bytes that the record's encoding cannot decode."""


class Field:
    """A control field (`data` set) or a data field (indicators + subfields)."""

    __slots__ = ("tag", "ind", "subfields", "data")

    def __init__(
        self,
        tag: str,
        ind: str = "  ",
        subfields: list[tuple[str, str]] | None = None,
        data: str | None = None,
    ) -> None:
        self.tag = tag
        self.ind = ind
        self.subfields = subfields if subfields is not None else []
        self.data = data

    @property
    def is_control(self) -> bool:
        return self.data is not None

    def get(self, code: str, default: str = "") -> str:
        for c, v in self.subfields:
            if c == code:
                return v
        return default

    def getall(self, code: str) -> list[str]:
        return [v for c, v in self.subfields if c == code]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Field)
            and self.tag == other.tag
            and self.data == other.data
            and (
                self.data is not None
                or (self.ind == other.ind and self.subfields == other.subfields)
            )
        )

    def __repr__(self) -> str:
        if self.data is not None:
            return f"={self.tag}  {self.data}"
        subs = "".join(f"${c}{v}" for c, v in self.subfields)
        return f"={self.tag}  {self.ind.replace(' ', '_')}{subs}"


class Record:
    __slots__ = ("leader", "fields")

    def __init__(self, leader: str, fields: list[Field] | None = None) -> None:
        self.leader = leader
        self.fields = fields if fields is not None else []

    def get_fields(self, *tags: str) -> list[Field]:
        return [f for f in self.fields if f.tag in tags]

    def first(self, tag: str) -> Field | None:
        for f in self.fields:
            if f.tag == tag:
                return f
        return None

    def tags(self) -> set[str]:
        return {f.tag for f in self.fields}


def is_control_tag(tag: str) -> bool:
    return tag < "010" and tag.isdigit()


@dataclass(slots=True)
class RawRecord:
    """One record's bytes as found in the file, with its place (1-based number, byte offset)."""

    number: int
    offset: int
    data: bytes


def _plausible_leader(data: bytes, pos: int) -> bool:
    head = data[pos : pos + 24]
    return len(head) == 24 and head[:5].isdigit() and head[12:17].isdigit()


def iter_raw(stream: BinaryIO, chunk_size: int = 1 << 20) -> Iterator[RawRecord]:
    """Split an ISO 2709 stream at record terminators, in constant memory.

    0x1D never occurs inside a UTF-8, GBK/GB18030 or MARC-8 character, so splitting
    before decoding is safe. Whitespace and ^Z padding between records are skipped.
    """
    buffer = b""
    offset = 0  # file offset of buffer[0]
    number = 0
    while True:
        chunk = stream.read(chunk_size)
        if chunk:
            buffer += chunk
        start = 0
        while True:
            end = buffer.find(RT, start)
            if end < 0:
                break
            piece = buffer[start : end + 1]
            stripped = piece.lstrip(b"\r\n \t\x1a\x00")
            if stripped != RT:
                number += 1
                yield RawRecord(number, offset + start + len(piece) - len(stripped), stripped)
            start = end + 1
        buffer = buffer[start:]
        offset += start
        if not chunk:
            rest = buffer.strip(b"\r\n \t\x1a\x00")
            if rest:
                number += 1
                yield RawRecord(number, offset + buffer.find(rest[:1]), rest)
            return


def split_fields(data: bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """Check one record's structure and return its leader and (tag, field bytes) pairs
    (field terminators removed). Raises MarcError with the reason."""
    size = len(data)
    if size < 25:
        raise MarcError(_("记录不完整（只有 %(n)d 字节）") % {"n": size})
    head = data[:24]
    if not head[:5].isdigit():
        raise MarcError(
            _("头标区错误：记录长度 %(value)s 不是数字") % {"value": head[:5].decode("latin-1")}
        )
    try:
        leader = head.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MarcError(_("头标区错误：含非 ASCII 字符")) from exc
    if data[-1] != RT_INT:
        raise MarcError(_("记录不完整：缺少记录结束符"))
    declared = int(leader[:5])
    if declared != size:
        raise MarcError(
            _("头标区记录长度为 %(declared)d，实际为 %(size)d 字节")
            % {"declared": declared, "size": size}
        )
    base_text = leader[12:17]
    if not base_text.isdigit():
        raise MarcError(_("头标区错误：数据起始地址 %(value)s 不是数字") % {"value": base_text})
    base = int(base_text)
    if base < 25 or base > size or data[base - 1] != FT_INT:
        raise MarcError(_("头标区错误：数据起始地址 %(base)d 与目次区不符") % {"base": base})
    directory = data[24 : base - 1]
    if len(directory) % 12:
        raise MarcError(_("目次区错误：长度 %(n)d 不是 12 的倍数") % {"n": len(directory)})
    entries = _ENTRY.findall(directory)
    if len(entries) * 12 != len(directory):
        # findall skips what it cannot read: name the first entry that is not an entry.
        bad = next(
            directory[i : i + 12]
            for i in range(0, len(directory), 12)
            if not _ENTRY.fullmatch(directory[i : i + 12])
        )
        raise MarcError(
            _("目次区错误：无法识别的目次项 %(entry)s") % {"entry": bad.decode("latin-1")}
        )
    fields: list[tuple[str, bytes]] = []
    append = fields.append
    limit = size - 1
    for tag, length_text, start_text in entries:
        start = base + int(start_text)
        end = start + int(length_text)
        if end > limit or end <= start or data[end - 1] != FT_INT:
            raise MarcError(
                _("目次区中字段 %(tag)s 的长度或起始位置错误") % {"tag": tag.decode("latin-1")}
            )
        append((tag.decode("latin-1"), data[start : end - 1]))
    return leader, fields


def field_bytes(field: Field) -> bytes:
    if field.data is not None:
        return field.data.encode("utf-8")
    return field.ind.encode("utf-8")[:2].ljust(2) + b"".join(
        SF + (code + value).encode("utf-8") for code, value in field.subfields
    )


# A directory entry gives a field's length in 4 digits, its terminator included.
MAX_FIELD_BYTES = 9999


def assemble(leader: str, fields: list[tuple[str, bytes]]) -> bytes:
    """ISO 2709 bytes from a leader and encoded fields (without terminators); the
    record length, base address and directory are computed in bytes. MarcError for a
    field or record that ISO 2709 cannot carry: never a directory that lies."""
    directory = []
    body = []
    pos = 0
    for tag, data in fields:
        length = len(data) + 1
        if length > MAX_FIELD_BYTES:
            raise MarcError(
                _("字段 %(tag)s 长 %(n)d 字节，超过 ISO 2709 单个字段 9999 字节的上限")
                % {"tag": tag, "n": length}
            )
        if len(tag) != 3 or not tag.isascii():
            raise MarcError(_("字段标识符 %(tag)s 无效") % {"tag": tag})
        directory.append(b"%s%04d%05d" % (tag.encode("ascii"), length, pos))
        body.append(data)
        body.append(FT)
        pos += length
    dir_bytes = b"".join(directory) + FT
    base = 24 + len(dir_bytes)
    total = base + pos + 1
    if total > 99999:
        raise MarcError(_("记录超过 ISO 2709 的长度上限（%(n)d 字节）") % {"n": total})
    lead = leader.ljust(24)[:24]
    head = f"{total:05d}{lead[5:12]}{base:05d}{lead[17:]}".encode("ascii")
    return head + dir_bytes + b"".join(body) + RT


def to_iso2709(record: Record, *, utf8_flag: bool = False) -> bytes:
    """UTF-8 ISO 2709; `utf8_flag` sets leader/09 to "a" (MARC 21's mark for UCS)."""
    leader = record.leader.ljust(24)[:24]
    if utf8_flag:
        leader = leader[:9] + "a" + leader[10:]
    return assemble(leader, [(f.tag, field_bytes(f)) for f in record.fields])


def field_from_bytes(tag: str, chunk: bytes) -> Field:
    """One field of a stored (UTF-8) record."""
    text = chunk.decode("utf-8")
    if is_control_tag(tag):
        return Field(tag, data=text)
    parts = text.split("\x1f")
    return Field(tag, parts[0][:2].ljust(2), [(p[:1], p[1:]) for p in parts[1:] if p])


def fit(record: Record, splittable: Callable[[str], bool]) -> list[str]:
    """Make every field fit ISO 2709's 9,999 bytes: a long note (a tag `splittable`
    says may repeat, such as 520 or 330) is split into several fields of the same tag,
    its longest subfield cut between characters; any other long field is a MarcError
    that names it. Returns a message for each field split."""
    messages: list[str] = []
    out: list[Field] = []
    for f in record.fields:
        size = len(field_bytes(f)) + 1
        if size <= MAX_FIELD_BYTES:
            out.append(f)
            continue
        if f.data is not None or not splittable(f.tag) or not f.subfields:
            raise MarcError(
                _("字段 %(tag)s 长 %(n)d 字节，超过 ISO 2709 单个字段 9999 字节的上限，无法保存")
                % {"tag": f.tag, "n": size}
            )
        pieces = _split_field(f)
        out.extend(pieces)
        messages.append(
            _(
                "字段 %(tag)s 长 %(n)d 字节，超过 ISO 2709 单个字段 9999 字节的上限，已拆分为 %(k)d 个 %(tag)s 字段"
            )
            % {"tag": f.tag, "n": size, "k": len(pieces)}
        )
    record.fields = out
    return messages


def _split_field(f: Field) -> list[Field]:
    longest = max(range(len(f.subfields)), key=lambda i: len(f.subfields[i][1].encode("utf-8")))
    code, text = f.subfields[longest]
    rest = f.subfields[:longest] + f.subfields[longest + 1 :]
    # Room for the text in each field: indicators, "$x", the terminator, and in the
    # first field the other subfields.
    first_room = MAX_FIELD_BYTES - 1 - 2 - 2 - sum(2 + len(v.encode("utf-8")) for _, v in rest)
    room = MAX_FIELD_BYTES - 1 - 2 - 2
    if first_room < 4:
        raise MarcError(_("字段 %(tag)s 的其他子字段过长，无法拆分") % {"tag": f.tag})
    chunks: list[str] = []
    current, used, limit = [], 0, first_room
    for ch in text:
        n = len(ch.encode("utf-8"))
        if used + n > limit:
            chunks.append("".join(current))
            current, used, limit = [], 0, room
        current.append(ch)
        used += n
    chunks.append("".join(current))
    first = list(f.subfields)
    first[longest] = (code, chunks[0])
    return [Field(f.tag, f.ind, first)] + [Field(f.tag, f.ind, [(code, c)]) for c in chunks[1:]]


def parse_utf8(data: bytes) -> Record:
    """A record stored by Shuxiang (UTF-8 ISO 2709) back into a Record."""
    leader, raw = split_fields(data)
    fields = []
    for tag, chunk in raw:
        text = chunk.decode("utf-8")
        if is_control_tag(tag):
            fields.append(Field(tag, data=text))
        else:
            parts = text.split("\x1f")
            fields.append(
                Field(tag, parts[0][:2].ljust(2), [(p[:1], p[1:]) for p in parts[1:] if p])
            )
    return Record(leader, fields)
