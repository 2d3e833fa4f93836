"""The MARC importer: records are read and mapped one by one, and written in batches
(bulk inserts), so a large file imports at a good fraction of the raw parse rate.

Each batch is written in a transaction of its own, and reading, decoding and mapping the
next records happens outside any transaction. On SQLite a transaction holds the one
write lock from BEGIN (IMMEDIATE) to COMMIT, so a whole-file transaction made every desk
wait for the whole import (19 s for 200,000 records; "database is locked" past 30 s);
between two batches a desk's check-out goes through. A batch that fails (an
IntegrityError when a desk took a call number or barcode a moment ago) is rolled back
whole, tried once more with fresh lookups, and if it fails again its records are
rejected with the reason; the batches before it stay written.

A dry run writes each batch in a transaction that it rolls back, and keeps in memory
what the batches before would have written (`_Shadow`), which the next batches of a real
run would find in the database: so duplicates across batches, barcodes and 种次号 come
out as in a real run, and no transaction outlives its batch."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import gc
import json
import operator
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import DataError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from shuxiang.catalog import callnumbers, search_port
from shuxiang.catalog.marc import cnmarc, marc21, matching
from shuxiang.catalog.marc.decode import LABELS as ENCODING_LABELS
from shuxiang.catalog.marc.detect import CNMARC
from shuxiang.catalog.marc.mapping import BIB_FIELDS, Holding, Mapped
from shuxiang.catalog.marc.matching import DOUBTFUL, SAME, Description
from shuxiang.catalog.marc.reader import ReadResult
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core import clock
from shuxiang.core.models import Library, Location
from shuxiang.core.spreadsheet import csv_text

SKIP, MERGE, REPLACE = "skip", "merge", "replace"
ON_DUPLICATE = (SKIP, MERGE, REPLACE)
# The book number of an assigned call number: 种次号 (next in the class) or author mark.
SEQUENCE, AUTHOR = "sequence", "author"
BOOK_NUMBERS = (SEQUENCE, AUTHOR)
MAX_MESSAGES = 5000  # warnings kept in the report; the counts stay exact beyond it
# Records written per transaction: small enough that a desk waits at most a fraction
# of a second for the lock between two batches (bench/import_desk_bench.py), large
# enough that the bulk inserts stay efficient.
BATCH_SIZE = 500

# The kinds of warning, by which the report counts them; each label names the kind,
# not one record's case.
WARNING_KINDS = {
    "invalid_isbn": gettext_lazy("ISBN 无效（或为统一书号），按原样保留"),
    "bad_price": gettext_lazy("价格无法识别，未保存"),
    "duplicate": gettext_lazy("重复书目，已跳过"),
    "holding_without_barcode": gettext_lazy("馆藏没有条码号，未导入"),
    "barcode_taken": gettext_lazy("条码号已被使用，单册未导入"),
    "accession_taken": gettext_lazy("登录号已被使用，登录号留空"),
    "unknown_location": gettext_lazy("馆藏地点不存在，单册未指定地点"),
    "bad_date": gettext_lazy("入藏日期无法识别"),
    "call_number_taken": gettext_lazy("索书号已被其他书目使用，已重新分配"),
    "no_clc": gettext_lazy("没有中图分类号，单册未分配索书号"),
    "doubtful_duplicate": gettext_lazy(
        "可能重复（ISBN 相同但题名或版本不同），作为新书目导入，待核对"
    ),
    "encoding_guess": gettext_lazy("字符编码不能确定，请核对"),
    "encoding_mixed": gettext_lazy("记录的字符编码与文件中其他记录不同"),
    "field_split": gettext_lazy("字段超过 9999 字节，已拆分"),
    "other": gettext_lazy("其他提示"),
}


@dataclass(slots=True)
class Problem:
    number: int
    offset: int
    message: str
    kind: str = ""

    def where(self) -> str:
        if self.offset >= 0:
            return _("第 %(n)d 条（第 %(offset)d 字节）") % {
                "n": self.number,
                "offset": self.offset,
            }
        return _("第 %(n)d 条") % {"n": self.number}


@dataclass(slots=True)
class DoubtfulMatch:
    """A record imported as a title of its own that may be a title the library has
    (or that an earlier record of the file made): the pair a merge screen shows.
    `bib_id` and `existing_id` are filled once both titles are written (None in a
    dry run); `existing_number` names the file's record when it made the other."""

    number: int
    offset: int
    title: str
    existing_id: int | None
    existing_number: int | None = None
    bib_id: int | None = None


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    merged: int = 0
    replaced: int = 0
    skipped: int = 0
    items_created: int = 0
    holdings_not_imported: int = 0
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    dry_run: bool = False
    formats: dict[str, int] = field(default_factory=dict)
    # Records read in each encoding ("utf-8", "marc8", "gb18030"); the file's is the
    # first record's, and a record read otherwise gets a warning of its own.
    encodings: dict[str, int] = field(default_factory=dict)
    file_encoding: str = ""
    doubtful: list[DoubtfulMatch] = field(default_factory=list)
    # Warnings counted by kind (exact, however many there are).
    kinds: dict[str, int] = field(default_factory=dict)
    # Where every warning is written as a CSV row (number, offset, kind, message), beyond
    # the MAX_MESSAGES kept in `warnings`; None keeps only those.
    detail: TextIO | None = field(default=None, repr=False, compare=False)
    batches_written: int = 0
    _detail_writer: Any = field(default=None, repr=False, compare=False)

    def warn(self, number: int, offset: int, message: str, kind: str = "") -> None:
        kind = getattr(message, "kind", "") or kind or "other"
        self.warning_count += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if len(self.warnings) < MAX_MESSAGES:
            self.warnings.append(Problem(number, offset, str(message), kind))
        if self.detail is not None:
            if self._detail_writer is None:
                self._detail_writer = csv.writer(self.detail)
            self._detail_writer.writerow([number, offset, kind, str(message)])

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "imported": self.imported,
            "merged": self.merged,
            "replaced": self.replaced,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
            "items_created": self.items_created,
            "holdings_not_imported": self.holdings_not_imported,
            "warnings": self.warning_count,
            "doubtful": len(self.doubtful),
        }

    def doubtful_pairs(self) -> list[list[int]]:
        """[new title id, the title it may duplicate] for each doubtful match written:
        what a merge screen offers to compare (kept in the import's audit event)."""
        return [
            [d.bib_id, d.existing_id]
            for d in self.doubtful
            if d.bib_id is not None and d.existing_id is not None
        ]

    def encoding_labels(self) -> list[tuple[str, int]]:
        """(encoding as people name it, records read in it), the file's own first."""
        order = sorted(self.encodings.items(), key=lambda kv: (kv[0] != self.file_encoding, kv[0]))
        return [(ENCODING_LABELS.get(name, name), n) for name, n in order]

    def by_kind(self) -> list[tuple[str, str, int]]:
        """(kind, its label, how many) for each kind of warning, the most frequent first."""
        return [
            (kind, str(WARNING_KINDS.get(kind, WARNING_KINDS["other"])), n)
            for kind, n in sorted(self.kinds.items(), key=lambda item: (-item[1], item[0]))
        ]

    def all_warnings(self) -> Iterator[Problem]:
        """Every warning: from the detail file when there is one, else those kept."""
        if self.detail is None:
            yield from self.warnings
            return
        self.detail.flush()
        self.detail.seek(0)
        for number, offset, kind, message in csv.reader(self.detail):
            yield Problem(int(number), int(offset), message, kind)
        self.detail.seek(0, 2)

    def write_csv(self, out: TextIO) -> None:
        """The full detail: every rejected record, then every warning, one row each
        (type, record number, byte offset, kind, message), as a spreadsheet opens it."""
        writer = csv.writer(out)
        writer.writerow([_("类型"), _("记录号"), _("字节位置"), _("类别"), _("说明")])
        rejected, warning = _("拒收"), pgettext("import report row", "提示")
        for p in self.rejected:
            writer.writerow([rejected, p.number, p.offset, "", csv_text(p.message)])
        for p in self.all_warnings():
            label = str(WARNING_KINDS.get(p.kind, WARNING_KINDS["other"]))
            writer.writerow([warning, p.number, p.offset, label, csv_text(p.message)])

    # The report's counters that a batch moves on, saved before it and put back if it fails.
    _COUNTERS = (
        "imported",
        "merged",
        "replaced",
        "skipped",
        "items_created",
        "holdings_not_imported",
        "warning_count",
    )

    def _checkpoint(self) -> dict:
        """What `_restore` needs to undo everything a batch added to the report."""
        position = None
        if self.detail is not None:
            self.detail.flush()
            position = self.detail.tell()
        saved = {name: getattr(self, name) for name in self._COUNTERS}
        saved.update(
            rejected=len(self.rejected),
            warnings=len(self.warnings),
            kinds=dict(self.kinds),
            doubtful=len(self.doubtful),
            position=position,
        )
        return saved

    def _restore(self, saved: dict) -> None:
        for name in self._COUNTERS:
            setattr(self, name, saved[name])
        self.kinds = saved["kinds"]
        del self.rejected[saved["rejected"] :]
        del self.warnings[saved["warnings"] :]
        del self.doubtful[saved["doubtful"] :]
        if self.detail is not None and saved["position"] is not None:
            self.detail.seek(saved["position"])
            self.detail.truncate()


@dataclass(slots=True)
class _Pending:
    number: int
    offset: int
    flavor: str
    original: bytes
    mapped: Mapped
    bib_id: int | None = None
    holdings: list[Holding] = field(default_factory=list)
    control_number: str = ""

    def description(self) -> Description:
        return Description.of(self.mapped.values, self.control_number)


# A copy to write: (title id, holding, the record it came from, the title's values).
_HoldingRow = tuple[int, Holding, _Pending, dict[str, Any]]
_ITEM_COLUMNS = [
    "library_id",
    "bib_id",
    "barcode",
    "accession_number",
    "call_number_id",
    "location_id",
    "circulation_type",
    "status",
    "price",
    "acquired_on",
    "source",
    "note",
    "created_at",
    "updated_at",
]
_JSON_COLUMNS = frozenset({"authors", "isbns", "invalid_isbns", "subjects"})
_PLAIN_FIELDS = tuple(name for name in BIB_FIELDS if name not in _JSON_COLUMNS)
_JSON_FIELDS = tuple(name for name in BIB_FIELDS if name in _JSON_COLUMNS)
# A row's values in one C call each, instead of a Python step per column.
_plain_values = operator.itemgetter(*_PLAIN_FIELDS)
_json_values = operator.itemgetter(*_JSON_FIELDS)


def _insert(model: Any, columns: list[str], rows: list[list[Any]], *, returning: bool) -> list[int]:
    """Insert rows whose values are already in database form, returning their ids in
    order when asked. The ORM's bulk_create spends most of an import's time preparing
    each value one by one. A column not given gets the field's default (so a column
    added to the model later still works)."""
    if not rows:
        return []
    extra_columns, extra_values = [], []
    for f in model._meta.concrete_fields:
        if not f.primary_key and f.column not in columns:
            extra_columns.append(f.column)
            extra_values.append(f.get_db_prep_save(f.get_default(), connection))
    columns = columns + extra_columns
    if extra_values:
        rows = [[*row, *extra_values] for row in rows]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    head = f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # One prepared statement run for every row. The import holds the write lock
            # (BEGIN IMMEDIATE) and ids only grow (AUTOINCREMENT), so the new rows are
            # exactly those above the highest id before, in insertion order.
            if returning:
                cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")
                before = cursor.fetchone()[0]
            cursor.executemany(head + one, rows)
            if not returning:
                return []
            cursor.execute(f"SELECT {pk} FROM {table} WHERE {pk} > %s ORDER BY {pk}", [before])
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) != len(rows):
                raise RuntimeError("rows inserted by someone else during the import")
            return ids
        limit = connection.features.max_query_params or 30000
        per_statement = max(1, min(500, limit // len(columns)))
        tail = f" RETURNING {pk}" if returning else ""
        ids = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _json_adapter() -> Callable[[Any], Any]:
    if connection.vendor == "sqlite":
        # What the JSONField stores, without the per-value detour through the backend.
        return lambda value: _dumps(value) if value else "[]"
    adapt = connection.ops.adapt_json_value
    return lambda value: adapt(value, None)


def _pairs(model: Any, key: str, value: str, library_id: int, wanted: Iterable[Any]) -> list[tuple]:
    """(key, value) columns of the rows whose `key` is in `wanted`, in one plain query per
    900 values (the ORM's `__in` prepares every value one by one)."""
    wanted = list(wanted)
    if not wanted:
        return []
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    out: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {quote(key)}, {quote(value)} FROM {table} "
                f"WHERE {quote('library_id')} = %s AND {quote(key)} IN ({marks})",
                [library_id, *chunk],
            )
            out.extend(cursor.fetchall())
    return out


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk pass.

    An import allocates millions of small, short-lived objects (fields, subfield
    tuples, rows) that reference counting frees without help; yet every few hundred
    allocations the collector would walk them, and now and then every object the
    process holds, which cost about a fifth of an import's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def map_record(result: ReadResult, *, local_905: bool = False) -> Mapped:
    """A record's Bib values and copies. `local_905`: the library's MARC 21 records
    carry copies in 905 too (CNMARC's always do, MARC 21's 905 is otherwise local)."""
    assert result.record is not None
    if result.flavor == CNMARC:
        return cnmarc.to_bib(result.record)
    return marc21.to_bib(result.record, local_905=local_905)


def _title_key(values: dict[str, Any]) -> tuple[str, str]:
    return ("title", matching.norm(values["title"]))


def _lookup_key(values: dict[str, Any]) -> Any:
    """What a later record's duplicate check finds a title by in the database: its first
    ISBN, or for a title without one its title (see `Importer._existing_titles`). Being
    found is not being a duplicate: `matching.compare` decides."""
    return values["isbn"] or _title_key(values)


class _Made:
    """The titles this import created, id -> number of the record that made it, so that
    a duplicate of one is reported as a duplicate within the file whichever batch made
    it. Two arrays of 8-byte integers rather than a dict: 16 bytes a title."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.numbers = array("q")
        self.ordered = True

    def add(self, pairs: Iterable[tuple[int, int]]) -> None:
        for bib_id, number in sorted(pairs):
            if self.ids and bib_id <= self.ids[-1]:
                self.ordered = False
            self.ids.append(bib_id)
            self.numbers.append(number)

    def number_of(self, bib_id: int) -> int | None:
        if not self.ordered:
            pairs = sorted(zip(self.ids, self.numbers, strict=True))
            self.ids = array("q", (i for i, _n in pairs))
            self.numbers = array("q", (n for _i, n in pairs))
            self.ordered = True
        k = bisect.bisect_left(self.ids, bib_id)
        return self.numbers[k] if k < len(self.ids) and self.ids[k] == bib_id else None


class _Shadow:
    """What the batches of a dry run before this one would have written, where the next
    batches of a real run would read it from the database. A title made by the dry run
    has the id -(its record's number), which no database row has."""

    def __init__(self) -> None:
        self.by_isbn: dict[str, list[int]] = {}
        self.by_title: dict[tuple, list[int]] = {}
        self.descriptions: dict[int, Description] = {}  # made or replaced titles
        self.keys: dict[int, Any] = {}  # a made or replaced title -> its lookup key now
        # (key, id) the database still answers that a real run would have changed (a
        # replaced title's former ISBN or title key).
        self.hidden: set[tuple[Any, int]] = set()
        self.calls: dict[int, dict[str, str]] = {}  # title -> volume -> call number
        self.owners: dict[str, int] = {}  # call number -> title
        self.by_class: dict[str, list[str]] = {}  # class number -> call numbers
        self.barcodes: set[str] = set()
        self.accessions: set[str] = set()

    def _table(self, key: Any) -> dict:
        return self.by_isbn if isinstance(key, str) else self.by_title

    def set_key(
        self, bib_id: int, key: Any, old_key: Any = None, description: Description | None = None
    ) -> None:
        """The title is found by `key` from now on (and no longer by `old_key`), and
        described so."""
        before = self.keys.get(bib_id, old_key)
        if before is not None and before != key:
            ids = self._table(before).get(before, [])
            if bib_id in ids:
                ids.remove(bib_id)
            if bib_id > 0:
                self.hidden.add((before, bib_id))
        self.keys[bib_id] = key
        self.hidden.discard((key, bib_id))
        ids = self._table(key).setdefault(key, [])
        if bib_id not in ids:
            ids.append(bib_id)
        if description is not None:
            self.descriptions[bib_id] = description

    def overlay(self, found: dict, keys: Iterable[Any]) -> None:
        """Correct the database's answers (key -> titles) for what was written."""
        for key in keys:
            ids = [i for i in found.get(key, []) if (key, i) not in self.hidden]
            ids += [i for i in self._table(key).get(key, []) if i not in ids]
            if ids:
                found[key] = ids
            else:
                found.pop(key, None)

    def add_call_number(self, bib_id: int, volume: str, value: str) -> None:
        self.calls.setdefault(bib_id, {})[volume] = value
        self.owners[value] = bib_id
        self.by_class.setdefault(value.partition(callnumbers.SEPARATOR)[0], []).append(value)

    def values_starting(self, prefix: str) -> list[str]:
        stem = prefix.partition(callnumbers.SEPARATOR)[0]
        return [v for v in self.by_class.get(stem, ()) if v.startswith(prefix)]


class Importer:
    def __init__(
        self,
        *,
        library: Library,
        on_duplicate: str = SKIP,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[ReadResult], None] | None = None,
        book_number: str = SEQUENCE,
        dry_run: bool = False,
        local_905: bool = False,
        detail: TextIO | None = None,
    ) -> None:
        if on_duplicate not in ON_DUPLICATE:
            raise ValueError(f"on_duplicate must be one of {ON_DUPLICATE}")
        if book_number not in BOOK_NUMBERS:
            raise ValueError(f"book_number must be one of {BOOK_NUMBERS}")
        self.book_number = book_number
        self.library = library
        self.on_duplicate = on_duplicate
        self.batch_size = batch_size
        self.progress = progress
        self.dry_run = dry_run
        self.local_905 = local_905
        self.report = ImportReport(dry_run=dry_run, detail=detail)
        self._next_seq: dict[str, int] = {}
        self._locations: dict[str, int | None] = {}
        self._fresh: set[int] = set()
        self._made = _Made()
        self._shadow = _Shadow() if dry_run else None
        # What the batch being written adds, for the shadow of a dry run.
        self._new_calls: dict[tuple[int, str], str] = {}
        self._new_items: list[tuple[str, str]] = []
        self._retitled: list[tuple[int, Any, Any, Description]] = []
        # The doubtful matches of the batch being written: (report entry, record, other).
        self._doubtful: list[tuple[DoubtfulMatch, _Pending, int | _Pending]] = []

    def run(self, results: Iterable[ReadResult]) -> ImportReport:
        with collector_paused():
            report = self._run(results)
        report.rejected.sort(key=operator.attrgetter("number"))
        return report

    def _run(self, results: Iterable[ReadResult]) -> ImportReport:
        batch: list[_Pending] = []
        for result in results:
            self.report.read += 1
            if self.progress is not None:
                self.progress(result)
            pending = self._accept(result)
            if pending is None:
                continue
            batch.append(pending)
            if len(batch) >= self.batch_size:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        return self.report

    def _accept(self, result: ReadResult) -> _Pending | None:
        """One record read and mapped, ready for its batch; None (and the reason in the
        report) when it cannot be imported."""
        report = self.report
        if result.error or result.record is None:
            report.rejected.append(
                Problem(result.number, result.offset, result.error or _("无法读取的记录"))
            )
            return None
        try:
            mapped = map_record(result, local_905=self.local_905)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            report.rejected.append(
                Problem(result.number, result.offset, _("记录无法转换：%(error)s") % {"error": exc})
            )
            return None
        if not mapped.values["title"]:
            where = "200 $a" if result.flavor == CNMARC else "245 $a"
            report.rejected.append(
                Problem(result.number, result.offset, _("没有题名（%(where)s）") % {"where": where})
            )
            return None
        report.formats[result.flavor] = report.formats.get(result.flavor, 0) + 1
        report.encodings[result.encoding] = report.encodings.get(result.encoding, 0) + 1
        if not report.file_encoding:
            report.file_encoding = result.encoding
        elif result.encoding != report.file_encoding:
            report.warn(
                result.number,
                result.offset,
                _("本条按 %(encoding)s 读入（本文件其他记录为 %(file)s）")
                % {
                    "encoding": ENCODING_LABELS.get(result.encoding, result.encoding),
                    "file": ENCODING_LABELS.get(report.file_encoding, report.file_encoding),
                },
                "encoding_mixed",
            )
        for message in [*result.notes, *mapped.warnings]:
            report.warn(result.number, result.offset, message)
        return _Pending(
            result.number,
            result.offset,
            result.flavor,
            result.original,
            mapped,
            None,
            mapped.holdings,
            control_number=matching.control_number(result.original),
        )

    # -- one batch -------------------------------------------------------------------

    def _flush(self, batch: list[_Pending]) -> None:
        """Write one batch in a transaction of its own (rolled back in a dry run). A
        batch that fails is undone whole, in the database and in the report, and tried
        once more with the cached 种次号 and locations read afresh (a desk may have taken
        one meanwhile); failing again, its records are rejected with the reason."""
        for attempt in (1, 2):
            saved = self.report._checkpoint()
            records = [
                (p.mapped.values, p.original, p.flavor, [h.accession_number for h in p.holdings])
                for p in batch
            ]
            try:
                with transaction.atomic():
                    self._write(batch)
                    if self.dry_run:
                        transaction.set_rollback(True)
            except (IntegrityError, DataError) as exc:
                self.report._restore(saved)
                for p, (values, original, flavor, accessions) in zip(batch, records, strict=True):
                    p.mapped.values, p.original, p.flavor, p.bib_id = values, original, flavor, None
                    for holding, number in zip(p.holdings, accessions, strict=True):
                        holding.accession_number = number
                self._next_seq.clear()
                self._locations.clear()
                if attempt == 1:
                    continue
                message = _("写入数据库时出错，这一批记录都未导入：%(error)s") % {"error": exc}
                self.report.rejected.extend(Problem(p.number, p.offset, message) for p in batch)
                return
            self._remember(batch)
            return

    def _write(self, batch: list[_Pending]) -> None:
        self._new_calls, self._new_items, self._retitled = {}, [], []
        by_isbn, by_title, described = self._existing_titles(batch)
        creates, replaces, attach = self._match(batch, by_isbn, by_title, described)
        self._fresh = set()
        if creates:
            self._insert_titles(creates)
        if replaces:
            self._replace_titles(replaces)
        self._holdings(attach)
        # The search index changes in the batch's transaction (and is rolled back with
        # a dry run's): new and replaced titles, and titles that got copies.
        touched = [p.bib_id for p in creates] + list(replaces)
        touched += [t.bib_id if isinstance(t, _Pending) else t for t, _source in attach]
        search_port.bibs_changed(b for b in touched if b is not None and b > 0)

    def _remember(self, batch: list[_Pending]) -> None:
        """After a batch: the titles it made (for the messages of later duplicates) and,
        in a dry run, everything it would have written."""
        self.report.batches_written += 1
        made = [(p.bib_id, p.number) for p in batch if p.bib_id is not None and p.bib_id > 0]
        shadow = self._shadow
        if shadow is None:
            self._made.add(made)
            for match, p, other in self._doubtful:
                match.bib_id = p.bib_id
                if isinstance(other, _Pending):
                    match.existing_id = other.bib_id
            return
        virtual = {bib_id: -number for bib_id, number in made}
        for p in batch:
            if p.bib_id in virtual:
                shadow.set_key(
                    virtual[p.bib_id], _lookup_key(p.mapped.values), description=p.description()
                )
        for bib_id, old_key, new_key, description in self._retitled:
            shadow.set_key(bib_id, new_key, old_key, description)
        for (bib_id, volume), value in self._new_calls.items():
            shadow.add_call_number(virtual.get(bib_id, bib_id), volume, value)
        for barcode, accession in self._new_items:
            shadow.barcodes.add(barcode)
            if accession:
                shadow.accessions.add(accession)

    def _made_by(self, bib_id: int) -> int | None:
        """The number of the record of this file that made the title, if one did."""
        return -bib_id if bib_id < 0 else self._made.number_of(bib_id)

    def _existing_titles(
        self, batch: list[_Pending]
    ) -> tuple[dict[str, list[int]], dict[tuple, list[int]], dict[int, Description]]:
        """The library's titles that the batch's records may duplicate: by ISBN, and by
        title for records without one (oldest first), and what each is."""
        library = self.library
        isbns = {i for p in batch for i in p.mapped.values["isbns"]}
        titles = {p.mapped.values["title"] for p in batch if not p.mapped.values["isbn"]}
        by_isbn: dict[str, list[int]] = {}
        if isbns:
            # No ORDER BY: with one, SQLite walks the whole library instead of the
            # (library, isbn) index.
            for isbn, bib_id in _pairs(Bib, "isbn", "id", library.pk, isbns):
                by_isbn.setdefault(isbn, []).append(bib_id)
        by_title: dict[tuple, list[int]] = {}
        if titles:
            found = Bib.objects.filter(library=library, isbn="", title__in=titles)
            for bib_id, title in found.values_list("id", "title"):
                by_title.setdefault(_title_key({"title": title}), []).append(bib_id)
        if self._shadow is not None:
            self._shadow.overlay(by_isbn, isbns)
            keys = {_title_key(p.mapped.values) for p in batch if not p.mapped.values["isbn"]}
            self._shadow.overlay(by_title, keys)
        for table in (by_isbn, by_title):
            for ids in table.values():
                ids.sort(key=lambda i: (i < 0, abs(i)))
        return by_isbn, by_title, self._descriptions(by_isbn, by_title)

    def _descriptions(self, *tables: dict[Any, list[int]]) -> dict[int, Description]:
        """What the duplicate check compares of each candidate title."""
        wanted = {i for table in tables for ids in table.values() for i in ids}
        shadow = self._shadow.descriptions if self._shadow is not None else {}
        out = {i: shadow[i] for i in wanted if i in shadow}
        rows = Bib.objects.filter(
            library=self.library, pk__in=[i for i in wanted if i > 0 and i not in out]
        ).values_list("id", "title", "authors", "year", "edition", "publisher", "isbns")
        originals = dict(
            Bib.objects.filter(pk__in=[r[0] for r in rows]).values_list("id", "marc_record")
        )
        for bib_id, title, authors, year, edition, publisher, isbns in rows:
            values = {
                "title": title,
                "authors": authors,
                "year": year,
                "edition": edition,
                "publisher": publisher,
                "isbns": isbns,
            }
            original = originals.get(bib_id)
            number = matching.control_number(bytes(original) if original is not None else None)
            out[bib_id] = Description.of(values, number)
        return out

    def _match(
        self,
        batch: list[_Pending],
        by_isbn: dict[str, list[int]],
        by_title: dict[tuple, list[int]],
        described: dict[int, Description],
    ) -> tuple[list[_Pending], dict[int, _Pending], list[tuple[int | _Pending, _Pending]]]:
        """Each record is a new title, or a duplicate (of a title in the library or of an
        earlier record of the file) that is skipped, merged or replaces it. A title
        found by a shared ISBN or title is a duplicate only when `matching.compare` says
        it is the same; a doubtful one is listed in the report and the record imported
        as a title of its own. Returns the titles to create, the existing titles to
        replace (id -> record), and whose holdings go to which title (target, source of
        the holdings)."""
        report = self.report
        in_batch: dict[Any, list[_Pending]] = {}
        creates: list[_Pending] = []
        replaces: dict[int, _Pending] = {}
        attach: list[tuple[int | _Pending, _Pending]] = []
        self._doubtful = []
        for p in batch:
            values = p.mapped.values
            keys: list[Any] = list(values["isbns"]) if values["isbns"] else [_title_key(values)]
            target, doubtful = self._find_same(p, keys, in_batch, by_isbn, by_title, described)
            if target is None:
                creates.append(p)
                for key in keys:
                    in_batch.setdefault(key, []).append(p)
                attach.append((p, p))
                if doubtful is not None:
                    self._note_doubtful(p, doubtful)
                continue
            if self.on_duplicate == SKIP:
                report.skipped += 1
                # A title an earlier batch made is named by its record, whether or not
                # that batch was written (a dry run), so both runs say the same.
                made_by = target.number if isinstance(target, _Pending) else self._made_by(target)
                if made_by is not None:
                    message = _("与本文件第 %(n)s 条记录重复，已跳过") % {"n": made_by}
                else:
                    message = _("与已有书目（编号 %(id)s）重复，已跳过") % {"id": target}
                report.warn(p.number, p.offset, message, "duplicate")
                continue
            if self.on_duplicate == MERGE:
                report.merged += 1
                attach.append((target, p))
                continue
            report.replaced += 1
            if isinstance(target, _Pending):
                target.mapped.values = values
                target.original = p.original
                target.flavor = p.flavor
                target.control_number = p.control_number
            else:
                replaces[target] = p
            attach.append((target, p))
        return creates, replaces, attach

    def _find_same(
        self,
        p: _Pending,
        keys: list[Any],
        in_batch: dict[Any, list[_Pending]],
        by_isbn: dict[str, list[int]],
        by_title: dict[tuple, list[int]],
        described: dict[int, Description],
    ) -> tuple[int | _Pending | None, int | _Pending | None]:
        """(the title this record is, or None; else the first doubtful candidate)."""
        mine = p.description()
        doubtful: int | _Pending | None = None
        for key in keys:
            found = by_isbn.get(key, []) if isinstance(key, str) else by_title.get(key, [])
            # The library's titles first: a doubtful match names one of them if it can.
            candidates: list[int | _Pending] = [*found, *in_batch.get(key, [])]
            for candidate in candidates:
                if isinstance(candidate, _Pending):
                    theirs = candidate.description()
                else:
                    theirs = described.get(candidate)
                    if theirs is None:
                        continue
                decision = matching.compare(mine, theirs)
                if decision == SAME:
                    return candidate, None
                if decision == DOUBTFUL and doubtful is None:
                    doubtful = candidate
        return None, doubtful

    def _note_doubtful(self, p: _Pending, other: int | _Pending) -> None:
        if isinstance(other, _Pending):
            existing_id, made_by = None, other.number
        else:
            existing_id, made_by = (other if other > 0 else None), self._made_by(other)
        # A title this file made is named by its record, as a dry run can name it too.
        if made_by is not None:
            message = _(
                "与本文件第 %(n)s 条记录的 ISBN 或题名相同，但题名、版本或出版年不同："
                "作为新书目导入，请核对是否重复"
            ) % {"n": made_by}
        else:
            message = _(
                "与已有书目（编号 %(id)s）的 ISBN 或题名相同，但题名、版本或出版年不同："
                "作为新书目导入，请核对是否重复"
            ) % {"id": other}
        match = DoubtfulMatch(p.number, p.offset, p.mapped.values["title"], existing_id, made_by)
        self.report.doubtful.append(match)
        self._doubtful.append((match, p, other))
        self.report.warn(p.number, p.offset, message, "doubtful_duplicate")

    def _insert_titles(self, creates: list[_Pending]) -> None:
        stamp = connection.ops.adapt_datetimefield_value(clock.now())
        to_json = _json_adapter()
        columns = [
            "library_id",
            "marc_format",
            "marc_record",
            "created_at",
            "updated_at",
            *_PLAIN_FIELDS,
            *_JSON_FIELDS,
        ]
        head = (self.library.pk,)
        rows = [
            [
                *head,
                p.flavor,
                p.original,
                stamp,
                stamp,
                *_plain_values(p.mapped.values),
                *map(to_json, _json_values(p.mapped.values)),
            ]
            for p in creates
        ]
        # created_at == updated_at marks a record nobody has edited since (export uses it).
        ids = _insert(Bib, columns, rows, returning=True)
        for p, bib_id in zip(creates, ids, strict=True):
            p.bib_id = bib_id
        self._fresh = set(ids)  # titles new in this batch have no call number yet
        self.report.imported += len(creates)

    def _replace_titles(self, replaces: dict[int, _Pending]) -> None:
        now = clock.now()
        # A dry run's title from an earlier batch (id < 0) lives only in the shadow.
        bibs = Bib.objects.in_bulk([bib_id for bib_id in replaces if bib_id > 0])
        for bib_id, p in replaces.items():
            if self._shadow is not None:
                old = bibs[bib_id] if bib_id > 0 else None
                old_key = (
                    _lookup_key(
                        {
                            "isbn": old.isbn,
                            "title": old.title,
                            "authors": old.authors,
                            "year": old.year,
                        }
                    )
                    if old is not None
                    else None
                )
                self._retitled.append(
                    (bib_id, old_key, _lookup_key(p.mapped.values), p.description())
                )
            if bib_id < 0:
                continue
            bib = bibs[bib_id]
            for name in BIB_FIELDS:
                setattr(bib, name, p.mapped.values[name])
            bib.marc_format, bib.marc_record, bib.updated_at = p.flavor, p.original, now
        if not bibs:
            return
        Bib.objects.bulk_update(
            list(bibs.values()),
            [*BIB_FIELDS, "marc_format", "marc_record", "updated_at"],
            batch_size=200,
        )

    def _location_id(self, name: str) -> int | None:
        if name not in self._locations:
            found = (
                Location.objects.filter(library=self.library, code=name)
                .values_list("id", flat=True)
                .first()
                or Location.objects.filter(library=self.library, name=name)
                .values_list("id", flat=True)
                .first()
            )
            self._locations[name] = found
        return self._locations[name]

    def _holdings(self, attach: list[tuple[int | _Pending, _Pending]]) -> None:
        """The copies of the batch's records, written as items of their titles."""
        rows = self._holding_rows(attach)
        if rows:
            rows = self._free_numbers(rows)
        if not rows:
            return
        call_ids = self._call_numbers(rows)
        items = self._item_rows(rows, call_ids)
        _insert(Item, _ITEM_COLUMNS, items, returning=False)
        self.report.items_created += len(items)
        if self._shadow is not None:
            self._new_items = [(h.barcode, h.accession_number) for _b, h, _s, _v in rows]

    def _holding_rows(self, attach: list[tuple[int | _Pending, _Pending]]) -> list[_HoldingRow]:
        """(title id, holding, record it came from, the title's values) for each copy
        with a barcode; a copy without one is counted and reported."""
        report = self.report
        rows: list[_HoldingRow] = []
        for target, source in attach:
            bib_id = target.bib_id if isinstance(target, _Pending) else target
            values = target.mapped.values if isinstance(target, _Pending) else source.mapped.values
            for holding in source.holdings:
                if not holding.barcode:
                    report.holdings_not_imported += 1
                    report.warn(
                        source.number,
                        source.offset,
                        _("%(tag)s 字段中的馆藏没有条码号，未导入") % {"tag": holding.tag},
                        "holding_without_barcode",
                    )
                    continue
                rows.append((bib_id, holding, source, values))  # type: ignore[arg-type]
        return rows

    def _free_numbers(self, rows: list[_HoldingRow]) -> list[_HoldingRow]:
        """The copies whose barcode is free (in the library and earlier in the file);
        an accession number already used is dropped from its copy, with a warning."""
        library = self.library
        report = self.report
        barcodes = {h.barcode for _, h, _, _ in rows}
        taken = {b for b, _ in _pairs(Item, "barcode", "id", library.pk, barcodes)}
        accessions = [h.accession_number for _, h, _, _ in rows if h.accession_number]
        taken_acc = (
            set(
                Item.objects.filter(library=library, accession_number__in=accessions).values_list(
                    "accession_number", flat=True
                )
            )
            if accessions
            else set()
        )
        if self._shadow is not None:
            taken |= barcodes & self._shadow.barcodes
            taken_acc |= set(accessions) & self._shadow.accessions
        kept: list[_HoldingRow] = []
        for row in rows:
            holding, source = row[1], row[2]
            if holding.barcode in taken:
                report.holdings_not_imported += 1
                report.warn(
                    source.number,
                    source.offset,
                    _("条码号 %(barcode)s 已被使用，该单册未导入") % {"barcode": holding.barcode},
                    "barcode_taken",
                )
                continue
            taken.add(holding.barcode)
            if holding.accession_number:
                if holding.accession_number in taken_acc:
                    report.warn(
                        source.number,
                        source.offset,
                        _("登录号 %(number)s 已被使用，该单册的登录号留空")
                        % {"number": holding.accession_number},
                        "accession_taken",
                    )
                    holding.accession_number = ""
                else:
                    taken_acc.add(holding.accession_number)
            kept.append(row)
        return kept

    def _item_rows(
        self, rows: list[_HoldingRow], call_ids: dict[tuple[int, str], int]
    ) -> list[list[Any]]:
        """Item rows in `_ITEM_COLUMNS` order, values in database form."""
        stamp = connection.ops.adapt_datetimefield_value(clock.now())
        adapt_date = connection.ops.adapt_datefield_value
        library_id = self.library.pk
        normal, available = Item.CirculationType.NORMAL.value, Item.Status.AVAILABLE.value
        purchase = Item.Source.PURCHASE.value
        items = []
        for bib_id, holding, source, values in rows:
            location_id = self._location_of(holding, source) if holding.location else None
            acquired = self._acquired_on(holding, source) if holding.acquired_on else None
            items.append(
                [
                    library_id,
                    bib_id,
                    holding.barcode,
                    holding.accession_number or None,
                    call_ids.get((bib_id, holding.volume)),
                    location_id,
                    normal,
                    available,
                    holding.price if holding.price is not None else values.get("price"),
                    adapt_date(acquired) if acquired is not None else None,
                    purchase,
                    "",
                    stamp,
                    stamp,
                ]
            )
        return items

    def _warn(self, source: _Pending, message: str, kind: str) -> None:
        self.report.warn(source.number, source.offset, message, kind)

    def _location_of(self, holding: Holding, source: _Pending) -> int | None:
        location_id = self._location_id(holding.location)
        if location_id is None:
            message = _("馆藏地点“%(location)s”不存在，单册未指定地点")
            self._warn(source, message % {"location": holding.location}, "unknown_location")
        return location_id

    def _acquired_on(self, holding: Holding, source: _Pending) -> dt.date | None:
        try:
            return dt.date.fromisoformat(holding.acquired_on[:10])
        except ValueError:
            message = _("入藏日期“%(value)s”无法识别")
            self._warn(source, message % {"value": holding.acquired_on}, "bad_date")
            return None

    def _sequence(self, class_number: str, batch_values: set[str]) -> int:
        if class_number not in self._next_seq:
            existing = self._values_starting(class_number + callnumbers.SEPARATOR)
            self._next_seq[class_number] = callnumbers.next_sequence(
                class_number, [*existing, *batch_values]
            )
        seq = self._next_seq[class_number]
        self._next_seq[class_number] = seq + 1
        return seq

    def _values_starting(self, prefix: str) -> list[str]:
        # A range on the (library, value) index; LIKE 'prefix%' would scan the library.
        values = list(
            CallNumber.objects.filter(
                library=self.library, value__gte=prefix, value__lt=prefix + "\U0010ffff"
            ).values_list("value", flat=True)
        )
        if self._shadow is not None:
            values += self._shadow.values_starting(prefix)
        return values

    def _author_number(self, class_number: str, author: str, batch_values: set[str]) -> str:
        """class / author mark, with a counter when two titles meet ("I247.5/CWX2")."""
        mark = callnumbers.author_mark(author) or "X"
        stem = callnumbers.compose(class_number, mark)
        taken = set(self._values_starting(stem))
        taken |= {v for v in batch_values if v.startswith(stem)}
        value, counter = stem, 1
        while value in taken:
            counter += 1
            value = f"{stem}{counter}"
        return value

    def _note_value(self, value: str) -> None:
        parts = callnumbers.parse(value)
        if parts.class_number in self._next_seq and parts.book_number.isdigit():
            self._next_seq[parts.class_number] = max(
                self._next_seq[parts.class_number], int(parts.book_number) + 1
            )

    def _call_numbers(self, rows: list[_HoldingRow]) -> dict[tuple[int, str], int]:
        """The call number of each (title, volume): the existing one, the one the record
        gives, or a new class number / 种次号. Copies of a title share it."""
        result, existing_base = self._existing_call_numbers({r[0] for r in rows})
        wanted: dict[tuple[int, str], tuple[str, _Pending, dict[str, Any]]] = {}
        for bib_id, holding, source, values in rows:
            key = (bib_id, holding.volume)
            if key in result or key in wanted:
                continue
            value = holding.call_number
            if value and holding.volume and callnumbers.parse(value).volume == "":
                value = callnumbers.with_volume(value, holding.volume)
            wanted[key] = (value, source, values)
        if not wanted:
            return result
        batch_values: set[str] = set()
        # The values records give first, so a 种次号 assigned next never takes one of them.
        chosen = self._given_call_numbers(wanted, batch_values)
        for key, (_given, source, values) in wanted.items():
            if key in chosen:
                continue
            base = existing_base.get(key[0]) or chosen.get((key[0], ""))
            if not base:
                base = self._new_call_number(values, source, batch_values)
                if not base:
                    continue
                chosen[(key[0], "")] = base  # the title's own number, shared by its volumes
                batch_values.add(base)
                if not key[1]:
                    continue
            value = callnumbers.with_volume(base, key[1])
            chosen[key] = value
            batch_values.add(value)
        keys = list(chosen)
        ids = _insert(
            CallNumber,
            ["library_id", "bib_id", "volume", "value"],
            [[self.library.pk, b, v, chosen[(b, v)]] for b, v in keys],
            returning=True,
        )
        result.update(zip(keys, ids, strict=True))
        self._new_calls.update(chosen)
        return result

    def _existing_call_numbers(
        self, bib_ids: set[int]
    ) -> tuple[dict[tuple[int, str], int], dict[int, str]]:
        """The call numbers the titles already have: id by (title, volume), and each
        title's own value (without a volume). Titles created in this batch have none."""
        result: dict[tuple[int, str], int] = {}
        existing_base: dict[int, str] = {}
        for cid, bib_id, volume, value in CallNumber.objects.filter(
            library=self.library, bib_id__in=bib_ids - self._fresh
        ).values_list("id", "bib_id", "volume", "value"):
            result[(bib_id, volume)] = cid
            if not volume:
                existing_base[bib_id] = value
        if self._shadow is not None:
            # Written by an earlier batch of the dry run: no row, so no id for the copies
            # of this (rolled back) batch to point at.
            for bib_id in bib_ids - self._fresh:
                for volume, value in self._shadow.calls.get(bib_id, {}).items():
                    result[(bib_id, volume)] = None  # type: ignore[assignment]
                    if not volume:
                        existing_base[bib_id] = value
        return result, existing_base

    def _given_call_numbers(
        self,
        wanted: dict[tuple[int, str], tuple[str, _Pending, dict[str, Any]]],
        batch_values: set[str],
    ) -> dict[tuple[int, str], str]:
        """The call numbers the records give that are free: not another title's, in the
        library or earlier in the batch (those are reported and assigned anew)."""
        given = [value for value, _source, _values in wanted.values() if value]
        owners = dict(_pairs(CallNumber, "value", "bib_id", self.library.pk, given))
        if self._shadow is not None:
            for value in given:
                if value not in owners and value in self._shadow.owners:
                    owners[value] = self._shadow.owners[value]
        chosen: dict[tuple[int, str], str] = {}
        for key, (value, source, _values) in wanted.items():
            if not value:
                continue
            if value in batch_values or (value in owners and owners[value] != key[0]):
                self.report.warn(
                    source.number,
                    source.offset,
                    _("索书号 %(value)s 已被其他书目使用，已重新分配") % {"value": value},
                    "call_number_taken",
                )
                continue
            chosen[key] = value
            batch_values.add(value)
            self._note_value(value)
        return chosen

    def _new_call_number(
        self, values: dict[str, Any], source: _Pending, batch_values: set[str]
    ) -> str:
        """A new call number for a title: its class number / 种次号 or author mark;
        "" (with a warning) when the record has no CLC number."""
        class_number = callnumbers.class_part(values.get("clc", ""))
        if not class_number:
            self.report.warn(
                source.number, source.offset, _("没有中图分类号，单册未分配索书号"), "no_clc"
            )
            return ""
        if self.book_number == AUTHOR and values.get("authors"):
            return self._author_number(class_number, values["authors"][0]["name"], batch_values)
        return callnumbers.compose(class_number, self._sequence(class_number, batch_values))
