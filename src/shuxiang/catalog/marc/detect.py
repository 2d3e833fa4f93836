"""What a file is (ISO 2709, MARCXML, or not MARC at all) and which MARC a record is
(MARC 21 or CNMARC), from the first bytes and from the tags a record carries."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

ISO2709 = "iso2709"
MARCXML = "marcxml"
MARC21 = "marc21"
CNMARC = "cnmarc"

FILE_FORMATS = ("auto", MARC21, CNMARC, MARCXML)

# Tags that only one of the two formats uses for these meanings.
_CNMARC_TAGS = frozenset(
    {"200", "010", "690", "210", "215", "225", "606", "701", "702", "101", "905", "801"}
)
_MARC21_TAGS = frozenset(
    {"245", "020", "084", "260", "264", "300", "490", "650", "700", "041", "852", "952", "008"}
)


class NotMarcError(ValueError):
    """The file is neither ISO 2709 nor MARCXML."""


def sniff(head: bytes) -> str:
    """ISO2709 or MARCXML from a file's first bytes; NotMarcError otherwise."""
    text = head.lstrip(b"\xef\xbb\xbf\r\n \t\x00")
    if not text:
        raise NotMarcError(_("文件是空的"))
    if text.startswith(b"<"):
        lowered = text[:4096].lower()
        if (
            b"<record" in lowered
            or b"<collection" in lowered
            or b":record" in lowered
            or b":collection" in lowered
        ):
            return MARCXML
        raise NotMarcError(_("这是 XML 文件，但不是 MARCXML（没有 <record> 或 <collection>）"))
    if len(text) >= 24 and text[:5].isdigit() and text[12:17].isdigit():
        return ISO2709
    raise NotMarcError(_("文件开头既不是 ISO 2709 头标区，也不是 MARCXML"))


def flavor_of(tags: Iterable[str], leader: str = "") -> str:
    """MARC21 or CNMARC: 200 (title) means CNMARC, 245 means MARC 21; otherwise the
    side with more of its typical tags (010/690 against 020/084) wins."""
    tagset = set(tags)
    if "200" in tagset and "245" not in tagset:
        return CNMARC
    if "245" in tagset and "200" not in tagset:
        return MARC21
    cn = len(tagset & _CNMARC_TAGS)
    m21 = len(tagset & _MARC21_TAGS)
    if cn != m21:
        return CNMARC if cn > m21 else MARC21
    # UNIMARC leaders end "450 ", MARC 21's "4500".
    return MARC21 if leader[20:24] == "4500" else CNMARC
