"""The ISO 2709 codec and the decoding rules, without a database: which encoding a
record is read in, and what a damaged record's rejection says."""

from __future__ import annotations

import io

from shuxiang.catalog.marc import reader
from tests.catalog.marc_builders import CN_LEADER, M21_LEADER, cnmarc_fields, iso_record

MARC8_LEADER = M21_LEADER[:9] + " " + M21_LEADER[10:]


def read_all(data: bytes, **kw) -> list[reader.ReadResult]:
    return list(reader.read(io.BytesIO(data), **kw))


def test_marc8_latin_with_diacritics_is_not_taken_for_gbk():
    # ANSEL puts the combining mark before its letter: 0xE2 e is "é", 0xF0 c is "ç".
    # As GBK the same bytes are valid too (0xE2 0x65 is an ideograph): MARC-8 must win.
    fields = [
        ("001", "M8"),
        ("008", "240101s1999    fr            000 1 fre d"),
        ("100", "1 ", [("a", "Hugo, Victor,")]),
        ("245", "14", [("a", "Les mis\xe2erables /"), ("c", "trad. par Fran\xf0cois.")]),
    ]
    (result,) = read_all(iso_record(MARC8_LEADER, fields, "latin-1"))
    assert result.encoding == "marc8"
    title = result.record.first("245")
    assert title.get("a") == "Les misérables /"  # composed (NFC), as pymarc's MARC-8 gives
    assert title.get("c") == "trad. par François."
    assert result.original[9:10] == b"a"  # kept as UTF-8, and says so


def test_marc21_gbk_without_the_unicode_flag_stays_gbk():
    # Chinese vendors write MARC 21 in GBK with leader/09 blank: bytes that MARC-8
    # cannot contain (中 is 0xD6 0xD0) show it.
    fields = [
        ("001", "GBK1"),
        ("245", "10", [("a", "中国少年儿童百科全书 /"), ("c", "林崇德主编.")]),
    ]
    (result,) = read_all(iso_record(MARC8_LEADER, fields, "gbk"))
    assert result.encoding == "gb18030"
    assert result.record.first("245").get("a") == "中国少年儿童百科全书 /"


def test_a_bad_directory_entry_is_named():
    data = iso_record(CN_LEADER, cnmarc_fields(1), "utf-8")
    # The fifth entry (101) gets a length that is not a number.
    entry = 24 + 12 * 4
    damaged = data[: entry + 3] + b"00x9" + data[entry + 7 :]
    (result,) = read_all(damaged)
    assert result.record is None
    assert "目次区错误" in result.error and "10100x9" in result.error


def test_a_missing_field_terminator_is_rejected_with_the_field():
    data = iso_record(CN_LEADER, cnmarc_fields(1), "utf-8")
    base = int(data[12:17])
    entry = 24 + 12 * 5  # the 200 field
    end = base + int(data[entry + 7 : entry + 12]) + int(data[entry + 3 : entry + 7])
    assert data[end - 1 : end] == b"\x1e"
    damaged = data[: end - 1] + data[end:]
    damaged = b"%05d" % len(damaged) + damaged[5:]
    good = iso_record(CN_LEADER, cnmarc_fields(2), "utf-8")
    first, second = read_all(damaged + good)
    assert first.record is None and "200" in first.error
    assert second.record is not None and second.offset == len(damaged)


def test_a_truncated_record_costs_only_itself():
    records = [iso_record(CN_LEADER, cnmarc_fields(i), "utf-8") for i in range(1, 4)]
    data = records[0] + records[1][:-40] + records[2]
    results = read_all(data)
    assert [r.record is not None for r in results] == [True, False, True]
    assert results[1].offset == len(records[0]) and "结束符" in results[1].error
    assert results[2].record.first("200").get("a") == "朝花夕拾3"
