"""SIP2 (3M Standard Interchange Protocol 2.00) messages as bytes and back.

Pure: no database, no sockets. A message is a two-digit code, fixed-length fields in
the order the specification gives for that code, then variable fields (a two-letter tag,
the value, "|"), and, when the kiosk uses error detection, a sequence number (AY) and a
checksum (AZ) at the end. Frames end with CR; CRLF and LF are taken too, since vendors'
kiosks differ.

The checksum is the two's complement of the low 16 bits of the sum of the message's
bytes up to and including "AZ". Some clients sum characters rather than bytes, which
differs only for non-ASCII text; a request is accepted when either sum matches, and our
responses always sum bytes, as the specification says.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# Fixed-length fields of each request, in order (name, length).
REQUEST_FIXED: dict[str, tuple[tuple[str, int], ...]] = {
    "93": (("uid_algorithm", 1), ("pwd_algorithm", 1)),
    "99": (("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)),
    "23": (("language", 3), ("transaction_date", 18)),
    "63": (("language", 3), ("transaction_date", 18), ("summary", 10)),
    "11": (
        ("sc_renewal_policy", 1),
        ("no_block", 1),
        ("transaction_date", 18),
        ("nb_due_date", 18),
    ),
    "09": (("no_block", 1), ("transaction_date", 18), ("return_date", 18)),
    "29": (
        ("third_party_allowed", 1),
        ("no_block", 1),
        ("transaction_date", 18),
        ("nb_due_date", 18),
    ),
    "65": (("transaction_date", 18),),
    "17": (("transaction_date", 18),),
    "19": (("transaction_date", 18),),
    "37": (
        ("transaction_date", 18),
        ("fee_type", 2),
        ("payment_type", 2),
        ("currency_type", 3),
    ),
    "01": (("card_retained", 1), ("transaction_date", 18)),
    "35": (("transaction_date", 18),),
    "97": (),
}

# The response code of each request.
RESPONSE_OF = {
    "93": "94",
    "99": "98",
    "23": "24",
    "63": "64",
    "11": "12",
    "09": "10",
    "29": "30",
    "65": "66",
    "17": "18",
    "19": "20",
    "37": "38",
    "01": "24",
    "35": "36",
}

MAX_MESSAGE = 4096  # bytes; longer frames are refused without being parsed

ENCODINGS = ("utf-8", "gb18030")

_TRAILER = re.compile(r"(?:AY(?P<seq>\d))?AZ(?P<sum>[0-9A-Fa-f]{4})$")


class FrameError(Exception):
    """A frame that cannot be read as a message; `code` says why."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True)
class Message:
    """A decoded request: code, fixed fields by name, variable fields by tag (a tag may
    repeat), the sequence number when the kiosk sent one, and whether it sent a
    checksum."""

    code: str
    fixed: dict[str, str] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)
    sequence: str | None = None
    checksummed: bool = False
    encoding: str = "utf-8"

    def get(self, tag: str, default: str = "") -> str:
        values = self.fields.get(tag)
        return values[0] if values else default


def checksum(data: bytes) -> str:
    """The AZ value of everything up to and including "AZ"."""
    return format(-sum(data) & 0xFFFF, "04X")


def _char_checksum(text: str) -> str:
    return format(-sum(ord(c) for c in text) & 0xFFFF, "04X")


def split_frames(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete frames (without terminators, empty lines dropped) and the rest."""
    frames = []
    start = 0
    for i, byte in enumerate(buffer):
        if byte in (0x0D, 0x0A):
            if i > start:
                frames.append(buffer[start:i])
            start = i + 1
    return frames, buffer[start:]


def _decode_text(raw: bytes, preferred: str) -> tuple[str, str]:
    order = (preferred, *[e for e in ENCODINGS if e != preferred])
    for encoding in order:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FrameError("bad_encoding")


def decode(raw: bytes, *, encoding: str = "utf-8") -> Message:
    """Read one frame (no terminator). Raises FrameError: `too_long`, `bad_encoding`,
    `bad_checksum`, `too_short` (fixed fields missing) or `unknown_code` (with the code
    in the message's args)."""
    if len(raw) > MAX_MESSAGE:
        raise FrameError("too_long")
    text, used = _decode_text(raw, encoding)
    sequence = None
    checksummed = False
    trailer = _TRAILER.search(text)
    if trailer is not None:
        checked = text[: trailer.start("sum")]
        head = raw[: len(raw) - 4]
        expected = trailer.group("sum").upper()
        if checksum(head) != expected and _char_checksum(checked) != expected:
            raise FrameError("bad_checksum")
        sequence = trailer.group("seq")
        checksummed = True
        text = text[: trailer.start()]
    code = text[:2]
    if code not in REQUEST_FIXED:
        raise FrameError("unknown_code", code)
    pos = 2
    fixed: dict[str, str] = {}
    layout = REQUEST_FIXED[code]
    if len(layout) == 1 and not text[2:10].isdigit():
        # Some clients leave out a message's only fixed field, the transaction date
        # (the Sip2 package's renew all does): the variable fields start at once.
        layout = ()
    for name, length in layout:
        if len(text) < pos + length:
            raise FrameError("too_short", code)
        fixed[name] = text[pos : pos + length]
        pos += length
    fields: dict[str, list[str]] = {}
    pieces = text[pos:].split("|")
    if sequence is None and re.fullmatch(r"AY\d", pieces[-1]):
        sequence = pieces.pop()[2]  # a sequence number without a checksum
    for piece in pieces:
        if len(piece) < 2:
            continue  # an empty piece between two bars, or a stray character
        fields.setdefault(piece[:2], []).append(piece[2:])
    return Message(
        code=code,
        fixed=fixed,
        fields=fields,
        sequence=sequence,
        checksummed=checksummed,
        encoding=used,
    )


def _clean(value: object) -> str:
    # A bar, CR or LF inside a value would end the field or the message early.
    text = "" if value is None else str(value)
    return text.replace("|", "/").replace("\r", " ").replace("\n", " ")[:255]


def encode(
    code: str,
    fixed: str = "",
    fields: list[tuple[str, object]] | tuple[tuple[str, object], ...] = (),
    *,
    sequence: str | None = None,
    with_checksum: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    """A response frame with its CR: the code, the fixed part as given (already padded),
    each (tag, value) as tag + value + "|" (None values are left out), then AY and AZ
    when asked. Characters the encoding lacks become "?" rather than an error."""
    text = code + fixed
    for tag, value in fields:
        if value is None:
            continue
        text += tag + _clean(value) + "|"
    if sequence is not None and with_checksum:
        text += f"AY{sequence}"
    body = text.encode(encoding, errors="replace")
    if with_checksum:
        body += b"AZ"
        body += checksum(body).encode("ascii")
    return body + b"\r"


def sip_datetime(moment: dt.datetime) -> str:
    """YYYYMMDDZZZZHHMMSS in local time (the zone left blank, as the specification
    prefers); `moment` is already in the library's time zone."""
    return moment.strftime("%Y%m%d") + "    " + moment.strftime("%H%M%S")


def sip_date(day: dt.date) -> str:
    """A due date as a SIP2 date-time: the end of the day it is due."""
    return day.strftime("%Y%m%d") + "    235959"


def yes(flag: bool) -> str:
    return "Y" if flag else "N"


def count(n: int, width: int = 4) -> str:
    """A fixed-width count: four digits, or blanks when unknown (None)."""
    if n is None:
        return " " * width
    return str(min(int(n), 10**width - 1)).zfill(width)
