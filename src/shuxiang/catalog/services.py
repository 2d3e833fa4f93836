"""Catalog write operations: one function per use case, one transaction each (except
`marc_import`, which commits batch by batch so that desks are not kept waiting)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import IntegrityError, connections, router, transaction
from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog import register, rules, search_port
from shuxiang.catalog.models import Bib, CallNumber, Item, NumberSeries
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent, Location


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
    accession: bool = True,
) -> Item:
    """Add a copy of a title, with its barcode and (shared) call number, and register it:
    without an accession_number it gets the library's next one, and without acquired_on
    today's date, so every copy is in the accession register whichever adapter made it.
    A barcode from the library's range moves the range's counter past it. `accession`
    False: a copy that is not an asset (a periodical's single issue, until it is bound)
    takes no accession number and stays out of the register."""
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
    if not accession_number and accession:
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
    local_905: bool = False,
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
        local_905=local_905,
    )

    def audit_counts(**extra: Any) -> None:
        # Its own short transaction, after the batches: the import as a whole.
        with transaction.atomic():
            audit.record(
                actor,
                "marc.import",
                actor.library,
                after={
                    **run.report.counts(),
                    "on_duplicate": on_duplicate,
                    # For the merge page: (new title, existing title) of each doubtful match.
                    "doubtful_pairs": run.report.doubtful_pairs(),
                    **extra,
                },
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


BULK_CHUNK = 500


@transaction.atomic
def items_status_set_many(
    *,
    actor: Actor,
    item_ids: list[int],
    status: str,
    action: str,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Move many copies of the actor's library to one state at once (a stocktake's
    close marks thousands missing), each audited with `action`, its own state before
    and `after`. Returns how many changed; copies already in that state are left alone
    and not audited.

    Set-based: a read of the copies' states, one UPDATE per chunk of ids, and the audit
    events written with bulk_create (the audit table refuses UPDATE and DELETE, never
    INSERT). One copy at a time through `item_status_set` and `audit.record` made two
    statements per copy: 2,983 copies took 6.5–11.7 s to close."""
    if status not in Item.Status.values:
        raise Invalid(_("未知的单册状态：%(value)s") % {"value": status}, code="invalid_status")
    when = at or clock.now()
    ids = list(dict.fromkeys(item_ids))
    changing: list[tuple[int, str, str, int]] = []
    for i in range(0, len(ids), BULK_CHUNK):
        changing += (
            Item.objects.filter(library=actor.library, pk__in=ids[i : i + BULK_CHUNK])
            .exclude(status=status)
            .values_list("id", "barcode", "status", "bib_id")
        )
    changed = [row[0] for row in changing]
    for i in range(0, len(changed), BULK_CHUNK):
        Item.objects.filter(pk__in=changed[i : i + BULK_CHUNK]).update(
            status=status, updated_at=when
        )
    user = actor.user if getattr(actor.user, "pk", None) else None
    actor_name = actor.name[:150]  # a translated label for a system actor: once, not per copy
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                library=actor.library,
                at=when,
                actor=user,
                actor_name=actor_name,
                channel=actor.channel,
                action=action,
                object_type=Item._meta.label_lower,
                object_id=str(item_id),
                object_repr=barcode[:200],
                before={"item_status": before},
                after={"item_status": status, **(after or {})},
            )
            for item_id, barcode, before, _bib in changing
        ],
        batch_size=BULK_CHUNK,
    )
    if changing:
        search_port.holdings_changed(sorted({row[3] for row in changing}))
    return len(changing)


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


# -- correcting records and copies -------------------------------------------------------------

# What a librarian may change on a title (the Bib columns a MARC record fills; the ISBN
# list follows `isbn`, the first of them).
BIB_EDITABLE = (
    "title",
    "parallel_title",
    "responsibility",
    "authors",
    "edition",
    "publisher",
    "place",
    "year",
    "pages",
    "size",
    "isbn",
    "price",
    "clc",
    "subjects",
    "series",
    "summary",
    "language",
    "material_type",
)


@dataclass(slots=True)
class BibEdited:
    """What an edit changed: the Bib columns, and the call numbers it moved (old, new),
    whose copies need new spine labels."""

    bib: Bib
    changed: list[str] = field(default_factory=list)
    call_numbers: list[tuple[str, str]] = field(default_factory=list)


def _bib_locked(actor: Actor, bib_id: int) -> Bib:
    bib = Bib.objects.select_for_update().filter(library=actor.library, pk=bib_id).first()
    if bib is None:
        raise NotFound(_("没有编号为 %(id)s 的书目。") % {"id": bib_id}, code="bib_not_found")
    return bib


def bib_values(bib: Bib) -> dict[str, Any]:
    from shuxiang.catalog.marc.mapping import BIB_FIELDS

    return {name: getattr(bib, name) for name in BIB_FIELDS}


def _authors_list(raw: Any, old: list[dict[str, str]]) -> list[dict[str, str]]:
    """Authors as {"name", "role"}: a bare name keeps the role it had on the title."""
    roles = {a.get("name"): a.get("role", "") for a in old}
    out = []
    for author in raw or []:
        if isinstance(author, dict):
            name, role = str(author.get("name", "")).strip(), author.get("role")
        else:
            name, role = str(author).strip(), None
        if name:
            out.append(
                {"name": name, "role": str(role if role is not None else roles.get(name, ""))}
            )
    return out


def _new_values(
    current: dict[str, Any], changes: dict[str, Any], allow_invalid_isbn: bool
) -> dict[str, Any]:
    """The title's values with `changes` applied, checked by `rules.bib_check` (the same
    check as cataloging) and the column sizes; Invalid with a stable code otherwise."""
    from shuxiang.catalog.marc.mapping import MAX_LENGTHS

    unknown = sorted(set(changes) - set(BIB_EDITABLE))
    if unknown:
        raise Invalid(
            _("不能修改的字段：%(names)s") % {"names": "、".join(unknown)}, code="unknown_field"
        )
    new = dict(current)
    for key, value in changes.items():
        if key == "authors":
            new["authors"] = _authors_list(value, current["authors"])
        elif key == "subjects":
            new["subjects"] = [str(s).strip() for s in value or [] if str(s).strip()]
        elif key in ("year", "price"):
            new[key] = value
        elif key != "isbn":
            new[key] = str(value or "").strip()
    if new["material_type"] not in Bib.MaterialType.values:
        raise Invalid(
            _("未知的资料类型：%(value)s") % {"value": new["material_type"]},
            code="invalid_material_type",
        )
    isbn_given = changes.get("isbn")
    check = rules.bib_check(
        title=new["title"],
        isbn=isbn_given or None,
        year=new["year"],
        price=new["price"],
        clc_number=new["clc"] if "clc" in changes else "",
        allow_invalid_isbn=allow_invalid_isbn,
    )
    if check.problems:
        raise check.problems[0]
    if "clc" in changes:
        new["clc"] = check.clc
    if "isbn" in changes:
        numbers = isbn_rules.split([isbn_given] if isbn_given else [])
        rest = [n for n in current["isbns"][1:] if n != numbers.first]
        new["isbns"] = ([numbers.first] if numbers.first else []) + rest
        new["isbn"] = new["isbns"][0] if new["isbns"] else ""
        new["invalid_isbns"] = current["invalid_isbns"] + [
            n for n in numbers.invalid if n not in current["invalid_isbns"]
        ]
    for key, size in MAX_LENGTHS.items():
        if len(new.get(key) or "") > size:
            raise Invalid(
                _("%(field)s 太长（最多 %(n)s 字）。")
                % {"field": Bib._meta.get_field(key).verbose_name, "n": size},
                code="too_long",
            )
    return new


def _audit_value(key: str, value: Any) -> Any:
    if key == "authors":
        return [a["name"] + (f"（{a['role']}）" if a.get("role") else "") for a in value or []]
    return value


def _reclassify(actor: Actor, bib: Bib, old_clc: str, new_clc: str) -> list[tuple[str, str]]:
    """A new class gives the title's call number (and its volumes') the new class number
    and a book number by the rule the old one followed (`callnumbers.reassigned`)."""
    from shuxiang.catalog import callnumbers, clc

    old_class = callnumbers.class_part(old_clc)
    new_class = callnumbers.class_part(clc.normalize(new_clc)) if new_clc else ""
    if not new_class or new_class == old_class or not clc.is_valid(new_class):
        return []
    rows = list(
        CallNumber.objects.select_for_update()
        .filter(library=actor.library, bib=bib)
        .order_by("volume", "id")
    )
    title_row = next((r for r in rows if r.volume == ""), rows[0] if rows else None)
    taken = CallNumber.objects.filter(
        library=actor.library, value__startswith=new_class + callnumbers.SEPARATOR
    ).values_list("value", flat=True)
    if title_row is None:
        # Copies that came without a call number (a record without a class) get one now.
        bare = Item.objects.filter(library=actor.library, bib=bib, call_number__isnull=True)
        if not bare.exists():
            return []
        value = callnumbers.compose(new_class, callnumbers.next_sequence(new_class, taken))
        call = CallNumber.objects.create(library=actor.library, bib=bib, volume="", value=value)
        bare.update(call_number=call)
        return [("", value)]
    base = callnumbers.reassigned(title_row.value, new_class, taken)
    moved = []
    for row in rows:
        value = callnumbers.with_volume(base, row.volume)
        if (
            CallNumber.objects.filter(library=actor.library, value=value)
            .exclude(pk=row.pk)
            .exists()
        ):
            raise Conflict(
                _("索书号 %(value)s 已被使用，请稍后重试。") % {"value": value},
                code="call_number_taken",
            )
        moved.append((row.value, value))
        row.value = value
        try:
            with transaction.atomic():
                row.save(update_fields=["value"])
        except IntegrityError as exc:  # another desk took the number a moment ago
            raise Conflict(
                _("索书号 %(value)s 已被使用，请稍后重试。") % {"value": value},
                code="call_number_taken",
            ) from exc
    return moved


def _store_edit(
    actor: Actor,
    bib: Bib,
    action: str,
    current: dict[str, Any],
    stored: dict[str, Any],
    record: bytes | None,
    extra_before: dict[str, Any] | None = None,
    extra_after: dict[str, Any] | None = None,
) -> BibEdited:
    from shuxiang.catalog.marc.edit import changed_keys

    changed = sorted(changed_keys(current, stored), key=list(current).index)
    for key in changed:
        setattr(bib, key, stored[key])
    fields = [*changed, "updated_at"]
    if record is not None:
        bib.marc_record = record
        fields += ["marc_record", "marc_format"]
    bib.save(update_fields=fields)
    moved = _reclassify(actor, bib, current["clc"], stored["clc"]) if "clc" in changed else []
    before = {k: _audit_value(k, current[k]) for k in changed}
    after = {k: _audit_value(k, stored[k]) for k in changed}
    if moved:
        before["call_number"] = [old for old, _new in moved]
        after["call_number"] = [new for _old, new in moved]
    before.update(extra_before or {})
    after.update(extra_after or {})
    if before or after:
        audit.record(actor, action, bib, before=before, after=after)
    search_port.bibs_changed([bib.pk])
    return BibEdited(bib=bib, changed=changed, call_numbers=moved)


@transaction.atomic
def bib_update(
    *,
    actor: Actor,
    bib_id: int,
    changes: dict[str, Any],
    allow_invalid_isbn: bool = False,
) -> BibEdited:
    """Correct a title (the cataloging form's edit, the API's PATCH): `changes` holds any
    of BIB_EDITABLE, checked like a new title (title_required, invalid_isbn, invalid_year,
    invalid_price, invalid_clc, too_long, unknown_field, invalid_material_type). A title
    with a stored MARC record gets the changed values written into that record's fields
    (`marc.edit.apply_values`: every other field stays as it came, 005 is updated), and
    its columns are what the record now says, so that export gives the record back field
    for field. A new class moves the call number to the new class (`_reclassify`); the
    old one is in the audit event."""
    from shuxiang.catalog.marc import edit

    bib = _bib_locked(actor, bib_id)
    current = bib_values(bib)
    new = _new_values(current, changes, allow_invalid_isbn)
    record = None
    stored = new
    if not edit.changed_keys(current, new):
        return BibEdited(bib=bib)
    if bib.marc_record is not None and bib.marc_format:
        original = bytes(bib.marc_record)
        # The record's own values are the "before": a column changed without the record
        # (an older edit) is caught up too.
        recorded = edit.to_values(original, bib.marc_format)
        record = edit.apply_values(original, bib.marc_format, recorded, new, now=_local_now())
        mapped = edit.to_values(record, bib.marc_format)
        stored = {k: mapped[k] for k in current}
    return _store_edit(actor, bib, "bib.update", current, stored, record)


def _local_now() -> dt.datetime:
    # 005 is the cataloguer's local time, as other systems write it.
    from django.utils import timezone

    return timezone.localtime(clock.now())


def bib_marc_rows(bib: Bib) -> list[Any]:
    """The title's record as MARC table rows (built from its values when it was made
    here and has none yet)."""
    from shuxiang.catalog.marc import edit

    flavor, data = _record_of(bib)
    return edit.table_rows(data, flavor)


def _record_of(bib: Bib) -> tuple[str, bytes]:
    from shuxiang.catalog.marc import edit

    if bib.marc_record is not None and bib.marc_format:
        return bib.marc_format, bytes(bib.marc_record)
    return Bib.MarcFormat.MARC21, edit.build_record(
        bib_values(bib), Bib.MarcFormat.MARC21, control_number=f"SX{bib.pk}", now=_local_now()
    )


def _field_lines(data: bytes) -> list[str]:
    from shuxiang.catalog.marc.record import parse_utf8

    return [repr(f) for f in parse_utf8(data).fields if f.tag != "005"]


@transaction.atomic
def bib_marc_update(*, actor: Actor, bib_id: int, rows: list[Any]) -> BibEdited:
    """Edit a title's MARC record as a table (`marc.edit.TableRow`s): merged into the
    stored record (`marc.edit.apply_table`), so fields the form does not show survive; a
    title made here first gets a MARC 21 record built from its values. The title's
    columns become what the record says; they must still make a title (title_required,
    and a CLC class number that is valid when it changed: invalid_clc). The audit event
    lists the fields before and after."""
    from shuxiang.catalog.marc import edit

    bib = _bib_locked(actor, bib_id)
    current = bib_values(bib)
    flavor, original = _record_of(bib)
    data = edit.apply_table(original, flavor, rows, now=_local_now())
    mapped = edit.to_values(data, flavor)
    stored = {k: mapped[k] for k in current}
    check = rules.bib_check(
        title=stored["title"],
        year=stored["year"],
        price=stored["price"],
        clc_number=stored["clc"] if stored["clc"] != current["clc"] else "",
        allow_invalid_isbn=True,
    )
    if check.problems:
        raise check.problems[0]
    if stored["clc"] != current["clc"] and check.clc:
        stored["clc"] = check.clc
    old_lines, new_lines = _field_lines(original), _field_lines(data)
    gone = [line for line in old_lines if line not in new_lines]
    came = [line for line in new_lines if line not in old_lines]
    if bib.marc_format == "":
        bib.marc_format = flavor
    return _store_edit(
        actor,
        bib,
        "bib.marc_update",
        current,
        stored,
        data,
        extra_before={"marc_fields": gone} if gone or came else None,
        extra_after={"marc_fields": came} if gone or came else None,
    )


_UNSET: Any = object()


def _item_locked(actor: Actor, item_id: int) -> Item:
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("location", "call_number", "bib")
        .filter(library=actor.library, pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound(_("没有这一册。"), code="item_not_found")
    return item


@transaction.atomic
def item_update(
    *,
    actor: Actor,
    item_id: int,
    location_code: str | None = _UNSET,
    circulation_type: str = _UNSET,
    price: int | None = _UNSET,
    note: str = _UNSET,
) -> Item:
    """Correct a copy: its location (a code or name of the library's; None or "" for
    none), circulation type, price (fen) and note; what is not given stays. Its status
    is not changed here: circulation and collection care own it."""
    item = _item_locked(actor, item_id)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    def change(key: str, old: Any, new: Any) -> None:
        if old != new:
            before[key], after[key] = old, new

    if location_code is not _UNSET:
        location = _location_for(actor, location_code.strip()) if location_code else None
        change(
            "location",
            item.location.name if item.location_id else "",
            location.name if location else "",
        )
        item.location = location
    if circulation_type is not _UNSET:
        if circulation_type not in Item.CirculationType.values:
            raise Invalid(
                _("未知的流通类型：%(value)s") % {"value": circulation_type},
                code="invalid_circulation_type",
            )
        change("circulation_type", item.circulation_type, circulation_type)
        item.circulation_type = circulation_type
    if price is not _UNSET:
        rules.copy_price_check(price)
        change("price", item.price, price)
        item.price = price
    if note is not _UNSET:
        note = (note or "").strip()
        if len(note) > 200:
            raise Invalid(_("备注太长（最多 200 字）。"), code="too_long")
        change("note", item.note, note)
        item.note = note
    if not before:
        return item
    item.save(update_fields=["location", "circulation_type", "price", "note", "updated_at"])
    audit.record(actor, "item.update", item, before=before, after=after)
    search_port.bibs_changed([item.bib_id])
    return item


@transaction.atomic
def item_move(*, actor: Actor, item_id: int, bib_id: int) -> Item:
    """Move a copy to another title (attached to the wrong record): it takes that title's
    call number, or a new class number / 种次号 of its class when it has none (none
    without a class number). Refused to the title it is on (same_bib)."""
    from shuxiang.catalog import callnumbers, clc

    item = _item_locked(actor, item_id)
    target = Bib.objects.select_for_update().filter(library=actor.library, pk=bib_id).first()
    if target is None:
        raise NotFound(_("没有编号为 %(id)s 的书目。") % {"id": bib_id}, code="bib_not_found")
    if target.pk == item.bib_id:
        raise Invalid(_("这一册已在此书目下。"), code="same_bib")
    call = CallNumber.objects.filter(library=actor.library, bib=target, volume="").first()
    if call is None:
        class_number = callnumbers.class_part(target.clc)
        if class_number and clc.is_valid(class_number):
            taken = CallNumber.objects.filter(
                library=actor.library, value__startswith=class_number + callnumbers.SEPARATOR
            ).values_list("value", flat=True)
            value = callnumbers.compose(
                class_number, callnumbers.next_sequence(class_number, taken)
            )
            call = CallNumber.objects.create(
                library=actor.library, bib=target, volume="", value=value
            )
    old_bib, old_call = item.bib, item.call_number.value if item.call_number_id else ""
    item.bib, item.call_number = target, call
    item.save(update_fields=["bib", "call_number", "updated_at"])
    audit.record(
        actor,
        "item.move",
        item,
        before={"bib": old_bib.pk, "title": old_bib.title, "call_number": old_call},
        after={"bib": target.pk, "title": target.title, "call_number": call.value if call else ""},
    )
    search_port.bibs_changed([old_bib.pk, target.pk])
    return item
