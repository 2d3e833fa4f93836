"""MARC import/export benchmark.

Generates N CNMARC records with Chinese fields and one copy each (half with a call
number, half left for the importer to assign a 种次号), then measures in one run:

- pymarc parse-only (the ceiling for reading),
- the two ISO 2709 readers on the same file, parse + decode into the same fields:
  Shuxiang's codec (`catalog.marc.reader`) against pymarc's `MARCReader` with
  `to_unicode=False` and the bytes decoded as the codec does (the way pymarc reads
  CNMARC, which it would otherwise decode as MARC-8),
- the two readers on damaged files (truncated record, bad record length, lengths in
  characters, bad directory, bad base address, missing field terminator, a GBK record
  among UTF-8 ones, MARC-8 Latin with diacritics): what each reads and what it says,
- Shuxiang's full import (parse, decode, map, store in a fresh SQLite database),
- pymarc write (as_marc on parsed records, the ceiling for writing),
- Shuxiang's export (read titles and items from the database, write ISO 2709),

(rates in records per CPU second of this process, so that a busy machine does not
skew one phase against another; the wall time of the import is printed too)

and the peak memory, compared with a run at N/10 in a child process, so that a flat
figure shows memory does not grow with N.

    .venv/bin/python bench/marc_bench.py [--n 100000]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华文轩晓春天宇子涵梓萱浩然一诺欣怡"
WORDS = "春天的故事小王子草房子童年城南旧事海底两万里骆驼祥子朝花夕拾边城红岩昆虫记森林报呼兰河传寄小读者稻草人"
PUBLISHERS = [
    "人民文学出版社",
    "江苏少年儿童出版社",
    "中国少年儿童出版社",
    "浙江少年儿童出版社",
    "商务印书馆",
]
CLASSES = [
    "I247.5",
    "I287.5",
    "I266",
    "K825.6",
    "G624.2",
    "Q96",
    "N49",
    "I565.88",
    "I712.8",
    "H319.4",
]


def _text(rng: random.Random, n: int) -> str:
    start = rng.randrange(len(WORDS) - n)
    return WORDS[start : start + n]


def _isbn13(n: int) -> str:
    body = f"978750{n:06d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def generate(path: Path, n: int, start: int = 0) -> None:
    """N records numbered from `start` (their ISBNs, barcodes and titles differ from
    those of a file with another range)."""
    from shuxiang.catalog.marc.record import Record, to_iso2709

    rng = random.Random(5 + start)
    with open(path, "wb") as out:
        for i in range(start, start + n):
            out.write(to_iso2709(Record("     nam0 22     450 ", _fields(rng, i))))


def _fields(rng: random.Random, i: int) -> list:
    """One benchmark record's fields (a title, its authors, a copy in 905)."""
    from shuxiang.catalog.marc.record import Field

    author = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    clc = rng.choice(CLASSES)
    title = _text(rng, rng.randint(3, 8)) + str(i)
    fields = [
        Field("001", data=f"BENCH{i:08d}"),
        Field("005", data="20240101120000.0"),
        Field("010", "  ", [("a", _isbn13(i)), ("d", f"CNY{rng.randint(10, 80)}.00")]),
        Field("100", "  ", [("a", "20240101d2023    em y0chiy50      ea")]),
        Field("101", "0 ", [("a", "chi")]),
        Field("200", "1 ", [("a", title), ("e", _text(rng, 4)), ("f", author + "著")]),
        Field(
            "210",
            "  ",
            [
                ("a", "北京"),
                ("c", rng.choice(PUBLISHERS)),
                ("d", str(rng.randint(1990, 2024))),
            ],
        ),
        Field("215", "  ", [("a", f"{rng.randint(50, 400)}页"), ("d", "21cm")]),
        Field("330", "  ", [("a", _text(rng, 12) + "。" + _text(rng, 16) + "。")]),
        Field("606", "0 ", [("a", _text(rng, 2)), ("x", "儿童读物")]),
        Field("690", "  ", [("a", clc), ("v", "5")]),
        Field("701", " 0", [("a", author), ("4", "著")]),
        Field("801", " 0", [("a", "CN"), ("b", "BENCH"), ("c", "20240101")]),
    ]
    holding = [("a", "SX"), ("b", f"B{i:09d}")]
    if i % 2 == 0:
        holding += [("d", clc), ("e", str(100000 + i))]
    fields.append(Field("905", "  ", holding))
    return fields


# -- the two ISO 2709 readers ----------------------------------------------------------


def pymarc_read(stream: Any) -> Iterator[tuple[int, int, Any, str]]:
    """ISO 2709 read with pymarc instead of Shuxiang's codec, as a replacement would:
    `MARCReader(to_unicode=False)`, each record's bytes decoded here (UTF-8, GB18030
    or MARC-8 by the codec's rules) into the same Field/Record objects, and each
    rejected record reported with its number, byte offset and pymarc's
    `current_exception`. Yields (number, offset, Record or None, error)."""
    from pymarc import MARCReader
    from pymarc.marc8 import marc8_to_unicode

    from shuxiang.catalog.marc.decode import GB18030, MARC8, marc21_non_utf8
    from shuxiang.catalog.marc.detect import MARC21, flavor_of
    from shuxiang.catalog.marc.record import Field, Record

    def decode(leader: str, tags: list[str], values: list[bytes]) -> list[str]:
        # The codec's rules: UTF-8 when the bytes are; otherwise GB18030 for CNMARC, and
        # for MARC 21 (leader/09 blank) MARC-8 unless the bytes cannot be MARC-8.
        if leader[9] == "a" or all(v.isascii() for v in values):
            return [v.decode("utf-8") for v in values]
        try:
            return [v.decode("utf-8") for v in values]
        except UnicodeDecodeError:
            pass
        encoding = GB18030
        if flavor_of(tags, leader) == MARC21:
            encoding = marc21_non_utf8(b"".join(values))
        if encoding == MARC8:
            return [marc8_to_unicode(v, True) for v in values]
        return [v.decode(encoding) for v in values]

    # pymarc logs each field it has to guess indicators for; the result says enough.
    logging.getLogger("pymarc").setLevel(logging.ERROR)
    reader = MARCReader(stream, to_unicode=False)
    number = offset = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        number += 1
        size = len(reader.current_chunk or b"")
        if record is None:
            exc = reader.current_exception
            yield number, offset, None, f"{type(exc).__name__}: {exc}"
        else:
            leader = str(record.leader)
            tags = [f.tag for f in record.fields]
            values = [
                sub.value for f in record.fields if not f.is_control_field() for sub in f.subfields
            ]
            texts = iter(decode(leader, tags, values))
            fields = []
            for f in record.fields:
                if f.is_control_field():
                    fields.append(Field(f.tag, data=f.data.decode("latin-1")))
                else:
                    subs = [(sub.code, next(texts)) for sub in f.subfields]
                    fields.append(Field(f.tag, "".join(f.indicators), subs))
            yield number, offset, Record(leader, fields), ""
        offset += size


def shuxiang_read(stream: Any) -> Iterator[tuple[int, int, Any, str]]:
    """The same four values from Shuxiang's codec (every field decoded)."""
    from shuxiang.catalog.marc import reader

    for r in reader.read(stream):
        yield r.number, r.offset, r.record, r.error


READERS = {"Shuxiang codec": shuxiang_read, "pymarc": pymarc_read}


def reader_rates(path: Path, rounds: int = 2) -> dict[str, float]:
    """Records read (parse + decode) per CPU second by each reader, the mean of
    `rounds` runs taken in turn so that a neighbour's load favours neither."""
    spent = dict.fromkeys(READERS, 0.0)
    count = dict.fromkeys(READERS, 0)
    for _round in range(rounds):
        for name, read in READERS.items():
            t = _clock()
            with open(path, "rb") as fh:
                count[name] += sum(1 for r in read(fh) if r[2] is not None)
            spent[name] += _clock() - t
    return {name: count[name] / spent[name] for name in READERS}


def damaged_files() -> dict[str, bytes]:
    """Four UTF-8 CNMARC records with the second one damaged, one file per damage."""
    from shuxiang.catalog.marc.record import Field, Record, assemble, field_bytes, to_iso2709

    rng = random.Random(7)
    leader = "     nam0 22     450 "
    good = [to_iso2709(Record(leader, _fields(rng, i))) for i in range(4)]
    second = good[1]
    base = int(second[12:17])

    def length(data: bytes) -> bytes:
        return b"%05d" % len(data) + data[5:]

    def without_terminator() -> bytes:
        # The 200 field (6th entry) loses its terminator; the directory is not fixed.
        entry = 24 + 12 * 5
        end = base + int(second[entry + 7 : entry + 12]) + int(second[entry + 3 : entry + 7])
        return length(second[: end - 1] + second[end:])

    def encoded(leader: str, fields: list, encoding: str) -> bytes:
        return assemble(
            leader,
            [(f.tag, field_bytes(f).decode("utf-8").encode(encoding)) for f in fields],
        )

    marc8_latin = [
        Field("001", data="M8LATIN"),
        Field("008", data="240101s1999    fr            000 1 fre d"),
        Field("100", "1 ", [("a", "Hugo, Victor,")]),
        # ANSEL: the combining acute (0xE2) and cedilla (0xF0) come before their letter.
        Field("245", "14", [("a", "Les mis\xe2erables /"), ("c", "trad. par Fran\xf0cois.")]),
    ]
    damaged = {
        "truncated record (runs into the next)": second[:-40],
        "record length not digits": b"ABCDE" + second[5:],
        "record length counted in characters": b"%05d" % len(second.decode("utf-8")) + second[5:],
        "bad directory entry": second[:75] + b"00x9" + second[79:],
        "bad base address": second[:12] + b"%05d" % (base + 5) + second[17:],
        "missing field terminator": without_terminator(),
        "GBK record in a UTF-8 file": encoded(leader, _fields(rng, 1), "gbk"),
        "MARC-8 Latin with diacritics": encoded("     nam  22     1i 4500", marc8_latin, "latin-1"),
    }
    return {name: good[0] + bad + good[2] + good[3] for name, bad in damaged.items()}


def _title(record: Any) -> str:
    f = record.first("200") or record.first("245")
    return f.get("a") if f is not None else ""


def damaged_report() -> list[str]:
    """What each reader makes of each damaged file, one line per reader and file."""
    lines = []
    for name, data in damaged_files().items():
        lines.append(f"  {name}:")
        for reader_name, read in READERS.items():
            results = list(read(io.BytesIO(data)))
            good = sum(1 for r in results if r[2] is not None and r[0] != 2)
            second = next((r for r in results if r[0] == 2), None)
            if second is None:
                said = "-"
            elif second[2] is None:
                said = f"rejected #2 at byte {second[1]}: {second[3]}"
            else:
                said = f"read #2, title {_title(second[2])!r}"
            lines.append(f"    {reader_name:<15}{good} of 3 good records; {said}")
    return lines


def _clock() -> float:
    # CPU seconds of this process (SQLite runs in-process, so its work counts too): rates
    # stay comparable on a shared machine where wall time depends on the neighbours.
    return time.process_time()


def rss_mb() -> float:
    """This process's peak resident memory. On Linux, VmHWM: ru_maxrss would carry over
    the parent's peak from before exec, so each size's child would report the parent's
    100,000-record run."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pymarc_write_rps(path: Path) -> float:
    """pymarc's as_marc on the parsed records, per CPU second of the writing alone."""
    from pymarc import MARCReader

    spent = 0.0
    written = 0
    with open(path, "rb") as fh, open(os.devnull, "wb") as sink:
        chunk = []
        for record in MARCReader(fh, to_unicode=True, force_utf8=True):
            chunk.append(record)
            if len(chunk) == 1000:
                t = _clock()
                for r in chunk:
                    sink.write(r.as_marc())
                spent += _clock() - t
                written += len(chunk)
                chunk = []
        t = _clock()
        for r in chunk:
            sink.write(r.as_marc())
        spent += _clock() - t
        written += len(chunk)
    return written / spent


def run(n: int, workdir: Path, *, compare_pymarc: bool, trace: bool = False) -> dict:
    os.environ["SHUXIANG_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from pymarc import MARCReader

    from shuxiang.catalog.marc.exporter import Exporter
    from shuxiang.catalog.services import marc_import
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup

    call_command("migrate", verbosity=0)
    library = library_setup(code="bench", name="基准测试图书馆")
    actor = Actor.system(library)
    path = workdir / "records.iso"
    generate(path, n)
    figures: dict = {
        "n": n,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "rss_after_setup_mb": round(rss_mb()),
    }

    def pymarc_parse() -> float:
        t = _clock()
        with open(path, "rb") as fh:
            count = sum(1 for _ in MARCReader(fh, to_unicode=True, force_utf8=True))
        return count / (_clock() - t)

    if compare_pymarc:
        figures["pymarc_parse_rps_before"] = pymarc_parse()

    if trace:
        tracemalloc.start()
    t, wall = _clock(), time.perf_counter()
    with open(path, "rb") as fh:
        report = marc_import(actor=actor, source=fh)
    figures["import_rps"] = n / (_clock() - t)
    figures["import_wall_s"] = time.perf_counter() - wall
    figures["imported"] = report.imported
    figures["items"] = report.items_created
    figures["rss_after_import_mb"] = round(rss_mb())
    if trace:
        figures["heap_import_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.reset_peak()

    if compare_pymarc:
        # Parse-only again after the import; the ceiling is the mean of the two runs,
        # so that the machine getting slower or faster during the import (a shared
        # VM does) favours neither side.
        figures["pymarc_parse_rps_after"] = pymarc_parse()
        figures["pymarc_parse_rps"] = (
            figures["pymarc_parse_rps_before"] + figures["pymarc_parse_rps_after"]
        ) / 2
        figures["pymarc_write_rps"] = pymarc_write_rps(path)
        figures["readers_rps"] = reader_rates(path)
        figures["damaged"] = damaged_report()

    t = _clock()
    with open(workdir / "export.iso", "wb") as out:
        exported = Exporter(library=library).write(out)
    figures["export_rps"] = exported / (_clock() - t)
    figures["rss_after_export_mb"] = round(rss_mb())
    if trace:
        figures["heap_export_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return figures


def _child(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--n", str(n), "--child"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="number of records (default 100000)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    with tempfile.TemporaryDirectory(prefix="sx-marc-bench-") as tmp:
        if args.child:
            print(json.dumps(run(args.n, Path(tmp), compare_pymarc=False, trace=True)))
            return
        f = run(args.n, Path(tmp), compare_pymarc=True)
    # Memory: the Python heap's peak (tracemalloc) during import and export, at two
    # sizes, each in a fresh process.
    sizes = [max(1000, args.n // 10), max(2000, args.n // 2)]
    traced = [_child(size) for size in sizes]
    print(
        f"MARC benchmark: {f['n']:,} CNMARC records with CJK fields ({f['file_mb']} MB), "
        "one copy each; rates in records per CPU second"
    )
    print(
        f"  pymarc parse only (ceiling)   {f['pymarc_parse_rps']:>10,.0f} records/s  "
        f"(mean of {f['pymarc_parse_rps_before']:,.0f} before the import and "
        f"{f['pymarc_parse_rps_after']:,.0f} after)"
    )
    ratio = f["import_rps"] / f["pymarc_parse_rps"]
    print(
        f"  full import (parse+map+store) {f['import_rps']:>10,.0f} records/s  = {ratio:.0%} "
        f"of parse-only (goal >= 50%); wall {f['import_wall_s']:.1f} s"
    )
    readers = f["readers_rps"]
    ratio = readers["Shuxiang codec"] / readers["pymarc"]
    print(
        f"  ISO 2709 read (parse+decode)  {readers['Shuxiang codec']:>10,.0f} records/s  "
        f"Shuxiang codec = {ratio:.1f}x pymarc MARCReader(to_unicode=False) + decode "
        f"{readers['pymarc']:,.0f} records/s"
    )
    print(f"  pymarc write (as_marc)        {f['pymarc_write_rps']:>10,.0f} records/s")
    ratio = f["export_rps"] / f["pymarc_write_rps"]
    print(
        f"  export (DB -> ISO 2709)       {f['export_rps']:>10,.0f} records/s  = {ratio:.0%} "
        "of pymarc write (goal >= 50%)"
    )
    print(f"  imported {f['imported']:,} titles, {f['items']:,} copies")
    print("  damaged files (4 records, the 2nd damaged): good records read; what #2 got")
    for line in f["damaged"]:
        print(line)
    print("  memory                       Python heap peak (MB)     process RSS peak (MB)")
    print("                                import      export")
    for g in traced:
        print(
            f"    N = {g['n']:<22,}{g['heap_import_mb']:>8.1f}{g['heap_export_mb']:>12.1f}"
            f"{g['rss_after_export_mb']:>20}"
        )
    print(f"    N = {f['n']:<22,}{'':>8}{'':>12}{f['rss_after_export_mb']:>20}")
    print(
        "  (RSS also holds SQLite's page cache, capped at 32 MB by PRAGMA cache_size, so it "
        "levels off once the database outgrows it)"
    )


if __name__ == "__main__":
    main()
