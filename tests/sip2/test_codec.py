"""The SIP2 codec: bytes in, message out and back (pure, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.sip2 import codec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The SC status example of the 3M SIP2 specification (2.00), error detection on.
        ("9900302.00AY1AZ", "FCA5"),
        # The check-in example in the comments of the Sip2 client package (PyPI, 1.1).
        (
            "09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ",
            "EB80",
        ),
    ],
)
def test_checksum_of_published_examples(text, expected):
    assert codec.checksum(text.encode("ascii")) == expected


def test_spec_status_example_decodes():
    message = codec.decode(b"9900302.00AY1AZFCA5")
    assert message.code == "99"
    assert message.fixed == {
        "status_code": "0",
        "max_print_width": "030",
        "protocol_version": "2.00",
    }
    assert message.sequence == "1"
    assert message.checksummed


def test_bad_checksum_is_refused():
    with pytest.raises(codec.FrameError) as caught:
        codec.decode(b"9900302.00AY1AZFCA6")
    assert caught.value.code == "bad_checksum"


@pytest.mark.parametrize(
    ("raw", "code", "fixed", "fields"),
    [
        (
            b"9300CNkiosk1|COsecret|CPlobby|",
            "93",
            {"uid_algorithm": "0", "pwd_algorithm": "0"},
            {"CN": ["kiosk1"], "CO": ["secret"], "CP": ["lobby"]},
        ),
        (
            b"11YN20261102    120000                  AOmain|AAR200001|AB10000001|AC|",
            "11",
            {
                "sc_renewal_policy": "Y",
                "no_block": "N",
                "transaction_date": "20261102    120000",
                "nb_due_date": " " * 18,
            },
            {"AO": ["main"], "AA": ["R200001"], "AB": ["10000001"], "AC": [""]},
        ),
        (
            b"6301920261102    120000  Y       AOmain|AAR1|BP1|BQ5|",
            "63",
            {"language": "019", "transaction_date": "20261102    120000", "summary": "  Y       "},
            {"AO": ["main"], "AA": ["R1"], "BP": ["1"], "BQ": ["5"]},
        ),
        # No bar after the last field, and a repeated tag.
        (
            b"1720261102    120000AOmain|ABx|ABy",
            "17",
            {"transaction_date": "20261102    120000"},
            {"AO": ["main"], "AB": ["x", "y"]},
        ),
    ],
)
def test_requests_decode(raw, code, fixed, fields):
    message = codec.decode(raw)
    assert (message.code, message.fixed, message.fields) == (code, fixed, fields)
    assert message.sequence is None and not message.checksummed


def test_sequence_without_checksum():
    message = codec.decode(b"9900302.00AY7")
    assert message.sequence == "7" and not message.checksummed
    message = codec.decode(b"3520261102    120000AOmain|AAR1|AY3")
    assert message.sequence == "3" and message.fields == {"AO": ["main"], "AA": ["R1"]}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"XX123", "unknown_code"),
        (b"1120261102", "too_short"),
        (b"9", "unknown_code"),
        (b"6" * (codec.MAX_MESSAGE + 1), "too_long"),
        (b"\xff\xfe\xfd\xfc", "bad_encoding"),
    ],
)
def test_malformed_frames(raw, code):
    with pytest.raises(codec.FrameError) as caught:
        codec.decode(raw)
    assert caught.value.code == code


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_chinese_survives_both_character_sets(encoding):
    frame = codec.encode(
        "24",
        " " * 14 + "019" + "20261102    120000",
        [("AE", "李小华"), ("AJ", "朝花夕拾")],
        encoding=encoding,
    )
    assert frame.endswith(b"\r")
    assert "李小华".encode(encoding) in frame
    request = "23019" + "20261102    120000" + "AOmain|AA证号一|"
    message = codec.decode(request.encode(encoding), encoding="utf-8")
    assert message.get("AA") == "证号一"
    assert message.encoding == encoding


def test_checksummed_chinese_request_either_sum():
    text = "17" + "20261102    120000" + "AOmain|AB书一|AY4AZ"
    raw = text.encode("utf-8")
    by_bytes = raw + codec.checksum(raw).encode()
    assert codec.decode(by_bytes).get("AB") == "书一"
    by_chars = raw + format(-sum(map(ord, text)) & 0xFFFF, "04X").encode()
    assert codec.decode(by_chars).get("AB") == "书一"


def test_encode_with_error_detection():
    frame = codec.encode("94", "1", sequence="5", with_checksum=True)
    assert frame == b"941AY5AZ" + codec.checksum(b"941AY5AZ").encode() + b"\r"
    assert codec.checksum(frame[:-5]) == frame[-5:-1].decode()


def test_values_cannot_break_the_frame():
    assert codec.encode("18", "", [("AJ", "a|b\rc")]) == b"18AJa/b c|\r"


def test_frames_split_on_cr_crlf_and_lf():
    frames, rest = codec.split_frames(b"9900302.00\r\n9900302.00\n9900302.00\r99003")
    assert frames == [b"9900302.00"] * 3
    assert rest == b"99003"


def test_dates():
    assert codec.sip_datetime(dt.datetime(2026, 11, 2, 8, 5, 9)) == "20261102    080509"
    assert codec.sip_date(dt.date(2026, 11, 16)) == "20261116    235959"
    assert codec.count(3) == "0003" and codec.count(None) == "    "


def test_missing_transaction_date_is_tolerated():
    message = codec.decode(b"65AOmain|AAR200001|")
    assert message.fixed == {}
    assert message.fields == {"AO": ["main"], "AA": ["R200001"]}
