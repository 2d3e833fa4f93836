"""Catalog maintenance use cases: merging duplicate titles and reclassifying titles.
Each runs in one transaction and writes audit events; each has a dry run that answers
exactly what a real run would change and writes nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from shuxiang.catalog import callnumbers, clc, rules, search_port
from shuxiang.catalog.maintenance import merge_port
from shuxiang.catalog.maintenance import reclassify as plan_rules
from shuxiang.catalog.marc.mapping import BIB_FIELDS
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import AuditEvent

MAX_MERGE = 50  # titles merged into one at a time: a group, not a catalog
MAX_RECLASSIFY = 20_000  # titles in one reclassification (a large school's whole class)
RECLASSIFY_ACTION = "bibs.reclassify"

# The values of a title that the merge's audit event keeps of a merged-away title: those
# its MARC record fills, and the record's format.
BIB_VALUES = (*BIB_FIELDS, "marc_format")


class _DryRun(Exception):
    """Raised to roll back a dry run's transaction once its result is known."""


# -- merging -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MovedCopy:
    barcode: str
    from_bib: int
    old_call_number: str
    new_call_number: str

    @property
    def relabel(self) -> bool:
        return self.old_call_number != self.new_call_number


@dataclass
class MergeResult:
    keep_id: int
    keep_title: str
    merged: list[tuple[int, str]]
    copies: list[MovedCopy]
    moved: dict[str, int]
    call_numbers_deleted: list[str]
    dry_run: bool

    @property
    def relabel_barcodes(self) -> list[str]:
        """The copies whose call number changed: they need new spine labels."""
        return [c.barcode for c in self.copies if c.relabel]


def _marc_text(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    data = bytes(raw)
    try:
        return {"marc": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"marc_base64": base64.b64encode(data).decode("ascii")}


def bib_values(bib: Bib) -> dict[str, Any]:
    """Everything a title holds, its original MARC record included (as text, or base64
    if it is not UTF-8), for the audit event of a title that goes away."""
    values = {name: getattr(bib, name) for name in BIB_VALUES}
    values["created_at"] = bib.created_at.isoformat() if bib.created_at else None
    values.update(_marc_text(bib.marc_record))
    return values


def _merge_ids(keep_id: int, merge_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(i) for i in merge_ids})
    if not ids:
        raise Invalid(_("请选择要合并掉的书目。"), code="nothing_to_merge")
    if keep_id in ids:
        raise Invalid(_("保留的书目不能同时被合并掉。"), code="keep_in_merge")
    if len(ids) > MAX_MERGE:
        raise Invalid(_("一次最多合并 %(n)s 种书目。") % {"n": MAX_MERGE}, code="too_many_to_merge")
    return ids


def _target_call_number(
    actor: Actor, keep: Bib, keep_calls: dict[str, CallNumber], cn: CallNumber
) -> tuple[CallNumber, bool]:
    """The kept title's call number for copies that had `cn`: the kept title's for the
    same volume; else made from its call number with the volume's suffix; and when the
    kept title has none, `cn` itself moves to it (its copies keep their labels).
    Returns (call number, whether `cn` moved over)."""
    if cn.volume in keep_calls:
        return keep_calls[cn.volume], False
    base = keep_calls.get("")
    if base is None:
        cn.bib = keep
        cn.save(update_fields=["bib"])
        keep_calls[cn.volume] = cn
        return cn, True
    value = callnumbers.with_volume(base.value, cn.volume)
    try:
        with transaction.atomic():
            made = CallNumber.objects.create(
                library=actor.library, bib=keep, volume=cn.volume, value=value
            )
    except IntegrityError as exc:
        raise Conflict(
            _("索书号 %(value)s 已被其他书目使用，无法合并。") % {"value": value},
            code="call_number_taken",
        ) from exc
    keep_calls[cn.volume] = made
    return made, False


def bibs_merge(
    *, actor: Actor, keep_id: int, merge_ids: Iterable[int], dry_run: bool = False
) -> MergeResult:
    """Merge duplicate titles into one: the titles `merge_ids` go, `keep_id` stays with
    its own values and MARC record. Their copies move to it (loans follow the copies)
    and take its call number (a volume keeps its suffix); holds and order lines move
    through the merge port; the merged-away call numbers are deleted. One audit event
    per merged-away title keeps all its values and its MARC record, its call numbers
    and where its copies went. A dry run does all of it and rolls it back."""
    library = actor.library
    keep_id = int(keep_id)
    ids = _merge_ids(keep_id, merge_ids)
    try:
        with transaction.atomic():
            result = _merge(actor, library, keep_id, ids, dry_run)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _merge(actor: Actor, library: Any, keep_id: int, ids: list[int], dry_run: bool) -> MergeResult:
    bibs = {
        b.pk: b
        for b in Bib.objects.select_for_update().filter(library=library, pk__in=[keep_id, *ids])
    }
    missing = [i for i in [keep_id, *ids] if i not in bibs]
    if missing:
        raise NotFound(_("没有编号为 %(id)s 的书目。") % {"id": missing[0]}, code="bib_not_found")
    keep = bibs[keep_id]
    keep_calls = {cn.volume: cn for cn in CallNumber.objects.filter(library=library, bib=keep)}
    copies: list[MovedCopy] = []
    deleted_calls: list[str] = []
    per_bib: dict[int, dict[str, Any]] = {}
    for mid in ids:
        other = bibs[mid]
        calls = list(CallNumber.objects.filter(library=library, bib=other).order_by("volume"))
        targets: dict[int, CallNumber] = {}
        adopted: set[int] = set()
        for cn in calls:
            target, moved_over = _target_call_number(actor, keep, keep_calls, cn)
            targets[cn.pk] = target
            if moved_over:
                adopted.add(cn.pk)
        items = list(
            Item.objects.filter(library=library, bib=other)
            .select_related("call_number")
            .order_by("pk")
        )
        moved_here = []
        for item in items:
            old = item.call_number
            new = targets[old.pk] if old is not None else keep_calls.get("")
            Item.objects.filter(pk=item.pk).update(
                bib=keep, call_number=new, updated_at=clock.now()
            )
            copies.append(
                MovedCopy(item.barcode, mid, old.value if old else "", new.value if new else "")
            )
            moved_here.append(item.barcode)
        gone = [cn for cn in calls if cn.pk not in adopted]
        deleted_calls += [cn.value for cn in gone]
        CallNumber.objects.filter(pk__in=[cn.pk for cn in gone]).delete()
        per_bib[mid] = {
            "values": bib_values(other),
            "call_numbers": [cn.value for cn in calls],
            "items": moved_here,
        }
    moved = merge_port.move_all(actor=actor, keep_id=keep_id, merge_ids=ids)
    for mid in ids:
        other = bibs[mid]
        info = per_bib[mid]
        audit.record(
            actor,
            "bib.merge",
            other,
            before={**info["values"], "call_numbers": info["call_numbers"]},
            after={
                "merged_into": keep_id,
                "kept_title": keep.title,
                "items": info["items"],
                "call_numbers_deleted": [v for v in info["call_numbers"] if v in deleted_calls],
                **({k: v for k, v in moved.items()} if mid == ids[0] else {}),
            },
        )
    search_port.bibs_removed(ids)
    try:
        with transaction.atomic():
            Bib.objects.filter(library=library, pk__in=ids).delete()
    except ProtectedError as exc:
        raise Conflict(
            _("合并掉的书目仍被其他记录引用，无法删除：%(what)s")
            % {"what": ", ".join(sorted({o._meta.verbose_name for o in exc.protected_objects}))},
            code="bib_in_use",
        ) from exc
    Bib.objects.filter(pk=keep_id).update(updated_at=clock.now())
    search_port.bibs_changed([keep_id])
    return MergeResult(
        keep_id=keep_id,
        keep_title=keep.title,
        merged=[(mid, bibs[mid].title) for mid in ids],
        copies=copies,
        moved=moved,
        call_numbers_deleted=deleted_calls,
        dry_run=dry_run,
    )


# -- reclassifying -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelabelCopy:
    barcode: str
    bib_id: int
    old_call_number: str
    new_call_number: str


@dataclass
class ReclassifyResult:
    moves: list[plan_rules.Move]  # the titles whose class or call number changes
    unchanged: list[plan_rules.Move]  # already in the new class with the same CLC text
    copies: list[RelabelCopy]  # the copies whose call number changes: new spine labels
    digest: str  # what the plan was, so that applying a preview applies that preview
    dry_run: bool
    event_id: int | None = None
    titles_by_id: dict[int, str] = field(default_factory=dict)

    @property
    def copies_by_bib(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for c in self.copies:
            counts[c.bib_id] = counts.get(c.bib_id, 0) + 1
        return counts


def class_clean(raw: str) -> str:
    """A new class number as stored (upper case, half-width), or Invalid (invalid_clc)
    with the reason."""
    text = (raw or "").strip()
    if not text:
        raise Invalid(_("请填写新的分类号。"), code="invalid_clc")
    check = clc.validate(text)
    if not check.valid:
        raise Invalid(
            _("分类号 %(value)s 无效：%(reason)s")
            % {"value": text, "reason": rules.clc_message(check.code)},
            code="invalid_clc",
        )
    return callnumbers.class_part(check.normalized)


def _digest(moves: list[plan_rules.Move]) -> str:
    data = [[m.bib_id, m.new_clc, [[c.volume, c.old, c.new] for c in m.calls]] for m in moves]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]


def _taken(library: Any, classes: Iterable[str]) -> list[str]:
    values: list[str] = []
    for class_number in sorted(set(classes)):
        values += CallNumber.objects.filter(
            library=library, value__istartswith=class_number + callnumbers.SEPARATOR
        ).values_list("value", flat=True)
    return values


def reclassify(
    *,
    actor: Actor,
    changes: Mapping[int, str],
    dry_run: bool = False,
    expect: str | None = None,
) -> ReclassifyResult:
    """Give titles a new class (`changes`: bib id → new CLC class number): each title's
    CLC number and call numbers change (the next free 种次号 of the new class, in the
    old shelf order; see maintenance.reclassify), in one transaction, with an audit
    event per title and one for the whole reclassification that names its copies (the
    labels page prints their spine labels from it). `expect` is the digest of the
    preview the librarian confirmed: if the plan came out differently now (another
    desk took a 种次号 meanwhile), nothing is written (plan_changed). A dry run writes
    nothing and returns the plan."""
    library = actor.library
    if not changes:
        raise Invalid(_("没有选中任何书目。"), code="nothing_selected")
    if len(changes) > MAX_RECLASSIFY:
        raise Invalid(
            _("一次最多再分类 %(n)s 种书目，请分批进行。") % {"n": f"{MAX_RECLASSIFY:,}"},
            code="too_many_titles",
        )
    new_classes = {int(bib_id): class_clean(value) for bib_id, value in changes.items()}
    with transaction.atomic():
        bibs = {
            pk: (title, clc_text)
            for pk, title, clc_text in Bib.objects.select_for_update()
            .filter(library=library, pk__in=list(new_classes))
            .values_list("pk", "title", "clc")
        }
        missing = [pk for pk in new_classes if pk not in bibs]
        if missing:
            raise NotFound(
                _("没有编号为 %(id)s 的书目。") % {"id": missing[0]}, code="bib_not_found"
            )
        calls: dict[int, list[tuple[str, str]]] = {}
        for bib_id, volume, value in CallNumber.objects.filter(
            library=library, bib_id__in=list(new_classes)
        ).values_list("bib_id", "volume", "value"):
            calls.setdefault(bib_id, []).append((volume, value))
        titles = [
            plan_rules.TitleCalls(pk, title, clc_text, tuple(sorted(calls.get(pk, []))))
            for pk, (title, clc_text) in bibs.items()
        ]
        moves = plan_rules.plan(titles, new_classes, _taken(library, new_classes.values()))
        changed = [m for m in moves if m.changed]
        unchanged = [m for m in moves if not m.changed]
        digest = _digest(changed)
        copies = _copies(library, changed)
        result = ReclassifyResult(
            moves=changed,
            unchanged=unchanged,
            copies=copies,
            digest=digest,
            dry_run=dry_run,
            titles_by_id={pk: t for pk, (t, _c) in bibs.items()},
        )
        if dry_run:
            return result
        if expect is not None and expect != digest:
            raise Conflict(
                _("预览之后有书目或索书号发生了变化，请重新预览后再确认。"),
                code="plan_changed",
            )
        if not changed:
            raise Invalid(
                _("选中的书目都已在新的分类号下，没有需要修改的。"), code="nothing_changes"
            )
        result.event_id = _apply(actor, library, changed, copies)
    return result


def _copies(library: Any, moves: list[plan_rules.Move]) -> list[RelabelCopy]:
    """The copies (not withdrawn) whose call number the moves change."""
    new_of: dict[tuple[int, str], tuple[str, str]] = {}
    for m in moves:
        for c in m.calls:
            if c.old != c.new:
                new_of[(m.bib_id, c.volume)] = (c.old, c.new)
    if not new_of:
        return []
    rows = (
        Item.objects.filter(library=library, bib_id__in={b for b, _v in new_of})
        .exclude(status=Item.Status.WITHDRAWN)
        .values_list("barcode", "bib_id", "call_number__volume", "call_number__value")
        .order_by("bib_id", "barcode")
    )
    copies = []
    for barcode, bib_id, volume, value in rows:
        key = (bib_id, volume or "")
        # A copy without a call number takes its title's new one.
        if key in new_of and (value or "") in (new_of[key][0], ""):
            copies.append(RelabelCopy(barcode, bib_id, value or "", new_of[key][1]))
    return copies


def _record_with_class(original: bytes, flavor: str, new_clc: str, now: Any) -> bytes:
    """The title's stored MARC record with its class number field (CNMARC 690, MARC 21
    084/093) saying `new_clc`: every other field byte for byte, 005 updated, so that an
    export gives the new class with everything else as it came."""
    from shuxiang.catalog.marc import edit

    recorded = edit.to_values(original, flavor)
    return edit.apply_values(original, flavor, recorded, {**recorded, "clc": new_clc}, now=now)


def _apply(
    actor: Actor, library: Any, moves: list[plan_rules.Move], copies: list[RelabelCopy]
) -> int:
    now = clock.now()
    existing = {
        (cn.bib_id, cn.volume): cn
        for cn in CallNumber.objects.filter(library=library, bib_id__in=[m.bib_id for m in moves])
    }
    records = {
        pk: (bytes(raw), flavor)
        for pk, raw, flavor in Bib.objects.filter(
            library=library, pk__in=[m.bib_id for m in moves if m.old_clc != m.new_clc]
        )
        .exclude(marc_record=None)
        .exclude(marc_format="")
        .values_list("pk", "marc_record", "marc_format")
    }
    changed_calls = []
    for m in moves:
        values: dict[str, Any] = {"clc": m.new_clc, "updated_at": now}
        if m.bib_id in records:
            values["marc_record"] = _record_with_class(*records[m.bib_id], m.new_clc, now)
        Bib.objects.filter(library=library, pk=m.bib_id).update(**values)
        for c in m.calls:
            if c.old == c.new:
                continue
            row = existing.get((m.bib_id, c.volume))
            if row is None:
                row = CallNumber.objects.create(
                    library=library, bib_id=m.bib_id, volume=c.volume, value=c.new
                )
            else:
                row.value = c.new
                changed_calls.append(row)
            if not c.volume:
                # Copies without a call number take the title's new one.
                Item.objects.filter(library=library, bib_id=m.bib_id, call_number=None).update(
                    call_number=row, updated_at=now
                )
        audit.record(
            actor,
            "bib.reclassify",
            Bib(pk=m.bib_id, title=m.title),
            before={"clc": m.old_clc, "call_number": [c.old for c in m.calls if c.old]},
            after={"clc": m.new_clc, "call_number": [c.new for c in m.calls]},
        )
    # Every new value is beyond every value held before (see maintenance.reclassify), so
    # the updates never meet the unique index half-way.
    CallNumber.objects.bulk_update(changed_calls, ["value"], batch_size=500)
    barcodes = [c.barcode for c in copies]
    item_ids = (
        list(
            Item.objects.filter(library=library, barcode__in=barcodes).values_list("pk", flat=True)
        )
        if len(barcodes) <= 5000
        else [
            pk
            for chunk in range(0, len(barcodes), 5000)
            for pk in Item.objects.filter(
                library=library, barcode__in=barcodes[chunk : chunk + 5000]
            ).values_list("pk", flat=True)
        ]
    )
    classes = sorted({callnumbers.class_part(m.new_clc) for m in moves})
    event = audit.record(
        actor,
        RECLASSIFY_ACTION,
        library,
        after={
            "titles": len(moves),
            "copies": len(item_ids),
            "new_class": classes,
            "item_ids": sorted(item_ids),
        },
    )
    search_port.bibs_changed([m.bib_id for m in moves])
    return event.pk


def reclassification_events(library: Any, limit: int = 20) -> list[AuditEvent]:
    """The library's latest reclassifications, newest first (for the labels page)."""
    return list(
        AuditEvent.objects.filter(library=library, action=RECLASSIFY_ACTION).order_by("-at", "-pk")[
            :limit
        ]
    )


def reclassification_item_ids(library: Any, event_id: int) -> list[int]:
    """The copies one reclassification gave a new call number (its audit event names
    them), or NotFound."""
    event = AuditEvent.objects.filter(
        library=library, action=RECLASSIFY_ACTION, pk=event_id
    ).first()
    if event is None:
        raise NotFound(_("没有这次再分类的记录。"), code="reclassification_not_found")
    return [int(i) for i in (event.after or {}).get("item_ids", [])]
