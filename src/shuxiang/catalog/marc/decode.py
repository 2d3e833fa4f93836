"""Turning a record's bytes into text: UTF-8, MARC-8 (MARC 21) and the GB2312/GBK/GB18030
that older Chinese vendors ship, detected per record or forced by the user."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from pymarc.marc8 import marc8_to_unicode

from shuxiang.catalog.marc.detect import MARC21
from shuxiang.catalog.marc.record import EncodingError, Field, Record, is_control_tag

UTF8 = "utf-8"
GB18030 = "gb18030"
MARC8 = "marc8"

# How the report names each decoder.
LABELS = {UTF8: "UTF-8", GB18030: "GB18030 (GBK/GB2312)", MARC8: "MARC-8"}

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


# Bytes that MARC-8's default sets (ASCII and ANSEL, what a record without escape
# sequences uses) never contain. A MARC 21 record with leader/09 blank is MARC-8: Latin
# text with diacritics (ANSEL's combining marks 0xE0-0xFE before a letter) also decodes
# as GBK, into wrong ideographs, so it is taken for GBK only when the bytes say so
# (`marc21_guess`): nearly every run of Chinese GBK text has a byte MARC-8 cannot have
# (中 is 0xD6 0xD0).
_NOT_ANSEL = re.compile(rb"[\x80-\x87\x8a-\x8c\x8f-\xa0\xaf\xbb\xbe\xbf\xc9-\xdf\xfc\xfd\xff]")


# In MARC-8 a combining mark (ANSEL 0xE0-0xFE) comes before the letter it marks, so a
# run of them ends in a base character: ASCII or one of ANSEL's spacing letters.
_STRAY_MARK = re.compile(rb"[\xe0-\xfe]+(?![\x20-\x7e\xa1-\xc8])")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u2000-\u206f]")


def marc21_guess(joined: bytes) -> tuple[str, bool]:
    """(encoding, doubtful) for a MARC 21 record with leader/09 blank that is not UTF-8
    and has no escape sequences. MARC-8 unless the bytes prove otherwise: a byte that
    cannot be MARC-8, or combining marks that mark nothing, with text that reads as
    Chinese in GB18030. Doubtful (the report warns) when neither reading is clean."""
    not_ansel = _NOT_ANSEL.search(joined) is not None
    stray = _STRAY_MARK.search(joined) is not None
    if not not_ansel and not stray:
        return MARC8, False
    try:
        text = joined.decode("gb18030")
    except UnicodeDecodeError:
        return MARC8, True
    high = [ch for ch in text if ord(ch) > 0x7F]
    # Chinese text is mostly GB2312's common characters; a stray Windows-1252 byte read
    # as GBK makes a rare one of GBK's extension.
    common = sum(1 for ch in high if _in_gb2312(ch))
    chinese = bool(high) and all(_CJK.match(ch) for ch in high) and common >= 0.8 * len(high)
    if chinese:
        # A byte MARC-8 cannot have is proof; stray combining marks alone only a hint.
        return GB18030, not not_ansel
    return MARC8, True


def marc21_non_utf8(joined: bytes) -> str:
    """The encoding of a MARC 21 record with leader/09 blank that is not UTF-8."""
    return marc21_guess(joined)[0]


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
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
                encoding = GB18030 if flavor != MARC21 else marc21_guess(joined)[0]
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
