"""The record page for staff (/staff/catalog/records/<id>/): a title's fields, its copies
and its history, with editing the record (the cataloging form's fields, or its MARC as a
field/indicator/subfield table), a copy (location, circulation type, price, note) and
moving a copy to another title. Thin adapters over catalog.services (bib_update,
bib_marc_update, item_update, item_move)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shuxiang.catalog import cataloging, clc, history, rules, services
from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.marc.edit import TableRow
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.models import AuditEvent, Location
from shuxiang.core.money import Money, MoneyError, format_fen, yuan_text
from shuxiang.core.params import int_param

_LINES = re.compile(r"\s*[\r\n]+\s*")


def _bib(request: HttpRequest, bib_id: int) -> Bib:
    return get_object_or_404(Bib, library=request.library, pk=bib_id)


def _copies(bib: Bib) -> list[Item]:
    items = list(
        bib.items.select_related("location", "call_number").order_by("accession_number", "id")
    )
    for item in items:
        item.price_text = format_fen(item.price)
    return items


def _relabel(bib: Bib, items: list[Item]) -> dict[str, Any] | None:
    """After a class change: the call number it moved from and to, and the copies whose
    spine labels must be printed again."""
    event = (
        AuditEvent.objects.filter(
            library=bib.library, object_type="catalog.bib", object_id=str(bib.pk)
        )
        .filter(action__in=["bib.update", "bib.marc_update", "bib.reclassify"])
        .order_by("-at", "-id")
        .first()
    )
    if event is None or "call_number" not in (event.after or {}):
        return None
    barcodes = [i.barcode for i in items if i.status != Item.Status.WITHDRAWN]
    return {
        "before": "、".join(v for v in event.before.get("call_number", []) if v) or "—",
        "after": "、".join(event.after.get("call_number", [])),
        "barcodes": barcodes,
        "url": reverse("cataloging:labels")
        + "?"
        + urlencode(
            {"selection": "barcodes", "barcodes": ",".join(barcodes), "kind": "spine", "pdf": "1"}
        ),
    }


def _moved(items: list[Item], barcode: str) -> dict[str, Any] | None:
    """The copy just moved here: its new call number needs a new spine label."""
    item = next((i for i in items if barcode and i.barcode == barcode), None)
    if item is None:
        return None
    return {
        "item": item,
        "url": reverse("cataloging:labels")
        + "?"
        + urlencode(
            {"selection": "barcodes", "barcodes": item.barcode, "kind": "spine", "pdf": "1"}
        ),
    }


@staff_required("catalog")
def record_page(request: HttpRequest, bib_id: int) -> HttpResponse:
    bib = _bib(request, bib_id)
    items = _copies(bib)
    call_numbers = list(
        CallNumber.objects.filter(library=request.library, bib=bib).order_by("volume", "id")
    )
    return render(
        request,
        "catalog/records/record.html",
        {
            "bib": bib,
            "items": items,
            "call_numbers": call_numbers,
            "authors": [
                a["name"] + (f"（{a['role']}）" if a.get("role") else "") for a in bib.authors
            ],
            "price_text": format_fen(bib.price),
            "history": history.bib_history(bib),
            "relabel": _relabel(bib, items) if request.GET.get("relabel") else None,
            "moved": _moved(items, request.GET.get("moved", "")),
            "has_marc": bib.marc_record is not None and bool(bib.marc_format),
        },
    )


@staff_required("catalog")
def record_by_barcode(request: HttpRequest) -> HttpResponse:
    """The record page of the copy with this barcode (links from lists of copies)."""
    barcode = request.GET.get("barcode", "").strip()
    item = Item.objects.filter(library=request.library, barcode=barcode).first()
    if item is None:
        raise Http404(_("没有条码号为 %(barcode)s 的单册。") % {"barcode": barcode})
    return redirect("catalog:record", item.bib_id)


# -- edit the record with the cataloging form's fields ------------------------------------------


def _form_values(bib: Bib) -> dict[str, str]:
    return {
        "isbn": bib.isbn or "",
        "title": bib.title,
        "parallel_title": bib.parallel_title,
        "responsibility": bib.responsibility,
        "authors": "\n".join(a["name"] for a in bib.authors),
        "edition": bib.edition,
        "publisher": bib.publisher,
        "place": bib.place,
        "year": str(bib.year or ""),
        "pages": bib.pages,
        "size": bib.size,
        "price": yuan_text(bib.price),
        "clc": bib.clc,
        "series": bib.series,
        "subjects": "\n".join(bib.subjects),
        "summary": bib.summary,
        "language": bib.language,
        "material_type": bib.material_type,
    }


def _parse_price(text: str, label: str, errors: list[str]) -> int | None:
    try:
        money = Money.parse(text)
    except MoneyError:
        errors.append(_("%(label)s“%(value)s”不是金额。") % {"label": label, "value": text})
        return None
    return money.fen if money is not None else None


def _changes(
    bib: Bib, shown: dict[str, str], posted: dict[str, str], errors: list[str]
) -> dict[str, Any]:
    """What the librarian changed on the form (a field left as shown is not a change),
    parsed into bib_update's values; every problem goes to `errors` at once."""
    changes: dict[str, Any] = {}
    for key, value in posted.items():
        if value == shown.get(key, "") or key not in shown:
            continue
        if key == "year":
            if value and not value.isdigit():
                errors.append(_("出版年应为四位数字。"))
                continue
            changes[key] = int(value) if value else None
        elif key == "price":
            changes[key] = _parse_price(value, _("定价"), errors) if value else None
        elif key in ("authors", "subjects"):
            changes[key] = [line for line in _LINES.split(value) if line]
        else:
            changes[key] = value
    check = rules.bib_check(
        title=posted.get("title", ""),
        isbn=changes.get("isbn") or None,
        year=changes.get("year"),
        price=changes.get("price") if isinstance(changes.get("price"), int) else None,
        clc_number=changes.get("clc", ""),
    )
    errors.extend(problem.message for problem in check.problems)
    return changes


def _after_edit(request: HttpRequest, result: services.BibEdited) -> HttpResponse:
    url = reverse("catalog:record", args=[result.bib.pk])
    if not result.changed:
        messages.info(request, _("没有改动。"))
        return redirect(url)
    messages.success(request, extra_tags="ok", message=_("已保存书目的修改。"))
    if result.call_numbers:
        return redirect(url + "?relabel=1")
    return redirect(url)


@staff_required("catalog")
def record_edit(request: HttpRequest, bib_id: int) -> HttpResponse:
    """Edit a title with the cataloging form's fields, CLC picker and ISBN check."""
    bib = _bib(request, bib_id)
    shown = _form_values(bib)
    values, errors = shown, []
    if request.method == "POST":
        # A textarea sends its line breaks as CRLF: not a change of the text.
        values = {key: request.POST.get(key, "").replace("\r\n", "\n").strip() for key in shown}
        changes = _changes(bib, shown, values, errors)
        if not errors:
            try:
                result = services.bib_update(
                    actor=Actor.of_request(request), bib_id=bib.pk, changes=changes
                )
            except DomainError as exc:
                errors.append(exc.message)
            else:
                return _after_edit(request, result)
    return render(
        request,
        "catalog/records/edit.html",
        {
            "bib": bib,
            "values": values,
            "errors": errors,
            "material_types": Bib.MaterialType.choices,
            "main_classes": clc.main_classes(),
            "call_number": cataloging.title_call_number(request.library, bib),
            "has_marc": bib.marc_record is not None and bool(bib.marc_format),
        },
        status=422 if errors else 200,
    )


@staff_required("catalog")
def record_isbn_json(request: HttpRequest, bib_id: int) -> JsonResponse:
    """The edit form's ISBN check: valid or not, and another title of this library that
    has it (the one being edited does not count)."""
    bib = _bib(request, bib_id)
    raw = request.GET.get("isbn", "")
    norm = isbn_rules.normalize(raw)
    payload: dict[str, Any] = {"isbn": raw, "valid": bool(norm), "isbn13": norm or "", "bib": None}
    if not norm:
        payload["message"] = (
            _("ISBN %(isbn)s 无效，请检查校验位。") % {"isbn": raw} if raw.strip() else ""
        )
        return JsonResponse(payload)
    payload["hyphenated"] = isbn_rules.hyphenate(norm)
    other = (
        Bib.objects.filter(library=request.library, isbn=norm)
        .exclude(pk=bib.pk)
        .order_by("id")
        .first()
    )
    if other is not None:
        payload["bib"] = {
            "id": other.pk,
            "title": other.title,
            "responsibility": other.responsibility,
            "publisher": other.publisher,
            "year": other.year,
            "copies": other.items.count(),
            "call_number": cataloging.title_call_number(request.library, other),
            "url": reverse("catalog:record", args=[other.pk]),
        }
    return JsonResponse(payload)


# -- edit the MARC record as a table ------------------------------------------------------------

BLANK_SUBFIELDS = 1  # empty subfield slots under each field, to add one
BLANK_FIELDS = 3  # empty fields at the end, to add one


def _table_rows(request: HttpRequest) -> tuple[list[TableRow], list[dict[str, Any]]]:
    """The posted table as TableRows, and as the page shows it again on an error. A
    field marked for deletion, or an added one left empty, is not in the rows."""
    post = request.POST
    count = int_param(post.get("fields"), default=0, minimum=0, maximum=2000) or 0
    rows: list[TableRow] = []
    shown: list[dict[str, Any]] = []
    for n in range(count):
        tag = post.get(f"tag_{n}", "").strip()
        source = int_param(post.get(f"src_{n}"), minimum=0)
        codes = post.getlist(f"code_{n}")
        texts = post.getlist(f"value_{n}")
        subfields = [
            (c.strip(), v) for c, v in zip(codes, texts, strict=False) if c.strip() or v.strip()
        ]
        data = post.get(f"data_{n}")
        deleted = bool(post.get(f"del_{n}"))
        row = TableRow(
            tag=tag,
            ind1=post.get(f"ind1_{n}", " ")[:2] or " ",
            ind2=post.get(f"ind2_{n}", " ")[:2] or " ",
            subfields=subfields,
            data=data,
            source=source,
        )
        shown.append({"row": row, "deleted": deleted})
        if deleted or (source is None and not tag and not subfields and not (data or "").strip()):
            continue
        rows.append(row)
    return rows, shown


def _table_context(bib: Bib, shown: list[dict[str, Any]]) -> dict[str, Any]:
    fields = []
    for entry in shown:
        row: TableRow = entry["row"]
        control = row.data is not None and row.tag < "010" and row.tag.isdigit()
        subs = [] if control else list(row.subfields) + [("", "")] * BLANK_SUBFIELDS
        fields.append(
            {"row": row, "control": control, "subfields": subs, "deleted": entry["deleted"]}
        )
    for _n in range(BLANK_FIELDS):
        fields.append(
            {
                "row": TableRow(tag=""),
                "control": False,
                "subfields": [("", "")] * 3,
                "deleted": False,
            }
        )
    return {"bib": bib, "fields": fields, "count": len(fields)}


@staff_required("catalog")
def record_marc(request: HttpRequest, bib_id: int) -> HttpResponse:
    """Edit the title's MARC record field by field; fields not shown on the form (008,
    880, $d dates ...) are there to edit, and stay as they are when left alone."""
    bib = _bib(request, bib_id)
    errors: list[str] = []
    if request.method == "POST":
        rows, shown = _table_rows(request)
        try:
            result = services.bib_marc_update(
                actor=Actor.of_request(request), bib_id=bib.pk, rows=rows
            )
        except DomainError as exc:
            errors.append(exc.message)
        else:
            return _after_edit(request, result)
    else:
        shown = [{"row": row, "deleted": False} for row in services.bib_marc_rows(bib)]
    context = _table_context(bib, shown)
    context.update(
        errors=errors,
        flavor=bib.get_marc_format_display() if bib.marc_format else "MARC 21",
        made_here=not (bib.marc_record is not None and bib.marc_format),
    )
    return render(request, "catalog/records/marc.html", context, status=422 if errors else 200)


# -- copies ---------------------------------------------------------------------------------------


def _item(request: HttpRequest, bib: Bib, item_id: int) -> Item:
    return get_object_or_404(
        Item.objects.select_related("location", "call_number"),
        library=request.library,
        bib=bib,
        pk=item_id,
    )


def _item_context(request: HttpRequest, bib: Bib, item: Item, **extra: Any) -> dict[str, Any]:
    values = extra.pop("values", None) or {
        "location": item.location.code if item.location_id else "",
        "circulation_type": item.circulation_type,
        "price": yuan_text(item.price),
        "note": item.note,
    }
    return {
        "bib": bib,
        "item": item,
        "values": values,
        "locations": Location.objects.filter(library=request.library).order_by("code"),
        "circulation_types": Item.CirculationType.choices,
        "errors": [],
        "move_errors": [],
        "target": "",
        **extra,
    }


@staff_required("catalog")
def item_edit(request: HttpRequest, bib_id: int, item_id: int) -> HttpResponse:
    """Correct a copy's location, circulation type, price (yuan) and note."""
    bib = _bib(request, bib_id)
    item = _item(request, bib, item_id)
    if request.method != "POST":
        return render(request, "catalog/records/item.html", _item_context(request, bib, item))
    values = {
        key: request.POST.get(key, "").strip()
        for key in ("location", "circulation_type", "price", "note")
    }
    errors: list[str] = []
    price = _parse_price(values["price"], _("价格"), errors) if values["price"] else None
    if not errors:
        try:
            services.item_update(
                actor=Actor.of_request(request),
                item_id=item.pk,
                location_code=values["location"] or None,
                circulation_type=values["circulation_type"],
                price=price,
                note=values["note"],
            )
        except DomainError as exc:
            errors.append(exc.message)
        else:
            messages.success(
                request,
                extra_tags="ok",
                message=_("已保存 %(barcode)s 的修改。") % {"barcode": item.barcode},
            )
            return redirect("catalog:record", bib.pk)
    context = _item_context(request, bib, item, values=values, errors=errors)
    return render(request, "catalog/records/item.html", context, status=422)


@staff_required("catalog")
def item_move(request: HttpRequest, bib_id: int, item_id: int) -> HttpResponse:
    """Move a copy to the title given by its record number or ISBN."""
    bib = _bib(request, bib_id)
    item = _item(request, bib, item_id)
    if request.method != "POST":
        return redirect("catalog:item_edit", bib.pk, item.pk)
    target_text = request.POST.get("target", "").strip()
    errors: list[str] = []
    target = None
    if not target_text:
        errors.append(_("请填写目标书目的编号或 ISBN。"))
    elif target_text.isdigit() and len(target_text) < 10:
        target = Bib.objects.filter(library=request.library, pk=int(target_text)).first()
    else:
        target = cataloging.bib_by_isbn(request.library, target_text)
    if target_text and target is None:
        errors.append(_("本馆没有书目“%(value)s”。") % {"value": target_text})
    if not errors:
        try:
            moved = services.item_move(
                actor=Actor.of_request(request), item_id=item.pk, bib_id=target.pk
            )
        except DomainError as exc:
            errors.append(exc.message)
        else:
            messages.success(
                request,
                extra_tags="ok",
                message=_("已将 %(barcode)s 改挂到《%(title)s》，索书号 %(call)s。")
                % {
                    "barcode": moved.barcode,
                    "title": moved.bib.title,
                    "call": moved.call_number.value if moved.call_number else "—",
                },
            )
            return redirect(
                reverse("catalog:record", args=[moved.bib_id])
                + "?"
                + urlencode({"moved": moved.barcode})
            )
    context = _item_context(request, bib, item, move_errors=errors, target=target_text)
    return render(request, "catalog/records/item.html", context, status=422)
