"""Turning a record's bytes into text: UTF-8, MARC-8 (MARC 21) and the GB2312/GBK/GB18030
that older Chinese vendors ship, detected per record or forced by the user."""

from __future__ import annotations

from django.utils.translation import gettext as _
from pymarc.marc8 import marc8_to_unicode

from shuxiang.catalog.marc.detect import MARC21
from shuxiang.catalog.marc.record import EncodingError, Field, Record, is_control_tag

UTF8 = "utf-8"
GB18030 = "gb18030"
MARC8 = "marc8"

ENCODINGS = {
    "utf-8": UTF8,
    "utf8": UTF8,
    "gb2312": GB18030,  # GB18030 is a superset of GB2312 and GBK: one decoder for all three
    "gbk": GB18030,
    "cp936": GB18030,
    "gb18030": GB18030,
    "marc8": MARC8,
    "marc-8": MARC8,
}


def normalize_encoding(name: str | None) -> str | None:
    """The decoder for a user-given name, None for auto; ValueError if unknown."""
    if not name or name.lower() == "auto":
        return None
    try:
        return ENCODINGS[name.lower()]
    except KeyError as exc:
        raise ValueError(
            _("未知的字符编码 %(name)s（可用 utf-8、gbk、gb2312、gb18030、marc8）") % {"name": name}
        ) from exc


def _is_utf8(chunks: list[bytes]) -> bool:
    try:
        for chunk in chunks:
            chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def guess(leader: str, fields: list[tuple[str, bytes]], flavor: str) -> str:
    """The encoding of one record.

    MARC 21 says UCS with leader/09 = "a"; a blank there means MARC-8, unless the bytes
    are plainly not MARC-8 (no escape sequences, and valid UTF-8 or GB18030 text, as
    Chinese vendors write). CNMARC records carry no reliable flag: UTF-8 when the bytes
    are valid UTF-8, GB18030 (which covers GB2312 and GBK) otherwise.
    """
    chunks = [data for _, data in fields]
    if flavor == MARC21 and leader[9:10] == "a":
        return UTF8
    if flavor == MARC21 and any(b"\x1b" in c for c in chunks):
        return MARC8  # MARC-8 escapes (EACC Chinese is all 7-bit bytes after ESC $ 1)
    if all(c.isascii() for c in chunks):
        return UTF8
    if _is_utf8(chunks):
        return UTF8
    return GB18030 if flavor != MARC21 or _is_gb(chunks) else MARC8


def _is_gb(chunks: list[bytes]) -> bool:
    try:
        for chunk in chunks:
            chunk.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def decode(leader: str, fields: list[tuple[str, bytes]], encoding: str) -> Record:
    """A Record from raw fields; EncodingError (bad encoding bytes) names the field."""
    out: list[Field] = []
    append = out.append
    for tag, data in fields:
        try:
            if encoding == MARC8:
                if is_control_tag(tag):
                    append(Field(tag, data=data.decode("latin-1")))
                    continue
                parts = data.split(b"\x1f")
                append(
                    Field(
                        tag,
                        parts[0][:2].decode("latin-1").ljust(2),
                        [
                            (p[:1].decode("latin-1"), marc8_to_unicode(p[1:], True))
                            for p in parts[1:]
                            if p
                        ],
                    )
                )
                continue
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise EncodingError(
                _("字段 %(tag)s 第 %(pos)d 字节起有无法按 %(encoding)s 解码的字符")
                % {"tag": tag, "pos": exc.start, "encoding": encoding}
            ) from exc
        if is_control_tag(tag):
            append(Field(tag, data=text))
        else:
            parts = text.split("\x1f")
            append(Field(tag, parts[0][:2].ljust(2), [(p[:1], p[1:]) for p in parts[1:] if p]))
    return Record(leader, out)


def _build(
    leader: str, fields: list[tuple[str, bytes]], texts: list[str], only: frozenset[str] | None
) -> Record:
    out: list[Field] = []
    append = out.append
    for i, text in enumerate(texts):
        tag = fields[i][0]
        if only is not None and tag not in only:
            continue
        if tag < "010" and tag.isdigit():
            append(Field(tag, "  ", None, text))
        else:
            parts = text.split("\x1f")
            ind = parts[0]
            append(
                Field(
                    tag,
                    ind if len(ind) == 2 else ind[:2].ljust(2),
                    [(p[:1], p[1:]) for p in parts[1:] if p],
                )
            )
    return Record(leader, out)


def read_record(
    leader: str,
    fields: list[tuple[str, bytes]],
    flavor: str,
    encoding: str | None,
    only: frozenset[str] | None = None,
) -> tuple[Record, str]:
    """Detect (unless given) the encoding and decode a record: (Record, encoding).

    The fields are joined and decoded in one call (0x1E never occurs inside a UTF-8 or
    GB18030 character), which is what makes reading fast; a record that does not split
    back into its fields, MARC-8, and bad bytes take the field-by-field way, which
    names the field at fault. `only` limits the fields built to those tags."""
    joined = b"\x1e".join(data for _, data in fields)
    if encoding is None:
        if flavor == MARC21 and leader[9:10] == "a":
            encoding = UTF8
        elif flavor == MARC21 and b"\x1b" in joined:
            encoding = MARC8
        elif joined.isascii():
            encoding = UTF8
        else:
            try:
                text = joined.decode("utf-8")
            except UnicodeDecodeError:
                encoding = GB18030 if flavor != MARC21 or _is_gb([joined]) else MARC8
            else:
                texts = text.split("\x1e")
                if len(texts) == len(fields):
                    return _build(leader, fields, texts, only), UTF8
                encoding = UTF8
    if encoding != MARC8:
        try:
            texts = joined.decode(encoding).split("\x1e")
        except UnicodeDecodeError:
            texts = []
        if len(texts) == len(fields):
            # Other encodings are re-encoded as UTF-8 for keeping: every field is needed.
            return _build(leader, fields, texts, only if encoding == UTF8 else None), encoding
    return decode(leader, fields, encoding), encoding
