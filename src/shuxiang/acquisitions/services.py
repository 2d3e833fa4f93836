"""Acquisitions write operations: vendors, budgets, batches and their order lines,
receiving a batch from the vendor's MARC file or a spreadsheet, and readers' purchase
suggestions (荐购): asked for, accepted into a batch or declined, and followed as the
batch is ordered and received."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, BinaryIO, NoReturn

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from shuxiang.acquisitions import rules, selectors
from shuxiang.acquisitions.models import (
    BatchItem,
    Budget,
    OrderLine,
    PurchaseBatch,
    PurchaseSuggestion,
    SuggestionAsker,
    Vendor,
)
from shuxiang.catalog import cataloging
from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.models import Bib, Item
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, Invalid, NotFound
from shuxiang.patrons.models import Patron


@transaction.atomic
def vendor_create(
    *, actor: Actor, name: str, contact: str = "", phone: str = "", note: str = ""
) -> Vendor:
    name = name.strip()
    if not name:
        raise Invalid(_("请填写供应商名称。"), code="name_required")
    if Vendor.objects.filter(library=actor.library, name=name).exists():
        raise Conflict(_("供应商 %(name)s 已存在。") % {"name": name}, code="duplicate_vendor")
    vendor = Vendor.objects.create(
        library=actor.library, name=name, contact=contact, phone=phone, note=note
    )
    audit.record(actor, "vendor.create", vendor, after={"name": name})
    return vendor


@transaction.atomic
def budget_set(*, actor: Actor, year: int, amount: int, note: str = "") -> Budget:
    """Set the year's budget (in fen)."""
    if amount < 0:
        raise Invalid(_("经费不能为负数。"), code="invalid_amount")
    if not 2000 <= year <= 2200:
        raise Invalid(_("年度 %(year)s 不合理。") % {"year": year}, code="invalid_year")
    before = Budget.objects.filter(library=actor.library, year=year).values("amount").first()
    budget, _created = Budget.objects.update_or_create(
        library=actor.library, year=year, defaults={"amount": amount, "note": note}
    )
    audit.record(actor, "budget.set", budget, before=before, after={"amount": amount})
    return budget


@transaction.atomic
def batch_create(
    *, actor: Actor, name: str, year: int, vendor_id: int | None = None, note: str = ""
) -> PurchaseBatch:
    name = name.strip()
    if not name:
        raise Invalid(_("请填写批次名称。"), code="name_required")
    vendor = None
    if vendor_id is not None:
        vendor = Vendor.objects.filter(library=actor.library, pk=vendor_id).first()
        if vendor is None:
            raise NotFound(_("没有这个供应商。"), code="vendor_not_found")
    batch = PurchaseBatch.objects.create(
        library=actor.library, name=name, year=year, vendor=vendor, note=note
    )
    audit.record(actor, "batch.create", batch, after={"name": name, "year": year})
    return batch


def _batch(actor: Actor, batch_id: int, *, lock: bool = False) -> PurchaseBatch:
    qs = PurchaseBatch.objects.filter(library=actor.library, pk=batch_id)
    batch = (qs.select_for_update() if lock else qs).first()
    if batch is None:
        raise NotFound(
            _("没有编号为 %(id)s 的采购批次。") % {"id": batch_id}, code="batch_not_found"
        )
    return batch


@transaction.atomic
def batch_mark_ordered(
    *, actor: Actor, batch_id: int, ordered_on: dt.date | None = None
) -> PurchaseBatch:
    batch = _batch(actor, batch_id, lock=True)
    if not batch.lines.exists():
        raise Invalid(_("批次中还没有订购明细。"), code="batch_empty")
    batch.status = PurchaseBatch.Status.ORDERED
    batch.ordered_on = ordered_on or clock.today()
    batch.save(update_fields=["status", "ordered_on"])
    audit.record(actor, "batch.ordered", batch, after={"ordered_on": batch.ordered_on.isoformat()})
    _suggestions_follow(actor, batch, PurchaseSuggestion.Status.ORDERED)
    return batch


@transaction.atomic
def order_lines_add(*, actor: Actor, batch_id: int, lines: list[dict[str, Any]]) -> list[OrderLine]:
    """Add order lines: dicts with title, author, publisher, isbn, price (fen), quantity."""
    batch = _batch(actor, batch_id, lock=True)
    if batch.status == PurchaseBatch.Status.RECEIVED:
        raise Conflict(_("批次已验收，不能再添加订购明细。"), code="batch_received")
    created = []
    for line in lines:
        quantity = int(line.get("quantity") or 0)
        if quantity < 1:
            continue
        isbn = isbn_rules.normalize(line.get("isbn") or "") or (line.get("isbn") or "").strip()
        created.append(
            OrderLine.objects.create(
                batch=batch,
                title=line["title"],
                author=line.get("author", ""),
                publisher=line.get("publisher", ""),
                isbn=isbn[:20],
                price=line.get("price"),
                quantity=quantity,
            )
        )
    audit.record(actor, "batch.lines_add", batch, after={"lines": len(created)})
    return created


def _link(batch: PurchaseBatch, items: list[Item]) -> None:
    try:
        with transaction.atomic():
            BatchItem.objects.bulk_create([BatchItem(batch=batch, item=item) for item in items])
    except IntegrityError as exc:
        raise Conflict(_("有单册已属于另一个采购批次。"), code="item_in_other_batch") from exc


def _match_lines(batch: PurchaseBatch, items: list[Item]) -> None:
    """Count received copies against the order lines, by ISBN, else by title."""
    lines = list(batch.lines.all())
    by_bib: dict[int, list[Item]] = {}
    for item in items:
        by_bib.setdefault(item.bib_id, []).append(item)
    bibs = Bib.objects.in_bulk(list(by_bib))
    for bib_id, copies in by_bib.items():
        bib = bibs[bib_id]
        line = next((ln for ln in lines if ln.isbn and ln.isbn in (bib.isbns or [bib.isbn])), None)
        if line is None:
            line = next((ln for ln in lines if ln.title.strip() == bib.title.strip()), None)
        if line is None:
            continue
        line.received += len(copies)
        line.bib = bib
        line.save(update_fields=["received", "bib"])


def _finish_receiving(actor: Actor, batch: PurchaseBatch, items: list[Item]) -> None:
    if not items:
        return
    _link(batch, items)
    _match_lines(batch, items)
    _suggestions_follow(actor, batch, PurchaseSuggestion.Status.RECEIVED)
    batch.status = PurchaseBatch.Status.RECEIVED
    batch.received_on = batch.received_on or clock.today()
    batch.save(update_fields=["status", "received_on"])
    audit.record(actor, "batch.receive", batch, after={"items": len(items)})


def batch_receive_marc(
    *, actor: Actor, batch_id: int, source: BinaryIO, location_code: str = "", dry_run: bool = False
) -> dict[str, Any]:
    """Receive a batch from the vendor's MARC file: the records are imported (duplicates
    merge their holdings), the copies the file brings get accession numbers and join the
    batch; a new title whose record carries no holdings gets the copies its order line
    asked for, with barcodes from the range."""
    from shuxiang.catalog.services import marc_import

    batch = _batch(actor, batch_id)
    library = actor.library
    with transaction.atomic():
        last_item = Item.objects.filter(library=library).aggregate(m=Max("id"))["m"] or 0
        last_bib = Bib.objects.filter(library=library).aggregate(m=Max("id"))["m"] or 0
        report = marc_import(actor=actor, source=source, on_duplicate="merge", dry_run=dry_run)
        if dry_run:
            return {"report": report, "items": 0, "extra_copies": 0}
        new_items = list(Item.objects.filter(library=library, id__gt=last_item).order_by("id"))
        cataloging.items_register(actor=actor, item_ids=[i.pk for i in new_items])
        with_copies = {i.bib_id for i in new_items}
        extra = 0
        for bib in Bib.objects.filter(library=library, id__gt=last_bib).exclude(id__in=with_copies):
            line = next(
                (
                    ln
                    for ln in batch.lines.all()
                    if ln.isbn and ln.isbn in (bib.isbns or [bib.isbn])
                ),
                None,
            )
            if line is None:
                continue
            wanted = max(0, line.quantity - line.received)
            if not wanted:
                continue
            result = cataloging.copies_add(
                actor=actor,
                bib=bib,
                copies=[
                    cataloging.CopySpec(location_code=location_code, price=line.price)
                    for _ in range(wanted)
                ],
            )
            new_items.extend(result.items)
            extra += len(result.items)
        new_items = list(Item.objects.filter(pk__in=[i.pk for i in new_items]).order_by("id"))
        _finish_receiving(actor, batch, new_items)
    return {"report": report, "items": len(new_items), "extra_copies": extra}


def batch_receive_booklist(
    *,
    actor: Actor,
    batch_id: int,
    source: BinaryIO,
    filename: str = "",
    location_code: str = "",
    dry_run: bool = False,
) -> Any:
    """Receive a batch from a spreadsheet (the vendor's delivery list): every good row is
    cataloged with its copies, which join the batch."""
    from shuxiang.catalog.booklist import booklist_import

    batch = _batch(actor, batch_id)
    received: list[Item] = []

    def collect(_row: Any, result: Any) -> None:
        received.extend(result.items)

    with transaction.atomic():
        report = booklist_import(
            actor=actor,
            source=source,
            filename=filename,
            location_code=location_code,
            dry_run=dry_run,
            after_row=collect,
        )
        if not dry_run:
            _finish_receiving(actor, batch, received)
    return report


# -- purchase suggestions (荐购) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuggestionOutcome:
    suggestion: PurchaseSuggestion
    asker: SuggestionAsker
    joined: bool  # the reader joined the suggestion other readers had made


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def _refuse(code: str, waiting: int) -> NoReturn:
    if code == rules.CATEGORY_NOT_ALLOWED:
        raise Forbidden(_("只有学生和教师可以荐购图书。"), code=code)
    if code == rules.PATRON_INACTIVE:
        raise Forbidden(_("您的借书证目前不能使用，暂时不能荐购。"), code=code)
    raise Conflict(
        _("您已有 %(n)s 条荐购在等待答复，请等图书管理员答复后再荐购。") % {"n": waiting},
        code=code,
        waiting=waiting,
    )


def _matching_suggestion(library: Any, ask: rules.Ask) -> PurchaseSuggestion | None:
    """The open suggestion for the same book (rules.same_book), locked, if any."""
    same = Q(title_key=ask.title)
    if ask.isbn:
        same |= Q(isbn=ask.isbn)
    candidates = (
        PurchaseSuggestion.objects.select_for_update()
        .filter(library=library, status__in=rules.SUGGESTION_OPEN)
        .filter(same)
        .order_by("created_at", "id")
    )
    for candidate in candidates:
        if rules.same_book(
            ask, rules.Ask(candidate.isbn, candidate.title_key, candidate.author_key)
        ):
            return candidate
    return None


@transaction.atomic
def suggestion_create(
    *,
    actor: Actor,
    patron_id: int,
    title: str,
    author: str = "",
    publisher: str = "",
    isbn: str = "",
    note: str = "",
    insist: bool = False,
) -> SuggestionOutcome:
    """A reader suggests a title for the library to buy (荐购).

    The library's catalog is asked first: when it holds the title, the answer is a
    Conflict `already_held` saying how many copies it has and how many are on the
    shelf, and nothing is written, unless the reader insists (they want another copy).
    The same book already suggested and still open gets this reader as one more asker;
    otherwise a new suggestion is made. Students and teachers may suggest, each with a
    limited number waiting for an answer (rules.suggestion_refusal)."""
    library = actor.library
    title = _clean(title).strip("《》<> ")
    author, publisher, note = _clean(author), _clean(publisher), (note or "").strip()
    if not title:
        raise Invalid(_("请填写书名。"), code="title_required")
    for value, limit in ((title, 500), (author, 300), (publisher, 200), (note, 500)):
        if len(value) > limit:
            raise Invalid(_("填写的内容太长（最多 %(n)s 个字）。") % {"n": limit}, code="too_long")
    isbn_text = isbn_rules.clean(isbn or "")
    isbn13 = (isbn_rules.normalize(isbn_text) or "") if isbn_text else ""
    if isbn_text and not isbn13:
        raise Invalid(
            _("ISBN %(isbn)s 无效，请核对（也可以不填）。") % {"isbn": isbn_text},
            code="invalid_isbn",
        )
    ask = rules.Ask(isbn13, rules.fold_title(title)[:200], rules.fold_author(author)[:100])
    if not ask.title:
        raise Invalid(_("请填写书名。"), code="title_required")

    # The reader's row is locked so that two asks at once cannot pass the limit together.
    patron = Patron.objects.select_for_update().filter(library=library, pk=patron_id).first()
    if patron is None:
        raise NotFound(_("没有这位读者。"), code="patron_not_found")
    waiting = SuggestionAsker.objects.filter(
        patron=patron, suggestion__status=PurchaseSuggestion.Status.NEW
    ).count()
    refusal = rules.suggestion_refusal(
        category=patron.category,
        patron_active=patron.status == Patron.Status.ACTIVE,
        waiting=waiting,
    )
    if refusal:
        _refuse(refusal, waiting)

    held = selectors.suggestion_holdings(library, isbn=isbn13, title=title)
    if held.copies and not insist:
        raise Conflict(
            _("本馆已有《%(title)s》%(copies)s 册，其中 %(available)s 册在架，欢迎借阅。")
            % {
                "title": "》《".join(held.titles),
                "copies": held.copies,
                "available": held.available,
            },
            code="already_held",
            copies=held.copies,
            available=held.available,
            titles=held.titles,
        )

    now = clock.now()
    suggestion = _matching_suggestion(library, ask)
    joined = suggestion is not None
    if suggestion is None:
        try:
            with transaction.atomic():
                suggestion = PurchaseSuggestion.objects.create(
                    library=library,
                    title=title,
                    author=author,
                    publisher=publisher,
                    isbn=isbn13,
                    title_key=ask.title,
                    author_key=ask.author,
                    created_at=now,
                )
        except IntegrityError:
            # Another reader made the same suggestion a moment ago: join theirs.
            suggestion = _matching_suggestion(library, ask)
            if suggestion is None:
                raise Conflict(
                    _("刚才有人同时荐购了这本书，请再提交一次。"), code="suggestion_busy"
                ) from None
            joined = True
        else:
            audit.record(
                actor,
                "suggestion.create",
                suggestion,
                after={"status": suggestion.status, "title": title, "isbn": isbn13},
            )
    if suggestion.askers.filter(patron=patron).exists():
        raise Conflict(_("您已经荐购过这本书了。"), code="already_asked")
    try:
        with transaction.atomic():
            asker = SuggestionAsker.objects.create(
                suggestion=suggestion,
                patron=patron,
                note=note,
                insisted=bool(held.copies),
                asked_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(_("您已经荐购过这本书了。"), code="already_asked") from exc
    # Which reader asked stays in the asker row: what a reader asks for is their reading,
    # which the audit log does not carry by name or card.
    audit.record(
        actor,
        "suggestion.ask",
        suggestion,
        after={"asker": asker.pk, "askers": suggestion.askers.count()},
    )
    return SuggestionOutcome(suggestion=suggestion, asker=asker, joined=joined)


def _suggestion(actor: Actor, suggestion_id: int) -> PurchaseSuggestion:
    suggestion = (
        PurchaseSuggestion.objects.select_for_update()
        .filter(library=actor.library, pk=suggestion_id)
        .first()
    )
    if suggestion is None:
        raise NotFound(
            _("没有编号为 %(id)s 的荐购。") % {"id": suggestion_id}, code="suggestion_not_found"
        )
    return suggestion


def _check_move(suggestion: PurchaseSuggestion, target: str) -> None:
    if not rules.suggestion_move_allowed(suggestion.status, target):
        raise Conflict(
            _("这条荐购已经处理过了（%(status)s）。") % {"status": suggestion.get_status_display()},
            code="suggestion_decided",
        )


@transaction.atomic
def suggestion_accept(
    *,
    actor: Actor,
    suggestion_id: int,
    batch_id: int | None = None,
    batch_name: str = "",
    quantity: int = 1,
) -> PurchaseSuggestion:
    """Accept a suggestion into a purchase batch: an open batch of the library
    (`batch_id`), or a new one named `batch_name`. The title becomes an order line of
    the batch (a line of the same ISBN, else of the same title, is used as it is); in a
    batch already ordered the suggestion is ordered at once."""
    suggestion = _suggestion(actor, suggestion_id)
    target = PurchaseSuggestion.Status.ACCEPTED
    _check_move(suggestion, target)
    if quantity < 1 or quantity > 999:
        raise Invalid(_("订数应在 1 到 999 之间。"), code="invalid_quantity")
    if batch_id is not None:
        batch = _batch(actor, batch_id, lock=True)
    elif _clean(batch_name):
        batch = batch_create(actor=actor, name=_clean(batch_name), year=clock.today().year)
    else:
        raise Invalid(_("请选择采购批次，或填写新批次的名称。"), code="batch_required")
    if batch.status == PurchaseBatch.Status.RECEIVED:
        raise Conflict(_("批次已验收，不能再添加订购明细。"), code="batch_received")
    if suggestion.isbn:
        line = batch.lines.filter(isbn=suggestion.isbn).first()
    else:
        line = batch.lines.filter(title=suggestion.title).first()
    if line is None:
        (line,) = order_lines_add(
            actor=actor,
            batch_id=batch.pk,
            lines=[
                {
                    "title": suggestion.title,
                    "author": suggestion.author,
                    "publisher": suggestion.publisher,
                    "isbn": suggestion.isbn,
                    "quantity": quantity,
                }
            ],
        )
    if batch.status == PurchaseBatch.Status.ORDERED:
        target = PurchaseSuggestion.Status.ORDERED
    before = {"status": suggestion.status}
    suggestion.status = target
    suggestion.batch = batch
    suggestion.order_line = line
    suggestion.decided_by = actor.user if getattr(actor.user, "pk", None) else None
    suggestion.decided_at = clock.now()
    suggestion.save(update_fields=["status", "batch", "order_line", "decided_by", "decided_at"])
    audit.record(
        actor,
        "suggestion.accept",
        suggestion,
        before=before,
        after={"status": target, "batch": batch.pk, "order_line": line.pk},
    )
    return suggestion


@transaction.atomic
def suggestion_decline(*, actor: Actor, suggestion_id: int, reason: str) -> PurchaseSuggestion:
    """Decline a suggestion with a reason, which every reader who asked will see."""
    reason = _clean(reason)
    if not reason:
        raise Invalid(_("请填写不采纳的原因，读者会看到它。"), code="reason_required")
    if len(reason) > 200:
        raise Invalid(_("填写的内容太长（最多 %(n)s 个字）。") % {"n": 200}, code="too_long")
    suggestion = _suggestion(actor, suggestion_id)
    _check_move(suggestion, PurchaseSuggestion.Status.DECLINED)
    before = {"status": suggestion.status}
    suggestion.status = PurchaseSuggestion.Status.DECLINED
    suggestion.decline_reason = reason
    suggestion.decided_by = actor.user if getattr(actor.user, "pk", None) else None
    suggestion.decided_at = clock.now()
    suggestion.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    audit.record(
        actor,
        "suggestion.decline",
        suggestion,
        before=before,
        after={"status": suggestion.status},
        reason=reason,
    )
    return suggestion


def _suggestions_follow(actor: Actor, batch: PurchaseBatch, target: str) -> None:
    """The batch's suggestions follow it: ordered when it is ordered, received when
    copies of their order line arrived."""
    suggestions = batch.suggestions.select_for_update(of=("self",)).select_related("order_line")
    for suggestion in suggestions:
        if not rules.suggestion_move_allowed(suggestion.status, target):
            continue
        if target == PurchaseSuggestion.Status.RECEIVED and not (
            suggestion.order_line and suggestion.order_line.received
        ):
            continue
        before = {"status": suggestion.status}
        suggestion.status = target
        suggestion.save(update_fields=["status"])
        audit.record(
            actor, f"suggestion.{target}", suggestion, before=before, after={"status": target}
        )
