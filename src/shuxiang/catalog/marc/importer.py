"""The MARC importer: records are read and mapped one by one, and written in batches
(bulk inserts), so a large file imports at a good fraction of the raw parse rate and in
constant memory. The caller runs it inside one transaction (see
`catalog.services.marc_import`): a dry run rolls that transaction back."""

from __future__ import annotations

import datetime as dt
import gc
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from shuxiang.catalog import callnumbers
from shuxiang.catalog.marc import cnmarc, marc21
from shuxiang.catalog.marc.detect import CNMARC
from shuxiang.catalog.marc.mapping import BIB_FIELDS, Holding, Mapped
from shuxiang.catalog.marc.reader import ReadResult
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core import clock
from shuxiang.core.models import Library, Location

SKIP, MERGE, REPLACE = "skip", "merge", "replace"
ON_DUPLICATE = (SKIP, MERGE, REPLACE)
# The book number of an assigned call number: 种次号 (next in the class) or author mark.
SEQUENCE, AUTHOR = "sequence", "author"
BOOK_NUMBERS = (SEQUENCE, AUTHOR)
MAX_MESSAGES = 5000  # warnings kept in the report; the counts stay exact beyond it


@dataclass(slots=True)
class Problem:
    number: int
    offset: int
    message: str

    def where(self) -> str:
        if self.offset >= 0:
            return _("第 %(n)d 条（第 %(offset)d 字节）") % {
                "n": self.number,
                "offset": self.offset,
            }
        return _("第 %(n)d 条") % {"n": self.number}


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
    encodings: dict[str, int] = field(default_factory=dict)

    def warn(self, number: int, offset: int, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_MESSAGES:
            self.warnings.append(Problem(number, offset, message))

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
        }


@dataclass(slots=True)
class _Pending:
    number: int
    offset: int
    flavor: str
    original: bytes
    mapped: Mapped
    bib_id: int | None = None
    holdings: list[Holding] = field(default_factory=list)


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


def map_record(result: ReadResult) -> Mapped:
    assert result.record is not None
    return (cnmarc if result.flavor == CNMARC else marc21).to_bib(result.record)


def _title_key(values: dict[str, Any]) -> tuple[str, str, int | None]:
    authors = values.get("authors") or []
    return (
        values["title"].strip().lower(),
        authors[0]["name"] if authors else "",
        values.get("year"),
    )


class Importer:
    def __init__(
        self,
        *,
        library: Library,
        on_duplicate: str = SKIP,
        batch_size: int = 1000,
        progress: Callable[[ReadResult], None] | None = None,
        book_number: str = SEQUENCE,
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
        self.report = ImportReport()
        self._next_seq: dict[str, int] = {}
        self._locations: dict[str, int | None] = {}
        self._fresh: set[int] = set()

    def run(self, results: Iterable[ReadResult]) -> ImportReport:
        with collector_paused():
            return self._run(results)

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
            mapped = map_record(result)
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
        for message in mapped.warnings:
            report.warn(result.number, result.offset, message)
        return _Pending(
            result.number,
            result.offset,
            result.flavor,
            result.original,
            mapped,
            None,
            mapped.holdings,
        )

    # -- one batch -------------------------------------------------------------------

    def _flush(self, batch: list[_Pending]) -> None:
        by_isbn, by_title = self._existing_titles(batch)
        creates, replaces, attach = self._match(batch, by_isbn, by_title)
        self._fresh = set()
        if creates:
            self._insert_titles(creates)
        if replaces:
            self._replace_titles(replaces)
        self._holdings(attach)

    def _existing_titles(self, batch: list[_Pending]) -> tuple[dict[str, int], dict[tuple, int]]:
        """The library's titles that the batch's records may duplicate: by ISBN, and by
        title key for records without one. The oldest title wins."""
        library = self.library
        isbns = {i for p in batch for i in p.mapped.values["isbns"]}
        titles = {p.mapped.values["title"] for p in batch if not p.mapped.values["isbn"]}
        by_isbn: dict[str, int] = {}
        if isbns:
            # No ORDER BY: with one, SQLite walks the whole library instead of the
            # (library, isbn) index.
            for isbn, bib_id in _pairs(Bib, "isbn", "id", library.pk, isbns):
                if isbn not in by_isbn or bib_id < by_isbn[isbn]:
                    by_isbn[isbn] = bib_id
        by_title: dict[tuple, int] = {}
        if titles:
            found = Bib.objects.filter(library=library, isbn="", title__in=titles)
            for bib_id, title, authors, year in found.values_list("id", "title", "authors", "year"):
                key = _title_key({"title": title, "authors": authors, "year": year})
                if key not in by_title or bib_id < by_title[key]:
                    by_title[key] = bib_id
        return by_isbn, by_title

    def _match(
        self, batch: list[_Pending], by_isbn: dict[str, int], by_title: dict[tuple, int]
    ) -> tuple[list[_Pending], dict[int, _Pending], list[tuple[int | _Pending, _Pending]]]:
        """Each record is a new title, or a duplicate (of a title in the library or of an
        earlier record of the file) that is skipped, merged or replaces it. Returns the
        titles to create, the existing titles to replace (id -> record), and whose
        holdings go to which title (target, source of the holdings)."""
        report = self.report
        in_batch: dict[Any, _Pending] = {}
        creates: list[_Pending] = []
        replaces: dict[int, _Pending] = {}
        attach: list[tuple[int | _Pending, _Pending]] = []
        for p in batch:
            values = p.mapped.values
            keys: list[Any] = list(values["isbns"]) if values["isbns"] else [_title_key(values)]
            target: int | _Pending | None = None
            for key in keys:
                target = in_batch.get(key)
                if target is None:
                    target = by_isbn.get(key) if isinstance(key, str) else by_title.get(key)
                if target is not None:
                    break
            if target is None:
                creates.append(p)
                for key in keys:
                    in_batch[key] = p
                attach.append((p, p))
                continue
            if self.on_duplicate == SKIP:
                report.skipped += 1
                if isinstance(target, _Pending):
                    message = _("与本文件第 %(n)s 条记录重复，已跳过") % {"n": target.number}
                else:
                    message = _("与已有书目（编号 %(id)s）重复，已跳过") % {"id": target}
                report.warn(p.number, p.offset, message)
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
            else:
                replaces[target] = p
            attach.append((target, p))
        return creates, replaces, attach

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
        bibs = Bib.objects.in_bulk(list(replaces))
        for bib_id, p in replaces.items():
            bib = bibs[bib_id]
            for name in BIB_FIELDS:
                setattr(bib, name, p.mapped.values[name])
            bib.marc_format, bib.marc_record, bib.updated_at = p.flavor, p.original, now
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
        kept: list[_HoldingRow] = []
        for row in rows:
            holding, source = row[1], row[2]
            if holding.barcode in taken:
                report.holdings_not_imported += 1
                report.warn(
                    source.number,
                    source.offset,
                    _("条码号 %(barcode)s 已被使用，该单册未导入") % {"barcode": holding.barcode},
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

    def _location_of(self, holding: Holding, source: _Pending) -> int | None:
        location_id = self._location_id(holding.location)
        if location_id is None:
            self.report.warn(
                source.number,
                source.offset,
                _("馆藏地点“%(location)s”不存在，单册未指定地点") % {"location": holding.location},
            )
        return location_id

    def _acquired_on(self, holding: Holding, source: _Pending) -> dt.date | None:
        try:
            return dt.date.fromisoformat(holding.acquired_on[:10])
        except ValueError:
            self.report.warn(
                source.number,
                source.offset,
                _("入藏日期“%(value)s”无法识别") % {"value": holding.acquired_on},
            )
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
        return list(
            CallNumber.objects.filter(
                library=self.library, value__gte=prefix, value__lt=prefix + "\U0010ffff"
            ).values_list("value", flat=True)
        )

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
        chosen: dict[tuple[int, str], str] = {}
        for key, (value, source, _values) in wanted.items():
            if not value:
                continue
            if value in batch_values or (value in owners and owners[value] != key[0]):
                self.report.warn(
                    source.number,
                    source.offset,
                    _("索书号 %(value)s 已被其他书目使用，已重新分配") % {"value": value},
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
            self.report.warn(source.number, source.offset, _("没有中图分类号，单册未分配索书号"))
            return ""
        if self.book_number == AUTHOR and values.get("authors"):
            return self._author_number(class_number, values["authors"][0]["name"], batch_values)
        return callnumbers.compose(class_number, self._sequence(class_number, batch_values))
