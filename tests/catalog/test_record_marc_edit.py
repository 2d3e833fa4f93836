"""marc.edit (pure): an edit changes only the fields its values are read from, and
every other field comes back byte for byte; the MARC table merges into the record."""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path

import pymarc
import pytest

from shuxiang.catalog.marc import cnmarc, edit, marc21, reader
from shuxiang.catalog.marc.record import Field, Record, split_fields, to_iso2709
from shuxiang.core.errors import Invalid

DATA = Path(__file__).parent / "data" / "records_edit"
NOW = dt.datetime(2026, 12, 1, 13, 5, 9)


def _read(name: str) -> list:
    with (DATA / name).open("rb") as fh:
        return [r for r in reader.read(io.BytesIO(fh.read()), file_format="auto") if not r.error]


@pytest.fixture(scope="module")
def japanese():
    """LoC/OCLC record: Japanese title in 880, 260 with two places, 710 corporate names."""
    return _read("loc-japanese-880.mrc")[0]


@pytest.fixture(scope="module")
def pragmatic():
    """LoC record: The pragmatic programmer (245 non-filing 4, 100 $d, 700 $d)."""
    return _read("loc-marc21-batch.mrc")[0]


def _fields(data: bytes) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for tag, chunk in split_fields(data)[1]:
        out.setdefault(tag, []).append(chunk)
    return out


def _changed_tags(before: bytes, after: bytes) -> set[str]:
    a, b = _fields(before), _fields(after)
    return {t for t in set(a) | set(b) if a.get(t) != b.get(t)}


def _pymarc(data: bytes) -> pymarc.Record:
    return next(iter(pymarc.MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True)))


EDITS_MARC21 = [
    # (value, new value, the tags that may change besides 005)
    ("clc", "TP311.5", {"084"}),
    ("title", "The pragmatic programmer : from apprentice to master", {"245"}),
    ("responsibility", "Andrew Hunt and David Thomas", {"245"}),
    ("publisher", "Addison-Wesley Professional", {"260"}),
    ("place", "Boston", {"260"}),
    ("year", 2019, {"260", "008"}),
    ("pages", "xxiv, 352 p.", {"300"}),
    ("size", "23 cm", {"300"}),
    ("edition", "20th anniversary ed", {"250"}),
    ("summary", "Programming advice.", {"520"}),
    ("series", "Pragmatic bookshelf ; 1", {"490"}),
    ("language", "chi", {"008"}),
    ("price", 4990, {"020"}),
    ("parallel_title", "程序员修炼之道", {"246"}),
]


@pytest.mark.parametrize(("key", "value", "tags"), EDITS_MARC21, ids=[e[0] for e in EDITS_MARC21])
def test_an_edit_changes_only_its_fields_and_005(pragmatic, key, value, tags):
    old = edit.to_values(pragmatic.original, "marc21")
    new = {**copy.deepcopy(old), key: value}
    out = edit.apply_values(pragmatic.original, "marc21", old, new, now=NOW)
    assert edit.to_values(out, "marc21")[key] == value
    assert _changed_tags(pragmatic.original, out) <= tags | {"005"}
    assert _fields(out)["005"] == [b"20261201130509.0"]
    # Still a record another program reads, with the unmapped fields as they were.
    record = _pymarc(out)
    assert record["100"]["d"] == "1964-"
    assert record["700"]["d"] == "1956-"
    assert record.leader[5:12] == pragmatic.original[5:12].decode()


def test_title_keeps_indicators_and_punctuation_unless_the_article_goes(pragmatic):
    old = edit.to_values(pragmatic.original, "marc21")
    out = edit.apply_values(
        pragmatic.original,
        "marc21",
        old,
        {**old, "title": "The pragmatic programmer : your journey to mastery"},
        now=NOW,
    )
    f = _pymarc(out)["245"]
    assert list(f.indicators) == ["1", "4"]  # "The " is still skipped in filing
    assert f["a"] == "The pragmatic programmer :"
    assert f["b"] == "your journey to mastery /"
    assert f["c"] == "Andrew Hunt, David Thomas."
    out = edit.apply_values(
        pragmatic.original, "marc21", old, {**old, "title": "Pragmatic programmer"}, now=NOW
    )
    f = _pymarc(out)["245"]
    assert list(f.indicators) == ["1", "0"]
    assert f["a"] == "Pragmatic programmer /"
    assert f.get_subfields("b") == []


def test_isbn_corrected_in_place_keeps_its_qualifier():
    record = Record(
        marc21.LEADER,
        [
            Field("001", data="x1"),
            Field("020", "  ", [("a", "0471383147 (paper : alk. paper)"), ("c", "$45.00")]),
            Field("245", "00", [("a", "Perl.")]),
        ],
    )
    data = to_iso2709(record, utf8_flag=True)
    old = edit.to_values(data, "marc21")
    new = {**old, "isbns": ["9787020002207"], "isbn": "9787020002207"}
    out = edit.apply_values(data, "marc21", old, new, now=NOW)
    f = _pymarc(out)["020"]
    assert f["a"] == "9787020002207 (paper : alk. paper)"
    assert f["c"] == "$45.00"
    assert edit.to_values(out, "marc21")["isbns"] == ["9787020002207"]


def test_japanese_record_edits_the_880_and_keeps_every_other_field(japanese):
    old = edit.to_values(japanese.original, "marc21")
    assert old["title"].startswith("米国の統治の仕組")
    new = {**old, "title": "米国の統治", "clc": "D771.2"}
    out = edit.apply_values(japanese.original, "marc21", old, new, now=NOW)
    assert _changed_tags(japanese.original, out) == {"880", "084", "005"}
    assert edit.to_values(out, "marc21")["title"] == "米国の統治"
    record = _pymarc(out)
    roman = record["245"]
    assert roman["a"] == "Beikoku no tōchi no shikumi"  # the romanized 245 is untouched
    assert [f["a"] for f in record.get_fields("260")] == ["Herndon, Va. :"]
    assert record["260"].get_subfields("a")[1] == "[Washington, D.C.] :"
    assert record["300"]["b"] == "col. ill."
    assert [f.tag for f in record.get_fields("710")] == ["710", "710"]
    assert record.get_fields("650")[0]["z"] == "United States."
    assert record["008"].data == old_008(japanese.original)


def old_008(data: bytes) -> str:
    return _fields(data)["008"][0].decode()


def test_subjects_keep_their_subdivisions_unless_removed(japanese):
    old = edit.to_values(japanese.original, "marc21")
    assert old["subjects"][0] == "Democracy--United States"
    new = {**old, "subjects": old["subjects"][1:] + ["Civics"]}
    out = edit.apply_values(japanese.original, "marc21", old, new, now=NOW)
    subjects = _pymarc(out).get_fields("650")
    assert [f["a"] for f in subjects] == [
        "Federal government",
        "Local government",
        "State governments",
        "Voting",
        "Civics",
    ]
    assert subjects[0]["z"] == "United States."
    assert edit.to_values(out, "marc21")["subjects"] == new["subjects"]


def test_authors_change_one_by_one_keeping_dates_and_corporate_names(pragmatic, japanese):
    old = edit.to_values(pragmatic.original, "marc21")
    authors = [dict(a) for a in old["authors"]]
    authors[1]["name"] = "Thomas, Dave"
    out = edit.apply_values(pragmatic.original, "marc21", old, {**old, "authors": authors}, now=NOW)
    record = _pymarc(out)
    assert record["700"]["a"] == "Thomas, Dave,"
    assert record["700"]["d"] == "1956-"
    assert _changed_tags(pragmatic.original, out) == {"700", "005"}
    old = edit.to_values(japanese.original, "marc21")
    names = [a["name"] for a in old["authors"]]
    assert "Braddock Communications" in names
    authors = [a for a in old["authors"] if a["name"] != "Braddock Communications"]
    out = edit.apply_values(japanese.original, "marc21", old, {**old, "authors": authors}, now=NOW)
    record = _pymarc(out)
    assert [f["a"] for f in record.get_fields("710")] == ["United States."]
    assert record["710"].get_subfields("b") == [
        "Dept. of State.",
        "Bureau of International Information Programs.",
    ]


def _cnmarc() -> bytes:
    fields = cnmarc.bib_fields(
        {
            "title": "朝花夕拾",
            "responsibility": "鲁迅著",
            "authors": [{"name": "鲁迅", "role": "著"}],
            "publisher": "人民文学出版社",
            "place": "北京",
            "year": 2021,
            "isbns": ["9787020002207"],
            "price": 2600,
            "clc": "I210.4",
            "subjects": ["散文集--中国--现代"],
            "language": "chi",
        },
        control_number="012345",
        today="20210101",
    )
    fields.append(Field("200", "1 ", []))  # replaced below: a real 200 has $9 pinyin
    fields = [f for f in fields if not (f.tag == "200" and not f.subfields)]
    title = next(f for f in fields if f.tag == "200")
    title.subfields.append(("9", "zhao hua xi shi"))
    fields.append(Field("801", " 0", [("a", "CN"), ("b", "NLC")]))
    return to_iso2709(Record(cnmarc.LEADER, fields))


CNMARC_EDITS = [
    ("clc", "I266", {"690"}),
    ("title", "朝花夕拾 : 鲁迅散文", {"200"}),
    ("publisher", "北京十月文艺出版社", {"210"}),
    ("year", 2023, {"210", "100"}),
    ("price", 3580, {"010"}),
    ("summary", "回忆散文集。", {"330"}),
    ("authors", [{"name": "鲁迅", "role": "编"}], {"701"}),
]


@pytest.mark.parametrize(("key", "value", "tags"), CNMARC_EDITS, ids=[e[0] for e in CNMARC_EDITS])
def test_cnmarc_edits(key, value, tags):
    data = _cnmarc()
    old = edit.to_values(data, "cnmarc")
    out = edit.apply_values(data, "cnmarc", old, {**old, key: value}, now=NOW)
    assert edit.to_values(out, "cnmarc")[key] == value
    assert _changed_tags(data, out) <= tags | {"005"}
    assert _fields(out)["801"] == _fields(data)["801"]


def test_cnmarc_title_keeps_pinyin_subfield():
    data = _cnmarc()
    old = edit.to_values(data, "cnmarc")
    out = edit.apply_values(data, "cnmarc", old, {**old, "title": "朝花夕拾新编"}, now=NOW)
    assert b"\x1f9zhao hua xi shi" in _fields(out)["200"][0]


def test_nothing_changed_changes_only_005(pragmatic):
    old = edit.to_values(pragmatic.original, "marc21")
    out = edit.apply_values(pragmatic.original, "marc21", old, dict(old), now=NOW)
    assert _changed_tags(pragmatic.original, out) == {"005"}


# -- the MARC table ---------------------------------------------------------------------------


def test_table_unchanged_gives_the_record_back(pragmatic):
    rows = edit.table_rows(pragmatic.original)
    assert edit.apply_table(pragmatic.original, "marc21", rows) == pragmatic.original


def test_table_edit_merges_changed_added_and_deleted_fields(pragmatic):
    rows = edit.table_rows(pragmatic.original)
    by_tag = {r.tag: r for r in rows}
    by_tag["245"].ind2 = "0"
    by_tag["245"].subfields[0] = ("a", "Pragmatic programmer :")
    rows = [r for r in rows if r.tag != "504"]
    rows.append(edit.TableRow(tag="084", subfields=[("a", "TP311.5"), ("2", "clc")]))
    out = edit.apply_table(pragmatic.original, "marc21", rows, now=NOW)
    assert _changed_tags(pragmatic.original, out) == {"245", "504", "084", "005"}
    record = _pymarc(out)
    assert list(record["245"].indicators) == ["1", "0"]
    assert record["084"]["a"] == "TP311.5"
    assert record.get_fields("504") == []
    tags = [f.tag for f in record.fields]
    assert tags.index("084") == tags.index("082") + 1  # placed in tag order
    values = edit.to_values(out, "marc21")
    assert values["clc"] == "TP311.5"
    assert values["title"] == "Pragmatic programmer : from journeyman to master"


BAD_ROWS = [
    (edit.TableRow(tag="24", subfields=[("a", "x")]), "invalid_tag"),
    (edit.TableRow(tag="245", ind1="AB", subfields=[("a", "x")]), "invalid_indicator"),
    (edit.TableRow(tag="245", ind1="#", subfields=[("a", "x")]), "invalid_indicator"),
    (edit.TableRow(tag="245", subfields=[("", "x")]), "invalid_subfield_code"),
    (edit.TableRow(tag="245", subfields=[]), "empty_field"),
    (edit.TableRow(tag="245", subfields=[("a", "x\x1ey")]), "invalid_data"),
    (edit.TableRow(tag="852", subfields=[("a", "x")]), "holdings_field"),
    (edit.TableRow(tag="500", subfields=[("a", "长" * 4000)]), "field_too_long"),
]


@pytest.mark.parametrize(
    ("row", "code"), BAD_ROWS, ids=[b[1] + str(i) for i, b in enumerate(BAD_ROWS)]
)
def test_table_refuses_what_cannot_be_a_field(pragmatic, row, code):
    rows = [*edit.table_rows(pragmatic.original), row]
    with pytest.raises(Invalid) as caught:
        edit.apply_table(pragmatic.original, "marc21", rows)
    assert caught.value.code == code
    assert str(len(rows)) in caught.value.message  # names the row
