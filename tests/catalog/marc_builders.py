"""Test MARC files built byte by byte (independently of the code under test) and with pymarc."""

from __future__ import annotations

from pymarc import Field as PField
from pymarc import Record as PRecord
from pymarc import Subfield
from pymarc.marc8_mapping import CODESETS

FT, RT, SF = b"\x1e", b"\x1d", b"\x1f"


def iso_record(leader: str, fields: list, encoding: str = "utf-8") -> bytes:
    """ISO 2709 by hand: fields are (tag, text) for control fields and
    (tag, ind, [(code, value), ...]) for data fields; lengths count encoded bytes."""
    body = b""
    directory = b""
    for f in fields:
        if len(f) == 2:
            data = f[1].encode(encoding) + FT
        else:
            tag, ind, subs = f
            data = (
                ind.encode("ascii")
                + b"".join(SF + c.encode("ascii") + v.encode(encoding) for c, v in subs)
                + FT
            )
        directory += f[0].encode("ascii") + b"%04d%05d" % (len(data), len(body))
        body += data
    directory += FT
    base = 24 + len(directory)
    total = base + len(body) + 1
    head = b"%05d" % total + leader[5:12].encode() + b"%05d" % base + leader[17:24].encode()
    return head + directory + body + RT


CN_LEADER = "00000nam0 2200000   450 "
M21_LEADER = "00000nam a2200000 i 4500"


def cnmarc_fields(
    n: int = 1, *, barcode: str | None = None, isbn: str = "978-7-02-000220-7"
) -> list:
    fields = [
        ("001", f"CN{n:06d}"),
        ("005", "20240101120000.0"),
        ("010", "  ", [("a", isbn), ("d", "CNY36.00")]),
        ("100", "  ", [("a", "20240101d2023    em y0chiy0110    ea")]),
        ("101", "0 ", [("a", "chi")]),
        (
            "200",
            "1 ",
            [
                ("a", f"朝花夕拾{n}"),
                ("9", "zhao hua xi shi"),
                ("e", "散文集"),
                ("f", "鲁迅著"),
                ("g", "张三插图"),
            ],
        ),
        ("205", "  ", [("a", "第2版")]),
        ("210", "  ", [("a", "北京"), ("c", "人民文学出版社"), ("d", "2023")]),
        ("215", "  ", [("a", "156页"), ("c", "图"), ("d", "21cm")]),
        ("225", "2 ", [("a", "语文新课标必读丛书")]),
        ("330", "  ", [("a", "本书收录鲁迅回忆童年、少年和青年时期的散文十篇。")]),
        ("606", "0 ", [("a", "散文集"), ("y", "中国"), ("z", "现代")]),
        ("690", "  ", [("a", "I266"), ("v", "5")]),
        ("701", " 0", [("a", "鲁迅"), ("4", "著")]),
        ("702", " 0", [("a", "张三"), ("4", "440")]),
        ("801", " 0", [("a", "CN"), ("b", "NLC"), ("c", "20240101")]),
    ]
    if barcode:
        fields.append(
            (
                "905",
                "  ",
                [("a", "SX"), ("b", barcode), ("d", "I266"), ("e", "12"), ("r", "CNY30.00")],
            )
        )
    return fields


def reverse_marc8_cjk() -> dict[str, bytes]:
    table = {}
    for code, (char, _combining) in CODESETS[0x31].items():
        table.setdefault(chr(char), bytes([(code >> 16) & 0xFF, (code >> 8) & 0xFF, code & 0xFF]))
    return table


def marc8(text: str) -> bytes:
    """MARC-8 bytes for ASCII with CJK runs (EACC, ESC $ 1 ... ESC ( B)."""
    cjk = reverse_marc8_cjk()
    out = b""
    in_cjk = False
    for ch in text:
        if ch.isascii():
            if in_cjk:
                out += b"\x1b(B"
                in_cjk = False
            out += ch.encode("ascii")
        else:
            if not in_cjk:
                out += b"\x1b$1"
                in_cjk = True
            out += cjk[ch]
    if in_cjk:
        out += b"\x1b(B"
    return out


def marc21_pymarc(n: int = 1, *, barcode: str | None = None) -> PRecord:
    record = PRecord(force_utf8=True, leader=M21_LEADER)
    record.add_field(
        PField(tag="001", data=f"M{n:06d}"),
        PField(tag="008", data="240101s2020    ch            000 0 chi d"),
        PField(
            tag="020",
            indicators=[" ", " "],
            subfields=[Subfield("a", "9787020002207"), Subfield("c", "CNY45.00")],
        ),
        PField(
            tag="084",
            indicators=[" ", " "],
            subfields=[Subfield("a", "I247.5"), Subfield("2", "clc")],
        ),
        PField(
            tag="100",
            indicators=["0", " "],
            subfields=[Subfield("a", "曹文轩,"), Subfield("e", "author.")],
        ),
        PField(
            tag="245",
            indicators=["1", "0"],
            subfields=[
                Subfield("a", f"草房子{n} :"),
                Subfield("b", "长篇小说 /"),
                Subfield("c", "曹文轩著."),
            ],
        ),
        PField(tag="250", indicators=[" ", " "], subfields=[Subfield("a", "第3版.")]),
        PField(
            tag="264",
            indicators=[" ", "1"],
            subfields=[
                Subfield("a", "南京 :"),
                Subfield("b", "江苏少年儿童出版社,"),
                Subfield("c", "2020."),
            ],
        ),
        PField(
            tag="300",
            indicators=[" ", " "],
            subfields=[Subfield("a", "301页 ;"), Subfield("c", "21 cm")],
        ),
        PField(tag="520", indicators=[" ", " "], subfields=[Subfield("a", "油麻地小学的故事。")]),
        PField(
            tag="650",
            indicators=[" ", "4"],
            subfields=[Subfield("a", "长篇小说"), Subfield("z", "中国")],
        ),
        PField(
            tag="700",
            indicators=["0", " "],
            subfields=[Subfield("a", "李四,"), Subfield("4", "ill")],
        ),
    )
    if barcode:
        record.add_field(
            PField(
                tag="952",
                indicators=[" ", " "],
                subfields=[
                    Subfield("a", "SX"),
                    Subfield("o", "I247.5/88"),
                    Subfield("p", barcode),
                    Subfield("g", "39.50"),
                ],
            )
        )
    return record


def _reverse_ansel() -> dict[str, int]:
    """pymarc's own ANSEL table (MARC-8's default G1 set), read backwards."""
    table: dict[str, int] = {}
    for code, (char, _combining) in CODESETS[0x45].items():
        table.setdefault(chr(char), code)
    return table


def marc8_latin(text: str) -> bytes:
    """MARC-8 bytes for Latin text with no escape sequence at all (ASCII and ANSEL, as
    LoC's records are): decomposed, each combining mark written before its letter."""
    import unicodedata

    ansel = _reverse_ansel()
    out = bytearray()
    marks: list[int] = []
    base: list[int] = []

    def flush() -> None:
        out.extend(marks)
        out.extend(base)
        marks.clear()
        base.clear()

    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            marks.append(ansel[ch])
            continue
        flush()
        if ch.isascii():
            base.append(ord(ch))
        else:
            base.append(ansel[ch])
    flush()
    return bytes(out)


def to_marc8(data: bytes) -> bytes:
    """A UTF-8 MARC 21 file (pymarc reads it) written again in MARC-8 without escape
    sequences and with leader/09 blank, as LoC distributes its records."""
    import io

    from pymarc import MARCReader

    out = b""
    for record in MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True):
        fields = []
        for f in record.fields:
            if f.is_control_field():
                fields.append((f.tag, f.data))
            else:
                subs = [(s.code, marc8_latin(s.value).decode("latin-1")) for s in f.subfields]
                fields.append((f.tag, "".join(f.indicators), subs))
        leader = str(record.leader)
        out += iso_record(leader[:9] + " " + leader[10:], fields, "latin-1")
    return out
