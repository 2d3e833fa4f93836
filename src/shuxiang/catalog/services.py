"""Catalog write operations: one function per use case, one transaction each (except
`marc_import`, which commits batch by batch so that desks are not kept waiting)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any, TextIO

from django.db import IntegrityError, connections, router, transaction
from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog import register, rules, search_port
from shuxiang.catalog.models import Bib, CallNumber, Item, NumberSeries
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Location


@transaction.atomic
def bib_create(
    *,
    actor: Actor,
    title: str,
    isbn: str | None = None,
    authors: list[str] | list[dict[str, str]] | None = None,
    responsibility: str = "",
    publisher: str = "",
    place: str = "",
    year: int | None = None,
    clc: str = "",
    price: int | None = None,
    subjects: list[str] | None = None,
    series: str = "",
    summary: str = "",
    material_type: str = Bib.MaterialType.BOOK,
    allow_invalid_isbn: bool = False,
) -> Bib:
    """Catalog a title. Its values are checked by `rules.bib_check` (the first problem
    is raised: title_required, invalid_isbn, invalid_year, invalid_price, invalid_clc),
    whichever adapter sends them. An ISBN that does not validate is kept as written,
    never dropped, when allow_invalid_isbn."""
    title = (title or "").strip()
    check = rules.bib_check(
        title=title,
        isbn=isbn,
        year=year,
        price=price,
        clc_number=clc,
        allow_invalid_isbn=allow_invalid_isbn,
    )
    if check.problems:
        raise check.problems[0]
    isbns = isbn_rules.split([isbn] if isbn else [])
    author_list = [
        a if isinstance(a, dict) else {"name": str(a).strip(), "role": ""} for a in (authors or [])
    ]
    author_list = [a for a in author_list if a.get("name")]
    bib = Bib.objects.create(
        library=actor.library,
        title=title,
        responsibility=responsibility or "；".join(a["name"] for a in author_list),
        authors=author_list,
        publisher=publisher.strip(),
        place=place.strip(),
        year=year,
        isbn=isbns.first,
        isbns=isbns.valid,
        invalid_isbns=isbns.invalid,
        price=price,
        clc=check.clc,
        subjects=subjects or [],
        series=series,
        summary=summary,
        material_type=material_type,
    )
    audit.record(actor, "bib.create", bib, after={"title": bib.title, "isbn": bib.isbn})
    search_port.bibs_changed([bib.pk])
    return bib


def _call_number_for(actor: Actor, bib: Bib, value: str, volume: str = "") -> CallNumber:
    """The title's call number: the one it has (a different `value` is a conflict), or a
    new one with `value` (checked by `rules.call_number_clean`) unless another title
    holds it."""
    raw = value.strip()
    existing = CallNumber.objects.filter(library=actor.library, bib=bib, volume=volume).first()
    if existing:
        if raw and existing.value != raw and existing.value != rules.call_number_clean(raw):
            raise Conflict(
                _("此书已有索书号 %(old)s，同一种书的复本共用一个索书号。")
                % {"old": existing.value},
                code="call_number_differs",
            )
        return existing
    value = rules.call_number_clean(raw)
    taken = (
        CallNumber.objects.filter(library=actor.library, value=value).select_related("bib").first()
    )
    if taken:
        raise Conflict(
            _("索书号 %(value)s 已被《%(title)s》使用。")
            % {"value": value, "title": taken.bib.title},
            code="call_number_taken",
        )
    return CallNumber.objects.create(library=actor.library, bib=bib, volume=volume, value=value)


def _numbers_free(actor: Actor, barcode: str, accession_number: str | None) -> None:
    """Conflict unless the barcode and the accession number (if given) are unused."""
    library = actor.library
    if Item.objects.filter(library=library, barcode=barcode).exists():
        raise Conflict(
            _("条码号 %(barcode)s 已被使用。") % {"barcode": barcode}, code="duplicate_barcode"
        )
    if (
        accession_number
        and Item.objects.filter(library=library, accession_number=accession_number).exists()
    ):
        raise Conflict(
            _("登录号 %(number)s 已被使用。") % {"number": accession_number},
            code="duplicate_accession_number",
        )


def _location_for(actor: Actor, code: str) -> Location:
    """The library's location with this code (or, failing that, this name)."""
    location = (
        Location.objects.filter(library=actor.library, code=code).first()
        or Location.objects.filter(library=actor.library, name=code).first()
    )
    if location is None:
        raise NotFound(_("没有馆藏地点 %(code)s。") % {"code": code}, code="location_not_found")
    return location


@transaction.atomic
def item_create(
    *,
    actor: Actor,
    bib_id: int,
    barcode: str,
    location_code: str | None = None,
    call_number: str | None = None,
    accession_number: str | None = None,
    circulation_type: str = Item.CirculationType.NORMAL,
    price: int | None = None,
    acquired_on: dt.date | None = None,
    source: str = Item.Source.PURCHASE,
) -> Item:
    """Add a copy of a title, with its barcode and (shared) call number, and register it:
    without an accession_number it gets the library's next one, and without acquired_on
    today's date, so every copy is in the accession register whichever adapter made it. A barcode from the library's range
    moves the range's counter past it."""
    library = actor.library
    barcode = (barcode or "").strip()
    if not barcode:
        raise Invalid(_("条码号不能为空。"), code="barcode_required")
    rules.copy_price_check(price)
    bib = Bib.objects.filter(library=library, pk=bib_id).first()
    if bib is None:
        raise NotFound(_("没有编号为 %(id)s 的书目。") % {"id": bib_id}, code="bib_not_found")
    _numbers_free(actor, barcode, accession_number)
    if circulation_type not in Item.CirculationType.values:
        raise Invalid(
            _("未知的流通类型：%(value)s") % {"value": circulation_type},
            code="invalid_circulation_type",
        )
    location = _location_for(actor, location_code) if location_code else None
    call = (
        _call_number_for(actor, bib, call_number)
        if call_number
        else (CallNumber.objects.filter(library=library, bib=bib, volume="").first())
    )
    if not accession_number:
        accession_number = register.accession_numbers_take(library, 1)[0]
    acquired_on = acquired_on or clock.today()  # the entry date the register lists it under
    try:
        with transaction.atomic():
            item = Item.objects.create(
                library=library,
                bib=bib,
                barcode=barcode,
                accession_number=accession_number,
                call_number=call,
                location=location,
                circulation_type=circulation_type,
                price=price if price is not None else bib.price,
                acquired_on=acquired_on,
                source=source,
            )
    except IntegrityError as exc:  # a second desk registered the same barcode a moment ago
        raise Conflict(
            _("条码号 %(barcode)s 已被使用。") % {"barcode": barcode}, code="duplicate_barcode"
        ) from exc
    register.barcodes_note_used(library, [barcode])
    search_port.holdings_changed([item.bib_id])
    audit.record(
        actor,
        "item.create",
        item,
        after={
            "barcode": barcode,
            "bib": bib.pk,
            "status": item.status,
            "accession_number": accession_number,
        },
    )
    return item


def marc_import(
    *,
    actor: Actor,
    source: Any,
    file_format: str = "auto",
    encoding: str | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
    progress: Any = None,
    batch_size: int | None = None,
    book_number: str = "sequence",
    detail: TextIO | None = None,
) -> Any:
    """Import a MARC file (ISO 2709 or MARCXML, MARC 21 or CNMARC) into actor.library.

    Records are read, decoded and mapped outside any transaction, and the good ones are
    written in batches of `batch_size` (titles, call numbers, copies), each batch in a
    transaction of its own: not one transaction for the whole file (DESIGN rule 6 said
    so), because on SQLite a transaction holds the one write lock from BEGIN to COMMIT,
    and a long import would stop every desk's check-out for its whole length (19 s for
    200,000 records; "database is locked" past 30 s). A batch is never half-written: one
    that fails is rolled back, tried once more, and else its records are rejected with
    the reason; the batches before stay. Each broken record is listed in the report
    with its position and reason, and one audit event with the counts is written at the
    end (also when the import stops half-way, marked interrupted).

    A dry run writes each batch and rolls it back, and remembers what it would have
    written, so its report is what a real import would do and it too holds the lock
    only a batch at a time. Copies without a call number get class number / 种次号
    (book_number="sequence") or class number / author mark ("author"). Every warning is
    also written to `detail` (a text file, see ImportReport.warn) when given. Raises
    Invalid (not_marc) when the file is not MARC at all. Returns an ImportReport."""
    from shuxiang.catalog.marc import importer, mapping, reader
    from shuxiang.catalog.marc.detect import FILE_FORMATS, NotMarcError

    if file_format not in FILE_FORMATS:
        raise Invalid(_("未知的格式：%(value)s") % {"value": file_format}, code="invalid_format")
    if on_duplicate not in importer.ON_DUPLICATE:
        raise Invalid(_("重复处理方式应为 skip、merge 或 replace。"), code="invalid_on_duplicate")
    try:
        results = reader.read(
            source, file_format=file_format, encoding=encoding, only=mapping.READ_TAGS
        )
        first = next(results, None)
    except NotMarcError as exc:
        raise Invalid(_("这不是 MARC 文件：%(reason)s") % {"reason": exc}, code="not_marc") from exc
    except ValueError as exc:  # an unknown --encoding
        raise Invalid(str(exc), code="invalid_encoding") from exc
    if first is None:
        raise Invalid(_("文件中没有 MARC 记录。"), code="not_marc")

    def all_results() -> Any:
        yield first
        yield from results

    if book_number not in importer.BOOK_NUMBERS:
        raise Invalid(_("书次号方式应为 sequence 或 author。"), code="invalid_book_number")
    run = importer.Importer(
        library=actor.library,
        on_duplicate=on_duplicate,
        batch_size=batch_size or importer.BATCH_SIZE,
        progress=progress,
        book_number=book_number,
        dry_run=dry_run,
        detail=detail,
    )

    def audit_counts(**extra: Any) -> None:
        # Its own short transaction, after the batches: the import as a whole.
        with transaction.atomic():
            audit.record(
                actor,
                "marc.import",
                actor.library,
                after={**run.report.counts(), "on_duplicate": on_duplicate, **extra},
            )

    # Not one transaction: each batch commits on its own (see the docstring).
    try:
        report = run.run(all_results())
    except BaseException:
        if not dry_run and run.report.batches_written:
            # What was written stays, and says so; the first error is the one to raise
            # should the database refuse this too.
            with contextlib.suppress(Exception):
                audit_counts(interrupted=True)
        raise
    if not dry_run:
        audit_counts()
    return report


def item_status_set(*, item_id: int, status: str, at: dt.datetime | None = None) -> None:
    """Move a copy to another state on behalf of circulation (lent, returned, on the hold
    shelf, lost, in repair ...). The caller's transaction holds the row and writes the
    audit event that explains the change.

    This is one prepared UPDATE, not `core.rows.update`: it runs on every scan at the
    desk, and it stamps `updated_at` with `at` (the caller's `clock.now()`, which tests
    freeze), whereas `rows.update` runs the field's `pre_save`, and `auto_now` there
    takes the wall clock (`timezone.now()`)."""
    if status not in Item.Status.values:
        raise Invalid(_("未知的单册状态：%(value)s") % {"value": status}, code="invalid_status")
    connection = connections[router.db_for_write(Item)]
    stamp = connection.ops.adapt_datetimefield_value(at or clock.now())
    table = connection.ops.quote_name(Item._meta.db_table)
    with connection.cursor() as cursor:
        # RETURNING the copy's title (SQLite 3.35+, PostgreSQL): the search index follows
        # the title's counts without a query of its own to find it.
        cursor.execute(
            f'UPDATE {table} SET "status" = %s, "updated_at" = %s WHERE "id" = %s'
            ' RETURNING "bib_id"',
            [status, stamp, item_id],
        )
        row = cursor.fetchone()
    if row is not None:
        search_port.holdings_changed([row[0]])


SERIES_FIELDS = ("prefix", "width", "next_value", "last_value")


@transaction.atomic
def number_series_update(
    *,
    actor: Actor,
    kind: str,
    prefix: str = "",
    width: int,
    next_value: int,
    last_value: int | None = None,
) -> NumberSeries:
    """Set the barcode range (条码号段) or the accession number series (登录号) of the
    actor's library. Accession numbers never go back: a next number at or below one
    already issued is refused (accession_backwards), so no number is given twice. Only
    a barcode range has an end (last_value)."""
    if kind not in NumberSeries.Kind.values:
        raise Invalid(_("未知的号码类型：%(value)s") % {"value": kind}, code="invalid_kind")
    prefix = (prefix or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9-]*", prefix):
        raise Invalid(_("前缀只能包含字母、数字和连字符。"), code="invalid_prefix")
    if not 1 <= width <= 14:
        raise Invalid(_("数字位数应为 1 到 14。"), code="invalid_width")
    if next_value < 1:
        raise Invalid(_("下一个号码应为正整数。"), code="invalid_next_value")
    if kind != NumberSeries.Kind.BARCODE:
        last_value = None
    if last_value is not None and last_value < next_value:
        raise Invalid(_("号段终止不能小于下一个号码。"), code="invalid_range")
    series = register.series_for_update(actor.library, kind)
    if kind == NumberSeries.Kind.ACCESSION and next_value < series.next_value:
        raise Conflict(_("登录号只能向后调整，不能回退（避免重号）。"), code="accession_backwards")
    before = {name: getattr(series, name) for name in SERIES_FIELDS}
    series.prefix, series.width = prefix, width
    series.next_value, series.last_value = next_value, last_value
    series.save(update_fields=list(SERIES_FIELDS))
    audit.record(
        actor,
        "number_series.update",
        series,
        before=before,
        after={name: getattr(series, name) for name in SERIES_FIELDS},
    )
    return series
