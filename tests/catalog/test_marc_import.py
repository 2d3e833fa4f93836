"""MARC import and export against a real database: round trips of MARC 21 (UTF-8 and
MARC-8), CNMARC (UTF-8 and GBK) and MARCXML, broken records, duplicates, call numbers."""

from __future__ import annotations

import io

import pytest
from pymarc import Field as PField
from pymarc import MARCReader, Subfield, XMLWriter, parse_xml_to_array

from shuxiang.catalog.marc.exporter import Exporter
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.catalog.services import marc_import
from shuxiang.core.errors import Invalid
from shuxiang.core.models import AuditEvent
from tests.catalog.marc_builders import (
    CN_LEADER,
    M21_LEADER,
    cnmarc_fields,
    iso_record,
    marc8,
    marc21_pymarc,
)


def run(actor, data: bytes, **kw):
    return marc_import(actor=actor, source=io.BytesIO(data), **kw)


def export(library, **kw) -> bytes:
    out = io.BytesIO()
    Exporter(library=library, **kw).write(out)
    return out.getvalue()


def pymarc_records(data: bytes):
    return list(MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True))


def as_tuples(record, drop=("905", "852", "952")):
    out = []
    for f in record.fields:
        if f.tag in drop:
            continue
        if f.is_control_field():
            out.append((f.tag, f.data))
        else:
            out.append((f.tag, "".join(f.indicators), [(s.code, s.value) for s in f.subfields]))
    return out


def expected_tuples(fields, drop=("905", "852", "952")):
    return [
        (f[0], f[1]) if len(f) == 2 else (f[0], f[1], [tuple(s) for s in f[2]])
        for f in fields
        if f[0] not in drop
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_cnmarc_round_trip(actor, library, encoding):
    fields = cnmarc_fields(1, barcode="30000001")
    report = run(actor, iso_record(CN_LEADER, fields, encoding))
    assert (report.imported, report.rejected, report.items_created) == (1, [], 1)
    bib = Bib.objects.get(library=library)
    assert bib.title == "朝花夕拾1 : 散文集"
    assert bib.responsibility == "鲁迅著；张三插图"
    assert bib.authors == [{"name": "鲁迅", "role": "著"}, {"name": "张三", "role": "绘"}]
    assert (bib.publisher, bib.place, bib.year, bib.pages, bib.size) == (
        "人民文学出版社",
        "北京",
        2023,
        "156页",
        "21cm",
    )
    assert (bib.isbn, bib.price, bib.clc, bib.language, bib.marc_format) == (
        "9787020002207",
        3600,
        "I266",
        "chi",
        "cnmarc",
    )
    assert bib.subjects == ["散文集--中国--现代"] and bib.series == "语文新课标必读丛书"
    item = Item.objects.get(library=library)
    assert (item.barcode, item.call_number.value, item.price) == ("30000001", "I266/12", 3000)

    exported = pymarc_records(export(library))
    assert len(exported) == 1
    expected = expected_tuples(fields)
    if encoding == "gbk":
        # Re-encoded as UTF-8, the record says so: 100 $a/26-29 "50" is ISO 10646.
        general = next(f for f in expected if f[0] == "100")
        value = general[2][0][1]
        assert value[26:30] == "0110"
        expected[expected.index(general)] = ("100", "  ", [("a", value[:26] + "50  " + value[30:])])
    assert as_tuples(exported[0]) == expected
    holding = exported[0].get_fields("905")[0]
    assert (
        holding.get("b") == "30000001" and holding.get("d") == "I266" and holding.get("e") == "12"
    )


def test_marc21_utf8_round_trip_with_koha_holdings(actor, library):
    original = marc21_pymarc(1, barcode="40000001")
    report = run(actor, original.as_marc())
    assert report.imported == 1 and report.items_created == 1
    bib = Bib.objects.get(library=library)
    assert (bib.title, bib.responsibility, bib.edition) == (
        "草房子1 : 长篇小说",
        "曹文轩著",
        "第3版",
    )
    assert (bib.publisher, bib.place, bib.year, bib.clc, bib.price) == (
        "江苏少年儿童出版社",
        "南京",
        2020,
        "I247.5",
        4500,
    )
    assert bib.authors == [{"name": "曹文轩", "role": "著"}, {"name": "李四", "role": "绘"}]
    assert Item.objects.get().call_number.value == "I247.5/88"
    exported = pymarc_records(export(library))[0]
    assert as_tuples(exported) == as_tuples(original)
    assert exported.get_fields("952")[0].get("p") == "40000001"


def test_marc21_marc8_round_trip(actor, library):
    """A MARC-8 record (leader/09 blank, EACC Chinese) is read right and comes back in UTF-8."""
    fields = [
        ("001", "OCM123"),
        ("008", "240101s1999    ch            000 0 chi d"),
        ("020", "  ", [("a", "702000220X")]),
        ("100", "0 ", [("a", "Lu, Xun,")]),
        ("245", "10", [("a", "Zhao hua xi shi /"), ("c", "Lu Xun zhu.")]),
        ("260", "  ", [("a", "Beijing :"), ("b", "Ren min wen xue chu ban she,"), ("c", "1999.")]),
    ]
    body = iso_record(M21_LEADER[:9] + " " + M21_LEADER[10:], fields, "ascii")
    # Add the original-script 880 by hand in MARC-8 (ESC $ 1 ... ESC ( B).
    vern = b"10\x1f6245-01/$1\x1fa" + marc8("朝花夕拾 /") + b"\x1fc" + marc8("魯迅著.")
    data = _add_field(body, "880", vern)
    source = next(iter(MARCReader(io.BytesIO(data), to_unicode=True)))  # pymarc's MARC-8 decoding
    assert source.get_fields("880")[0].get("a") == "朝花夕拾 /"
    report = run(actor, data)
    assert report.imported == 1 and report.encodings == {"marc8": 1}
    bib = Bib.objects.get()
    assert bib.title == "朝花夕拾" and bib.parallel_title == "Zhao hua xi shi"
    assert bib.responsibility == "魯迅著" and bib.isbn == "9787020002207"
    exported = pymarc_records(export(library))[0]
    assert exported.leader[9] == "a"
    assert as_tuples(exported) == as_tuples(source)


def _add_field(record: bytes, tag: str, data: bytes) -> bytes:
    base = int(record[12:17])
    directory = record[24 : base - 1]
    body = record[base:-1]
    directory += tag.encode() + b"%04d%05d" % (len(data) + 1, len(body))
    body += data + b"\x1e"
    base = 24 + len(directory) + 1
    head = b"%05d" % (base + len(body) + 1) + record[5:12] + b"%05d" % base + record[17:24]
    return head + directory + b"\x1e" + body + b"\x1d"


def test_marcxml_round_trip(actor, library):
    records = [marc21_pymarc(1), marc21_pymarc(2)]
    records[1]["020"]["a"] = "9787536692930"
    buffer = io.BytesIO()
    writer = XMLWriter(buffer)
    for r in records:
        writer.write(r)
    writer.close(close_fh=False)
    report = run(actor, buffer.getvalue())
    assert report.imported == 2 and not report.rejected
    exported = parse_xml_to_array(io.BytesIO(export(library, xml=True)))
    assert [as_tuples(r) for r in exported] == [as_tuples(r) for r in records]


def test_broken_records_are_reported_and_the_rest_imports(actor, library):
    good = [iso_record(CN_LEADER, cnmarc_fields(i, isbn=f"NOISBN{i}"), "gbk") for i in range(1, 6)]
    bad_leader = b"ABCDE" + good[1][5:]
    truncated = good[2][:-40]  # cut off, terminator lost: it runs into the next record
    # Lengths counted in characters instead of bytes, as some converters do with GBK.
    text = iso_record(CN_LEADER, cnmarc_fields(4), "utf-8").decode("utf-8")
    wrong_lengths = text.encode("gbk")
    bad_bytes = iso_record(CN_LEADER, cnmarc_fields(6), "utf-8").replace(
        "散文集".encode(), b"\xff\xfe\xff\xfe\xff\xfe\xff\xfe\xff", 1
    )
    data = good[0] + bad_leader + truncated + good[3] + wrong_lengths + bad_bytes + good[4]
    report = run(actor, data)
    assert report.imported == 3
    assert Bib.objects.filter(library=library).count() == 3
    reasons = {p.number: p.message for p in report.rejected}
    assert sorted(reasons) == [2, 3, 5, 6]
    assert "头标区" in reasons[2]
    assert "结束符" in reasons[3] or "长度" in reasons[3]
    assert "长度" in reasons[5]
    assert "无法按 gb18030 解码" in reasons[6]
    assert report.rejected[0].offset == len(good[0])
    # 统一书号-like numbers are kept as written, with a warning, not rejected.
    assert Bib.objects.get(title__startswith="朝花夕拾1 ").invalid_isbns == ["NOISBN1"]
    assert any("按原样保留" in w.message for w in report.warnings)


def test_not_marc_is_refused(actor, library):
    with pytest.raises(Invalid) as err:
        run(actor, "书名,作者\n朝花夕拾,鲁迅\n".encode())
    assert err.value.code == "not_marc"
    with pytest.raises(Invalid):
        run(actor, b"<html><body>hello</body></html>")
    assert not Bib.objects.exists()


def test_dry_run_writes_nothing(actor, library):
    report = run(
        actor, iso_record(CN_LEADER, cnmarc_fields(1, barcode="5001"), "gbk"), dry_run=True
    )
    assert report.dry_run and report.imported == 1 and report.items_created == 1
    assert (
        not Bib.objects.exists() and not Item.objects.exists() and not CallNumber.objects.exists()
    )
    assert not AuditEvent.objects.filter(action="marc.import").exists()


def test_one_audit_event_per_import(actor, library):
    data = b"".join(
        iso_record(CN_LEADER, cnmarc_fields(i, isbn=f"X{i}"), "utf-8") for i in range(3)
    )
    run(actor, data)
    event = AuditEvent.objects.get(action="marc.import")
    assert event.after["imported"] == 3


@pytest.mark.parametrize("mode", ["skip", "merge", "replace"])
def test_duplicates(actor, library, mode):
    run(actor, iso_record(CN_LEADER, cnmarc_fields(1, barcode="6001"), "utf-8"))
    second = cnmarc_fields(1, barcode="6002")
    second[5] = ("200", "1 ", [("a", "朝花夕拾（新版）"), ("f", "鲁迅著")])
    report = run(actor, iso_record(CN_LEADER, second, "utf-8"), on_duplicate=mode)
    assert Bib.objects.count() == 1
    bib = Bib.objects.get()
    barcodes = sorted(Item.objects.values_list("barcode", flat=True))
    if mode == "skip":
        assert report.skipped == 1 and barcodes == ["6001"] and bib.title == "朝花夕拾1 : 散文集"
    elif mode == "merge":
        assert (
            report.merged == 1
            and barcodes == ["6001", "6002"]
            and bib.title == "朝花夕拾1 : 散文集"
        )
    else:
        assert (
            report.replaced == 1
            and barcodes == ["6001", "6002"]
            and bib.title == "朝花夕拾（新版）"
        )
    # Copies of a title share its call number.
    assert CallNumber.objects.count() == 1
    assert {i.call_number_id for i in Item.objects.all()} <= {CallNumber.objects.get().pk}


def test_duplicates_without_isbn_by_title_author_year(actor, library):
    fields = cnmarc_fields(1)
    del fields[2]  # no 010
    data = iso_record(CN_LEADER, fields, "utf-8")
    run(actor, data + data)
    assert Bib.objects.count() == 1


def test_missing_call_numbers_are_assigned_per_class(actor, library, make_bib, make_item):
    existing = make_bib("旧书", clc="I266")
    make_item(bib=existing, call_number="I266/4")
    records = []
    for i in range(3):
        fields = cnmarc_fields(10 + i, isbn=f"N{i}", barcode=f"700{i}")
        fields[-1] = (
            "905",
            "  ",
            [("a", "SX"), ("b", f"700{i}")],
        )  # holdings without a call number
        records.append(iso_record(CN_LEADER, fields, "utf-8"))
    extra = cnmarc_fields(10, isbn="N0", barcode="7009")
    extra[-1] = ("905", "  ", [("a", "SX"), ("b", "7009")])
    report = run(
        actor, b"".join(records) + iso_record(CN_LEADER, extra, "utf-8"), on_duplicate="merge"
    )
    assert report.imported == 3 and report.merged == 1
    values = sorted(CallNumber.objects.exclude(bib=existing).values_list("value", flat=True))
    assert values == ["I266/5", "I266/6", "I266/7"]
    first = Bib.objects.get(title__startswith="朝花夕拾10")
    assert {i.call_number.value for i in Item.objects.filter(bib=first)} == {"I266/5"}
    assert Item.objects.filter(bib=first).count() == 2


def test_holdings_that_cannot_be_mapped_are_reported(actor, library, make_item):
    make_item(barcode="8001")
    fields = cnmarc_fields(1)
    fields.append(("905", "  ", [("a", "SX"), ("d", "I266")]))  # no barcode
    fields.append(("905", "  ", [("a", "SX"), ("b", "8001")]))  # barcode taken
    fields.append(
        ("905", "  ", [("a", "SX"), ("b", "8002"), ("c", "火星书库")])
    )  # unknown location
    report = run(actor, iso_record(CN_LEADER, fields, "utf-8"))
    assert report.items_created == 1 and report.holdings_not_imported == 2
    messages = " | ".join(w.message for w in report.warnings)
    assert (
        "没有条码号" in messages and "条码号 8001 已被使用" in messages and "火星书库" in messages
    )


def test_edited_record_keeps_unmapped_fields(actor, library):
    run(actor, iso_record(CN_LEADER, cnmarc_fields(1), "utf-8"))
    bib = Bib.objects.get()
    bib.title = "朝花夕拾（修订）"
    bib.save()
    record = pymarc_records(export(library))[0]
    assert record["200"]["a"] == "朝花夕拾（修订）"
    # The record's own 801 stays; 005 (latest change) is the export's.
    assert record["801"]["b"] == "NLC" and record["005"].data > "20240101120000.0"


@pytest.mark.parametrize("fmt", ["marc21", "cnmarc"])
def test_titles_made_here_export_in_either_format_and_import_back(actor, library, make_bib, fmt):
    make_bib(
        "小王子",
        isbn="9787020042494",
        authors=[{"name": "圣埃克苏佩里", "role": "著"}],
        publisher="人民文学出版社",
        place="北京",
        year=2003,
        clc="I565.88",
        price=2200,
        subjects=["童话"],
    )
    data = export(library, default_format=fmt)
    record = pymarc_records(data)[0]
    assert ("245" if fmt == "marc21" else "200") in record
    Bib.objects.all().delete()
    report = run(actor, data)
    bib = Bib.objects.get()
    assert report.formats == {fmt: 1}
    assert (bib.title, bib.isbn, bib.clc, bib.price, bib.year) == (
        "小王子",
        "9787020042494",
        "I565.88",
        2200,
        2003,
    )
    assert bib.authors == [{"name": "圣埃克苏佩里", "role": "著"}]


def test_export_filters(actor, library, make_bib):
    make_bib("甲", clc="I247.5")
    make_bib("乙", clc="K825")
    assert len(pymarc_records(export(library, clc_prefix="I2"))) == 1
    assert len(pymarc_records(export(library))) == 2


def test_author_mark_call_numbers(actor, library):
    records = []
    for i in range(2):
        fields = cnmarc_fields(20 + i, isbn=f"A{i}")
        fields.append(("905", "  ", [("a", "SX"), ("b", f"7100{i}")]))
        records.append(iso_record(CN_LEADER, fields, "utf-8"))
    run(actor, b"".join(records), book_number="author")
    assert sorted(CallNumber.objects.values_list("value", flat=True)) == ["I266/LX", "I266/LX2"]


def test_marc21_852_holdings_and_volumes(actor, library):
    record = marc21_pymarc(1)
    for barcode in ("72001", "72002"):
        record.add_field(
            PField(
                tag="852",
                indicators=[" ", " "],
                subfields=[
                    Subfield("a", "SX"),
                    Subfield("h", "I247.5"),
                    Subfield("i", "77"),
                    Subfield("p", barcode),
                    Subfield("9", "CNY20.00"),
                ],
            )
        )
    report = run(actor, record.as_marc())
    assert report.items_created == 2
    assert {(i.barcode, i.call_number.value, i.price) for i in Item.objects.all()} == {
        ("72001", "I247.5/77", 2000),
        ("72002", "I247.5/77", 2000),
    }
    exported = pymarc_records(export(library))[0]
    assert sorted(f.get("p") for f in exported.get_fields("852")) == ["72001", "72002"]


def test_unknown_encoding_is_refused(actor, library):
    with pytest.raises(Invalid) as err:
        run(actor, iso_record(CN_LEADER, cnmarc_fields(1), "utf-8"), encoding="latin-9")
    assert err.value.code == "invalid_encoding"
