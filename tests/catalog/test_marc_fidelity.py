"""What MARC import and export keep, checked with outside validators: yaz-marcdump
(Debian package yaz) for the ISO 2709 structure of MARC 21 and CNMARC, and MARC::Lint
(Debian package libmarc-lint-perl, run by tests/catalog/marclint.pl) for MARC 21.

Real Library of Congress records from pymarc's tests (tests/catalog/data/README.md):
exported unedited they come back byte for byte; Shuxiang's own records lint no worse
than they do. Then the cases that lost data: MARC-8 without escape sequences, fields
over 9,999 bytes, different books sharing an ISBN, holdings detail."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pymarc import MARCReader

from shuxiang.catalog.marc.exporter import Exporter
from shuxiang.catalog.marc.record import split_fields
from shuxiang.catalog.models import Bib, Item
from shuxiang.catalog.services import bib_create, item_create, marc_import
from tests.catalog.marc_builders import (
    CN_LEADER,
    M21_LEADER,
    cnmarc_fields,
    iso_record,
    marc8_latin,
    to_marc8,
)

DATA = Path(__file__).parent / "data"
LINT = Path(__file__).parent / "marclint.pl"
MARC8_LEADER = M21_LEADER[:9] + " " + M21_LEADER[10:]


def loc(name: str) -> bytes:
    return (DATA / f"pymarc-{name}.dat").read_bytes()


def run(actor, data: bytes, **kw):
    return marc_import(actor=actor, source=io.BytesIO(data), **kw)


def export(library, **kw) -> bytes:
    out = io.BytesIO()
    exporter = Exporter(library=library, **kw)
    exporter.write(out)
    return out.getvalue()


def records_of(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        size = int(data[pos : pos + 5])
        out.append(data[pos : pos + size])
        pos += size
    return out


def yaz_errors(tmp_path, data: bytes) -> list[str]:
    """What yaz-marcdump says is wrong with the file's structure (nothing when valid)."""
    program = shutil.which("yaz-marcdump")
    if program is None:
        pytest.skip("yaz-marcdump (Debian package yaz) is not installed")
    path = tmp_path / "check.mrc"
    path.write_bytes(data)
    result = subprocess.run(
        [program, "-n", str(path)], capture_output=True, text=True, errors="replace", timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def lint(tmp_path, data: bytes) -> list[str]:
    """MARC::Lint's warnings for a MARC 21 file, "record number<TAB>warning" each."""
    perl = shutil.which("perl")
    if perl is None or subprocess.run([perl, "-MMARC::Lint", "-e", "1"]).returncode:
        pytest.skip("MARC::Lint (Debian package libmarc-lint-perl) is not installed")
    path = tmp_path / "lint.mrc"
    path.write_bytes(data)
    result = subprocess.run(
        [perl, str(LINT), str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.strip()]


def lint_rate(tmp_path, data: bytes) -> tuple[float, list[str]]:
    warnings = lint(tmp_path, data)
    return len(warnings) / len(records_of(data)), warnings


# -- LoC's records, unedited --------------------------------------------------------------


def test_loc_records_come_back_byte_for_byte_and_pass_both_validators(actor, library, tmp_path):
    original = loc("test") + loc("utf8_with_leader_flag")
    report = run(actor, original)
    assert report.imported == 11 and not report.rejected
    exported = export(library)
    assert records_of(exported) == records_of(original)
    assert yaz_errors(tmp_path, exported) == []
    assert sorted(lint(tmp_path, exported)) == sorted(lint(tmp_path, original))


def test_values_changed_without_the_record_are_written_into_it_on_export(actor, library, tmp_path):
    """A title whose columns changed outside the catalog's services (an older version,
    the deployment's Django admin) is exported as its original with the changed values
    written in, never rebuilt from the columns: no field of the original is lost."""
    from django.utils import timezone
    from pymarc import MARCReader

    from shuxiang.catalog.models import Bib

    original = loc("test")
    run(actor, original)
    before = {r["001"].data: r for r in MARCReader(io.BytesIO(original), to_unicode=True)}
    Bib.objects.filter(library=library).update(clc="TP311.5", updated_at=timezone.now())
    exported = export(library)
    assert yaz_errors(tmp_path, exported) == []
    for record in MARCReader(io.BytesIO(exported), to_unicode=True):
        old = before[record["001"].data]
        assert [f.value() for f in record.get_fields("084")][-1].startswith("TP311.5")
        untouched = [f for f in old.fields if f.tag not in {"005", "084"}]
        assert [str(f) for f in untouched] == [
            str(f) for f in record.fields if f.tag not in {"005", "084"}
        ]
        assert record["005"].data != old["005"].data if old["005"] else record["005"]


def test_titles_made_here_lint_no_worse_than_loc_s_and_pass_yaz(actor, library, tmp_path):
    made = [
        bib_create(
            actor=actor,
            title="朝花夕拾 : 散文集",
            isbn="9787020002207",
            authors=[{"name": "鲁迅", "role": "著"}, {"name": "张三", "role": "绘"}],
            responsibility="鲁迅著",
            publisher="人民文学出版社",
            place="北京",
            year=2023,
            clc="I266",
            price=3600,
            subjects=["散文集--中国--现代"],
            series="语文新课标必读丛书 ; 12",
            summary="本书收录鲁迅回忆童年、少年和青年时期的散文十篇。",
        ),
        bib_create(
            actor=actor,
            title="The little prince",
            isbn="9780156012195",
            authors=["Saint-Exupéry, Antoine de"],
            publisher="Harcourt",
            place="San Diego",
            year=2000,
            clc="I565.88",
        ),
        bib_create(actor=actor, title="校史资料汇编", clc="G639.2"),
        bib_create(
            actor=actor,
            title="成语故事",
            isbn="7-5007-1234-X",
            allow_invalid_isbn=True,
            year=1998,
            responsibility="少年儿童出版社编",
        ),
    ]
    item_create(actor=actor, bib_id=made[0].pk, barcode="T0001")
    ours = export(library, default_format="marc21")
    assert yaz_errors(tmp_path, ours) == []
    theirs_rate, _ = lint_rate(tmp_path, loc("test") + loc("marc8"))
    our_rate, warnings = lint_rate(tmp_path, ours)
    assert our_rate <= theirs_rate, warnings
    records = list(MARCReader(io.BytesIO(ours), to_unicode=True, force_utf8=True))
    first = records[0]
    fixed = first["008"].data
    # 008: 40 positions, date entered yymmdd, date 1 at 07-10, China, language at 35-37.
    assert len(fixed) == 40 and fixed[6:11] == "s2023" and fixed[15:18] == "cc "
    assert fixed[35:38] == "chi" and fixed[:6].isdigit()
    # Leader/18 "i" promises ISBD punctuation, and the fields carry it.
    assert first.leader[18] == "i"
    assert first["245"].value() == "朝花夕拾 : 散文集 / 鲁迅著."
    assert first["005"] is not None and first["852"]["p"] == "T0001"
    assert records[2]["008"].data[6:15] == "nuuuuuuuu"


def test_cnmarc_made_here_has_a_well_formed_leader_005_and_801(actor, library, tmp_path):
    bib = bib_create(actor=actor, title="草房子", isbn="9787020002207", year=2020, clc="I287.45")
    item_create(actor=actor, bib_id=bib.pk, barcode="C0001")
    data = export(library, default_format="cnmarc")
    assert yaz_errors(tmp_path, data) == []
    assert data[20:24] == b"450 "
    record = next(iter(MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True)))
    assert record["005"].data[:8].isdigit() and len(record["005"].data) == 16
    assert record["801"]["a"] == "CN" and record["801"]["b"] == library.code
    # Imported back, the record is the same title (and the export stays valid).
    Item.objects.all().delete()
    Bib.objects.all().delete()
    report = run(actor, data)
    assert report.imported == 1 and Bib.objects.get().title == "草房子"
    assert yaz_errors(tmp_path, export(library)) == []


# -- MARC-8 without escape sequences ---------------------------------------------------------


def test_loc_records_in_marc8_without_escapes_read_as_marc8(actor, library, tmp_path):
    utf8 = loc("utf8_with_leader_flag")
    marc8 = to_marc8(utf8)
    assert b"\x1b" not in marc8 and marc8[9:10] == b" " and b"communaut\xe2e" in marc8
    report = run(actor, marc8 + to_marc8(loc("test")))
    assert report.encodings == {"marc8": 11} and report.kinds.get("encoding_guess") is None
    bib = Bib.objects.get(title__startswith="Escape from loneliness")
    stored = {t: d for t, d in split_fields(bytes(bib.marc_record))[1]}
    assert "De la solitude à la communauté".encode() in stored["500"]
    # The UTF-8 original and the MARC-8 copy describe the same text.
    assert stored["245"] == dict(split_fields(records_of(utf8)[0])[1])["245"]


def test_a_doubtful_encoding_is_a_warning_and_latin_stays_latin(actor, library):
    # A Windows-1252 apostrophe (0x92) is no MARC-8 byte; read as GBK the record would
    # become ideographs. Leader/09 blank says MARC-8: the Latin stays, and the report
    # says the guess is doubtful.
    fields = [
        ("001", "W1"),
        ("008", "240101s1999    xxu           000 1 eng d"),
        ("245", "10", [("a", "Charlotte\x92s web /"), ("c", "E.B. White.")]),
        (
            "500",
            "  ",
            [("a", marc8_latin("Traduit de l'anglais, édition révisée.").decode("latin-1"))],
        ),
    ]
    report = run(actor, iso_record(MARC8_LEADER, fields, "latin-1"))
    assert report.imported == 1 and report.encodings == {"marc8": 1}
    assert report.kinds.get("encoding_guess") == 1
    bib = Bib.objects.get()
    assert bib.title.startswith("Charlotte") and bib.title.endswith("s web")
    stored = dict(split_fields(bytes(bib.marc_record))[1])
    assert "édition révisée".encode() in stored["500"]


def test_the_report_page_says_which_encoding_each_record_was_read_in(client, librarian, library):
    gbk = iso_record(
        MARC8_LEADER, [("001", "G1"), ("245", "10", [("a", "中国少年儿童百科全书.")])], "gbk"
    )
    data = to_marc8(loc("utf8_with_leader_flag")) + gbk
    client.force_login(librarian)
    upload = io.BytesIO(data)
    upload.name = "loc.mrc"
    response = client.post(
        "/staff/catalog/marc/import/",
        {"file": upload, "format": "auto", "encoding": "", "on_duplicate": "skip"},
    )
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "MARC-8 1 条" in html and "GB18030 (GBK/GB2312) 1 条" in html
    assert "本条按 GB18030 (GBK/GB2312) 读入（本文件其他记录为 MARC-8）" in html or (
        "记录的字符编码与文件中其他记录不同" in html
    )


# -- fields over 9,999 bytes -----------------------------------------------------------------


def _xml(fields: list[tuple]) -> bytes:
    from xml.sax.saxutils import escape

    parts = ['<collection xmlns="http://www.loc.gov/MARC21/slim"><record>']
    parts.append(f"<leader>{M21_LEADER}</leader>")
    for f in fields:
        if len(f) == 2:
            parts.append(f'<controlfield tag="{f[0]}">{escape(f[1])}</controlfield>')
        else:
            subs = "".join(f'<subfield code="{c}">{escape(v)}</subfield>' for c, v in f[2])
            parts.append(
                f'<datafield tag="{f[0]}" ind1="{f[1][0]}" ind2="{f[1][1]}">{subs}</datafield>'
            )
    parts.append("</record></collection>")
    return "".join(parts).encode()


def test_a_long_note_is_split_at_import_and_every_record_still_exports(actor, library, tmp_path):
    summary = "油麻地小学的故事。" * 500  # 13,500 bytes in UTF-8
    long_note = _xml(
        [("001", "L1"), ("245", "10", [("a", "草房子.")]), ("520", "  ", [("a", summary)])]
    )
    report = run(actor, long_note)
    assert report.imported == 1 and report.kinds == {"field_split": 1}
    assert "9999" in report.warnings[0].message
    too_long = _xml([("001", "L2"), ("245", "10", [("a", "长" * 4000)])])
    report = run(actor, too_long)
    assert report.imported == 0 and "245" in report.rejected[0].message
    report = run(actor, loc("test"))
    data = export(library)
    assert yaz_errors(tmp_path, data) == []
    assert len(records_of(data)) == 11
    (notes,) = [r for r in records_of(data) if b"L1" in r[:200] or b"\x1eL1\x1e" in r]
    pieces = [d for t, d in split_fields(notes)[1] if t == "520"]
    assert len(pieces) == 2
    assert "".join(p.decode()[4:] for p in pieces) == summary


def test_a_long_summary_made_here_exports_as_a_valid_record(actor, library, tmp_path):
    bib_create(actor=actor, title="长提要", summary="提要" * 3000, clc="I287")
    data = export(library, default_format="marc21") + export(library, default_format="cnmarc")
    assert yaz_errors(tmp_path, data) == []


def test_a_record_that_cannot_be_written_is_reported_and_skipped(actor, library, tmp_path):
    run(actor, loc("test"))
    broken = Bib.objects.order_by("id").first()
    # A record stored before this was checked: a 5-digit length in its directory.
    Bib.objects.filter(pk=broken.pk).update(marc_record=b"00100nam a22000377a 4500" + b"x" * 76)
    exporter = Exporter(library=library)
    out = io.BytesIO()
    exporter.write(out)
    assert len(records_of(out.getvalue())) == 9 and exporter.count == 9
    assert [bib_id for bib_id, _why in exporter.skipped] == [broken.pk]
    assert yaz_errors(tmp_path, out.getvalue()) == []
    target = tmp_path / "out.mrc"
    with pytest.raises(CommandError, match="1 条记录无法导出"):
        call_command("export-marc", str(target), verbosity=0)
    assert len(records_of(target.read_bytes())) == 9


# -- duplicates ------------------------------------------------------------------------------


def _m21(number: str, title: str, *, isbn: str = "", edition: str = "", year: str = "2001"):
    fields: list[tuple] = [("001", number), ("008", f"010101s{year}    xxu           000 1 eng d")]
    if isbn:
        fields.append(("020", "  ", [("a", isbn)]))
    fields.append(("100", "1 ", [("a", "Rowling, J. K.")]))
    fields.append(("245", "10", [("a", title + ".")]))
    if edition:
        fields.append(("250", "  ", [("a", edition)]))
    fields.append(("264", " 1", [("a", "London :"), ("b", "Bloomsbury,"), ("c", year + ".")]))
    return iso_record(M21_LEADER, fields)


@pytest.mark.parametrize("mode", ["skip", "merge", "replace"])
def test_different_books_sharing_a_set_isbn_are_all_imported(actor, library, mode):
    set_isbn = "9780747591054"
    first = _m21("S1", "Harry Potter and the philosopher's stone", isbn=set_isbn)
    run(actor, first)
    volumes = _m21("S2", "Harry Potter and the chamber of secrets", isbn=set_isbn) + _m21(
        "S3", "Harry Potter and the prisoner of Azkaban", isbn=set_isbn
    )
    report = run(actor, volumes, on_duplicate=mode)
    assert report.imported == 2 and report.skipped == report.replaced == report.merged == 0
    titles = sorted(Bib.objects.values_list("title", flat=True))
    assert titles == [
        "Harry Potter and the chamber of secrets",
        "Harry Potter and the philosopher's stone",
        "Harry Potter and the prisoner of Azkaban",
    ]
    # Each is listed for the merge screen: the new title and the one it may duplicate.
    assert report.kinds == {"doubtful_duplicate": 2}
    existing = Bib.objects.get(title__endswith="stone").pk
    pairs = report.doubtful_pairs()
    assert len(pairs) == 2 and {old for _new, old in pairs} == {existing}
    assert {new for new, _old in pairs} == set(
        Bib.objects.exclude(pk=existing).values_list("id", flat=True)
    )
    # The same record again is a duplicate as before.
    again = run(actor, first, on_duplicate="skip")
    assert again.skipped == 1 and again.imported == 0


def test_editions_without_isbn_are_different_books(actor, library):
    one = _m21("E1", "Collected poems", edition="1st ed.")
    two = _m21("E2", "Collected poems", edition="2nd ed.")
    report = run(actor, one + two)
    assert report.imported == 2 and report.skipped == 0
    # The very same record twice is still one book.
    report = run(actor, one)
    assert report.skipped == 1


def test_a_dry_run_lists_the_same_doubtful_matches(actor, library):
    set_isbn = "9780747591054"
    data = _m21("S1", "Volume one", isbn=set_isbn) + _m21("S2", "Volume two", isbn=set_isbn)
    dry = run(actor, data, dry_run=True)
    real = run(actor, data)
    assert [(d.number, d.existing_number) for d in dry.doubtful] == [(2, 1)]
    assert [(d.number, d.existing_number) for d in real.doubtful] == [(2, 1)]
    assert real.doubtful_pairs() == [
        [Bib.objects.get(title="Volume two").pk, Bib.objects.get(title="Volume one").pk]
    ]


# -- holdings --------------------------------------------------------------------------------


def _with_852s() -> bytes:
    return iso_record(
        M21_LEADER,
        [
            ("001", "H1"),
            ("008", "010101s2001    xxu           000 1 eng d"),
            ("245", "10", [("a", "Holdings kept.")]),
            # LoC style: no barcode, never a copy here.
            ("852", "0 ", [("a", "DLC"), ("b", "c-GenColl"), ("h", "PZ7.R79835"), ("t", "1")]),
            (
                "852",
                "81",
                [("a", "SX"), ("b", "stacks"), ("c", "shelf 3"), ("h", "I561"), ("i", "12")]
                + [("p", "H0001"), ("t", "2"), ("z", "gift of the class of 2001")],
            ),
            ("905", "  ", [("a", "local note kept as it is")]),
        ],
    )


def test_holdings_fields_come_back_whole_and_a_local_905_is_not_holdings(actor, library, tmp_path):
    original = _with_852s()
    report = run(actor, original)
    assert report.items_created == 1 and report.holdings_not_imported == 1
    exported = export(library)
    assert exported == original
    assert yaz_errors(tmp_path, exported) == []


def test_a_changed_copy_rewrites_only_what_changed(actor, library):
    run(actor, _with_852s())
    item = Item.objects.get(barcode="H0001")
    Item.objects.filter(pk=item.pk).update(price=2500)
    record = next(iter(MARCReader(io.BytesIO(export(library)), to_unicode=True, force_utf8=True)))
    first, second = record.get_fields("852")
    assert list(first.indicators) == ["0", " "] and first["b"] == "c-GenColl"
    assert list(second.indicators) == ["8", "1"]
    assert [(s.code, s.value) for s in second.subfields] == [
        ("a", "SX"),
        ("b", "stacks"),
        ("c", "shelf 3"),
        ("h", "I561"),
        ("i", "12"),
        ("p", "H0001"),
        ("t", "2"),
        ("z", "gift of the class of 2001"),
        ("x", "CNY25.00"),
    ]
    assert record["905"]["a"] == "local note kept as it is"
    # A new copy gets a field of its own; a withdrawn one loses its field.
    bib = Bib.objects.get()
    item_create(actor=actor, bib_id=bib.pk, barcode="H0002")
    Item.objects.filter(pk=item.pk).update(status=Item.Status.WITHDRAWN)
    record = next(iter(MARCReader(io.BytesIO(export(library)), to_unicode=True, force_utf8=True)))
    assert [f.get("p") for f in record.get_fields("852")] == [None, "H0002"]


def test_koha_952_keeps_the_subfields_it_does_not_map(actor, library):
    koha = [("a", "SX"), ("b", "SX"), ("0", "0"), ("1", "0"), ("7", "0"), ("l", "12")]
    koha += [("o", "I247.5/88"), ("p", "K0001"), ("y", "BK"), ("z", "public note")]
    original = iso_record(
        M21_LEADER,
        [("001", "K1"), ("245", "10", [("a", "Koha.")]), ("952", "  ", koha)],
    )
    run(actor, original)
    assert export(library) == original


def test_a_library_whose_marc21_905_carries_copies_can_say_so(actor, library):
    from shuxiang.catalog.marc import importer, reader

    original = iso_record(
        M21_LEADER,
        [
            ("001", "L905"),
            ("245", "10", [("a", "Local holdings.")]),
            ("905", "  ", [("a", "SX"), ("b", "L0001"), ("d", "I287"), ("e", "3")]),
        ],
    )
    plain = importer.Importer(library=library).run(reader.read(io.BytesIO(original)))
    assert plain.items_created == 0
    Bib.objects.all().delete()
    configured = importer.Importer(library=library, local_905=True)
    report = configured.run(reader.read(io.BytesIO(original)))
    assert report.items_created == 1 and Item.objects.get().barcode == "L0001"
    assert export(library) == original


def test_the_report_page_lists_doubtful_matches_for_checking(client, librarian, library):
    set_isbn = "9780747591054"
    data = _m21("S1", "Volume one", isbn=set_isbn) + _m21("S2", "Volume two", isbn=set_isbn)
    client.force_login(librarian)
    upload = io.BytesIO(data)
    upload.name = "set.mrc"
    response = client.post(
        "/staff/catalog/marc/import/", {"file": upload, "format": "auto", "on_duplicate": "skip"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "可能重复的书目（共 1 条）" in html and "Volume two" in html
    assert "本文件第 1 条" in html
    assert Bib.objects.count() == 2


def test_cnmarc_905_with_volumes_and_unknown_locations_comes_back_unchanged(
    actor, library, tmp_path
):
    fields = [f for f in cnmarc_fields(1) if f[0] != "905"]
    fields += [
        (
            "905",
            "  ",
            [("a", "SX"), ("b", "V0001"), ("c", "旧书库"), ("d", "I266")]
            + [("e", "12"), ("f", "上"), ("h", "A0001"), ("r", "CNY30.00"), ("s", "赠")],
        ),
        ("905", "  ", [("a", "SX"), ("b", "V0002"), ("d", "I266"), ("e", "12"), ("f", "下")]),
        ("905", "  ", [("a", "SX"), ("c", "阅览室"), ("z", "no barcode: never a copy")]),
    ]
    original = iso_record(CN_LEADER, fields)
    report = run(actor, original)
    assert report.items_created == 2
    exported = export(library)
    assert exported == original
    assert yaz_errors(tmp_path, exported) == []
    # The public catalog (SRU) never shows accession numbers or prices, the record's
    # own included.
    public = [d for t, d in split_fields(export(library, public=True))[1] if t == "905"]
    assert len(public) == 3 and not any(b"\x1fh" in d or b"\x1fr" in d for d in public)


def test_the_demo_school_s_records_lint_no_worse_than_loc_s(db, settings, tmp_path):
    # The records librarians see first: the demo's titles, written by bib_fields.
    from shuxiang.core import clock
    from shuxiang.core.models import Library
    from shuxiang.demo.build import demo_build

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with clock.frozen_at(dt.date(2026, 11, 20)):
        demo_build(students=60, teachers=4, items=300)
    library = Library.objects.get(code="main")
    ids = list(Bib.objects.filter(library=library).order_by("id").values_list("id", flat=True))
    ids = ids[:100]
    ours = export(library, default_format="marc21", bib_ids=ids)
    assert len(records_of(ours)) == len(ids) >= 50
    assert yaz_errors(tmp_path, ours) == []
    assert yaz_errors(tmp_path, export(library, default_format="cnmarc", bib_ids=ids)) == []
    theirs_rate, _ = lint_rate(tmp_path, loc("test") + loc("marc8"))
    our_rate, warnings = lint_rate(tmp_path, ours)
    assert our_rate <= theirs_rate, warnings[:20]


@pytest.mark.parametrize(
    ("subfields", "item", "expected"),
    [
        # Unchanged: None, so the field's own bytes are written.
        (
            [("p", "B1"), ("x", "A1"), ("9", "CNY10.00")],
            {"price": 1000, "accession_number": "A1"},
            None,
        ),
        # A local $9 price stays a $9; the accession number its $x.
        (
            [("a", "DLC"), ("p", "B1"), ("x", "A1"), ("9", "CNY10.00")],
            {"price": 2000, "accession_number": "A1"},
            [("a", "DLC"), ("p", "B1"), ("x", "A1"), ("9", "CNY20.00")],
        ),
        # Both in $x: each new value replaces its own kind.
        (
            [("p", "B1"), ("x", "A1"), ("x", "CNY10.00"), ("z", "note")],
            {"price": 1000, "accession_number": "A2"},
            [("p", "B1"), ("x", "A2"), ("x", "CNY10.00"), ("z", "note")],
        ),
        (
            [("p", "B1"), ("t", "3")],
            {"price": 1500, "accession_number": "A3"},
            [("p", "B1"), ("t", "3"), ("x", "A3"), ("x", "CNY15.00")],
        ),
    ],
)
def test_an_852_merge_touches_only_the_copy_s_own_values(subfields, item, expected):
    from shuxiang.catalog.marc import holdings
    from shuxiang.catalog.marc.record import Field

    copy = {"barcode": "B1", "call_number": "", "location": "", **item}
    merged = holdings.merge(Field("852", "0 ", subfields), copy)
    assert (merged.subfields if merged is not None else None) == expected
    if merged is not None:
        assert merged.ind == "0 "
