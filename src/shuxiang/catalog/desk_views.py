"""The cataloging desk (编目台): the cataloging form with the CLC picker, label sheets,
the accession register, spreadsheet book lists and the number settings. Thin adapters
over catalog.cataloging, labels, register and booklist. Copy cataloging over SRU (套录)
is the sru app's page, a tab of this desk (catalog.desk_tabs)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shuxiang.catalog import booklist, cataloging, clc, labels, register, rules, services
from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.models import Bib, Item
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.models import Location
from shuxiang.core.money import Money, MoneyError, format_fen, yuan_text
from shuxiang.core.params import int_param

TEXT_FIELDS = (
    "isbn",
    "title",
    "parallel_title",
    "authors",
    "edition",
    "publisher",
    "place",
    "year",
    "pages",
    "size",
    "price",
    "clc",
    "series",
    "subjects",
    "summary",
    "language",
    "material_type",
    "call_number",
)
_SPLIT = re.compile(r"\s*[;；、,，]\s*")


# -- JSON endpoints for the form's script ----------------------------------------------


@staff_required("catalog")
def clc_json(request: HttpRequest) -> JsonResponse:
    """The CLC picker: matching classes, and whether the typed number itself is valid."""
    query = request.GET.get("q", "").strip()
    limit = int_param(request.GET.get("limit"), default=30, minimum=1, maximum=200)
    found = clc.search(query, limit=limit or 30)
    results = [
        {**c.as_dict(), "path": " › ".join(p.name for p in clc.path(c.code)[:-1])} for c in found
    ]
    check = clc.validate(query) if query else None
    payload: dict[str, Any] = {"query": query, "results": results}
    if check is not None:
        near = clc.nearest(check.normalized) if check.valid else None
        payload.update(
            {
                "valid": check.valid,
                "normalized": check.normalized,
                "message": rules.clc_message(check.code),
                "caption": near.name if near else "",
                "listed": bool(check.valid and clc.get(check.normalized)),
            }
        )
    return JsonResponse(payload)


@staff_required("catalog")
def isbn_json(request: HttpRequest) -> JsonResponse:
    raw = request.GET.get("isbn", "")
    norm = isbn_rules.normalize(raw)
    payload: dict[str, Any] = {"isbn": raw, "valid": bool(norm), "isbn13": norm or "", "bib": None}
    if not norm:
        payload["message"] = (
            _("ISBN %(isbn)s 无效，请检查校验位。") % {"isbn": raw} if raw.strip() else ""
        )
        return JsonResponse(payload)
    payload["hyphenated"] = isbn_rules.hyphenate(norm)
    bib = cataloging.bib_by_isbn(request.library, norm)
    if bib is not None:
        payload["bib"] = {
            "id": bib.pk,
            "title": bib.title,
            "responsibility": bib.responsibility,
            "publisher": bib.publisher,
            "year": bib.year,
            "copies": bib.items.count(),
            "call_number": cataloging.title_call_number(request.library, bib),
            "url": reverse("cataloging:form") + "?" + urlencode({"bib": bib.pk}),
        }
    return JsonResponse(payload)


@staff_required("catalog")
def call_number_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"call_number": cataloging.suggest_call_number(request.library, request.GET.get("clc", ""))}
    )


# -- the cataloging form -----------------------------------------------------------------


def _copy_rows(request: HttpRequest) -> list[dict[str, str]]:
    barcodes = request.POST.getlist("copy_barcode")
    locations = request.POST.getlist("copy_location")
    types = request.POST.getlist("copy_circulation_type")
    prices = request.POST.getlist("copy_price")
    rows = []
    for i in range(len(barcodes)):
        rows.append(
            {
                "barcode": barcodes[i].strip(),
                "location": locations[i] if i < len(locations) else "",
                "circulation_type": types[i] if i < len(types) else Item.CirculationType.NORMAL,
                "price": prices[i].strip() if i < len(prices) else "",
            }
        )
    return rows


def _parse_price(text: str, label: str, errors: list[str]) -> int | None:
    try:
        money = Money.parse(text)
    except MoneyError:
        errors.append(_("%(label)s“%(value)s”不是金额。") % {"label": label, "value": text})
        return None
    return money.fen if money is not None else None


def _form_context(
    request: HttpRequest, values: dict[str, str], copies: list[dict[str, str]], bib: Bib | None
) -> dict:
    library = request.library
    locations = list(Location.objects.filter(library=library, active=True).order_by("code"))
    next_barcodes = register.barcodes_peek(library, 30)
    return {
        "values": values,
        "copies": copies,
        "bib": bib,
        "bib_call_number": cataloging.title_call_number(library, bib) if bib else "",
        "bib_items": list(bib.items.select_related("location").order_by("id")) if bib else [],
        "locations": locations,
        "circulation_types": Item.CirculationType.choices,
        "material_types": Bib.MaterialType.choices,
        "next_barcodes": next_barcodes,
        "main_classes": clc.main_classes(),
    }


def _chosen_bib(request: HttpRequest) -> Bib | None:
    """The title the form adds copies to: ?bib=, or the one with the ISBN asked for."""
    bib_param = request.POST.get("bib") or request.GET.get("bib")
    if bib_param:
        bib_id = int_param(bib_param, minimum=1)
        if bib_id is None:
            raise Http404(_("没有这条书目。"))
        return get_object_or_404(Bib, library=request.library, pk=bib_id)
    if request.method == "GET" and request.GET.get("isbn"):
        return cataloging.bib_by_isbn(request.library, request.GET["isbn"])
    return None


def _blank_form(request: HttpRequest, bib: Bib | None) -> HttpResponse:
    """The form as first shown: values from the query (a record copied over SRU), and
    the asked-for number of copies with the next barcodes of the range."""
    library = request.library
    # New copies go to the stacks unless the librarian picks another location.
    default_location = (
        Location.objects.filter(library=library, active=True, kind=Location.Kind.STACKS)
        .order_by("code")
        .first()
        or Location.objects.filter(library=library, active=True).order_by("code").first()
    )
    values = {name: request.GET.get(name, "") for name in TEXT_FIELDS}
    values["material_type"] = values["material_type"] or Bib.MaterialType.BOOK
    wanted = request.GET.get("copies", "1")
    count = min(int(wanted), 50) if wanted.isdigit() and int(wanted) > 0 else 1
    copies = [
        {
            "barcode": "",
            "location": default_location.code if default_location else "",
            "circulation_type": Item.CirculationType.NORMAL,
            "price": "",
        }
        for _ in range(count)
    ]
    context = _form_context(request, values, copies, bib)
    context["marc"] = request.GET.get("marc", "") if bib is None else ""
    for row, code in zip(copies, context["next_barcodes"], strict=False):
        row["barcode"] = code
    return render(request, "cataloging/form.html", context)


def _copy_specs(copies: list[dict[str, str]], errors: list[str]) -> list[cataloging.CopySpec]:
    specs = []
    for n, row in enumerate(copies, start=1):
        price = (
            _parse_price(row["price"], _("第 %(n)s 册的价格") % {"n": n}, errors)
            if row["price"]
            else None
        )
        specs.append(
            cataloging.CopySpec(
                barcode=row["barcode"],
                location_code=row["location"],
                circulation_type=row["circulation_type"],
                price=price,
            )
        )
    return specs


def _new_title(
    request: HttpRequest, values: dict[str, str], errors: list[str]
) -> tuple[dict[str, Any], tuple[str, bytes] | None]:
    """The new title's values parsed from the form (bib_create's arguments), and the
    record copied over SRU it keeps. Every problem goes to `errors` at once: what does
    not parse, and what `rules.bib_check` (the check bib_create enforces) finds."""
    original = None
    if request.POST.get("marc"):
        try:
            original = cataloging.original_record(request.POST["marc"])
        except DomainError as exc:
            errors.append(exc.message)
    year = None
    if values["year"]:
        if values["year"].isdigit():
            year = int(values["year"])
        else:
            errors.append(_("出版年应为四位数字。"))
    price = _parse_price(values["price"], _("定价"), errors) if values["price"] else None
    check = rules.bib_check(
        title=values["title"],
        isbn=values["isbn"] or None,
        year=year,
        price=price,
        clc_number=values["clc"],
    )
    errors.extend(problem.message for problem in check.problems)
    bib_values = {
        "title": values["title"],
        "isbn": values["isbn"] or None,
        "authors": [a for a in _SPLIT.split(values["authors"]) if a],
        "publisher": values["publisher"],
        "place": values["place"],
        "year": year,
        "clc": values["clc"],
        "price": price,
        "series": values["series"],
        "subjects": [s for s in _SPLIT.split(values["subjects"]) if s],
        "summary": values["summary"],
        "material_type": values["material_type"] or Bib.MaterialType.BOOK,
        "parallel_title": values["parallel_title"],
        "edition": values["edition"],
        "pages": values["pages"],
        "size": values["size"],
        "language": values["language"],
    }
    return bib_values, original


def _cataloged(request: HttpRequest, result: cataloging.Cataloged) -> HttpResponse:
    messages.success(
        request,
        extra_tags="ok",
        message=_("已编目《%(title)s》，新增 %(n)s 册，索书号 %(call)s。")
        % {"title": result.bib.title, "n": len(result.items), "call": result.call_number or "—"},
    )
    return redirect(
        reverse("cataloging:done", args=[result.bib.pk])
        + "?"
        + urlencode({"items": ",".join(str(i.pk) for i in result.items)})
    )


@staff_required("catalog")
def form(request: HttpRequest) -> HttpResponse:
    """The cataloging form: ISBN first; a known ISBN opens the existing title to add copies."""
    bib = _chosen_bib(request)
    if request.method != "POST":
        return _blank_form(request, bib)
    values = {name: request.POST.get(name, "").strip() for name in TEXT_FIELDS}
    copies = _copy_rows(request)
    errors: list[str] = []
    specs = _copy_specs(copies, errors)
    bib_values, original = _new_title(request, values, errors) if bib is None else ({}, None)
    if not errors:
        try:
            result = cataloging.bib_catalog(
                actor=Actor.of_request(request),
                bib_id=bib.pk if bib else None,
                values=bib_values,
                copies=specs,
                call_number=values["call_number"],
                auto_call_number=request.POST.get("call_number_auto") == "1",
                original=original,
            )
        except DomainError as exc:
            errors.append(exc.message)
        else:
            return _cataloged(request, result)
    context = _form_context(request, values, copies, bib)
    context["errors"] = errors
    context["marc"] = request.POST.get("marc", "") if bib is None else ""
    return render(request, "cataloging/form.html", context, status=422)


@staff_required("catalog")
def done(request: HttpRequest, bib_id: int) -> HttpResponse:
    bib = get_object_or_404(Bib, library=request.library, pk=bib_id)
    ids = [i for x in request.GET.get("items", "").split(",") if (i := int_param(x, minimum=1))]
    items = list(
        bib.items.select_related("location", "call_number").order_by("accession_number", "id")
    )
    new = [i for i in items if i.pk in ids]
    for item in items:
        item.price_text = format_fen(item.price)
    return render(
        request,
        "cataloging/done.html",
        {
            "bib": bib,
            "items": items,
            "new_items": new,
            "barcodes": ",".join(i.barcode for i in (new or items)),
            "today": clock.today(),
        },
    )


# -- labels ---------------------------------------------------------------------------------


def _float(value: str, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _label_selection(params: Any, errors: list[str]) -> dict[str, Any]:
    """Which copies get labels (labels.select_items' arguments): today's, a day's, an
    accession number range, a group another app registered (a purchase batch), or the
    barcodes typed in."""
    selection = params.get("selection", "today")
    if selection == "today":
        return {"day": clock.today()}
    if selection == "day":
        try:
            return {"day": dt.date.fromisoformat(params.get("day", ""))}
        except ValueError:
            errors.append(_("日期格式应为 YYYY-MM-DD。"))
            return {}
    if selection == "accession":
        accession_from, accession_to = params.get("from", "").strip(), params.get("to", "").strip()
        if not accession_from and not accession_to:
            errors.append(_("请填写登录号范围。"))
        return {"accession_from": accession_from, "accession_to": accession_to}
    if selection == "reclassification":
        event_id = int_param(params.get("reclassification", ""), minimum=1)
        if event_id is None:
            errors.append(_("请选择一次再分类。"))
        return {"reclassification_id": event_id}
    source = labels.copy_group_source(selection)
    if source is not None:
        raw = params.get(source.key, "")
        group_id = int_param(raw, minimum=1)
        if group_id is None:
            errors.append(str(source.missing))
        return {f"{source.key}_id": group_id}
    barcodes = [b for b in re.split(r"[\s,，]+", params.get("barcodes", "")) if b]
    if not barcodes:
        errors.append(_("请填写条码号。"))
    return {"barcodes": barcodes}


def _label_sheet(params: Any, errors: list[str]) -> labels.SheetSpec:
    """The label paper: a known sheet, or one measured by hand ("custom")."""
    sheet_name = params.get("sheet", "a4-3x8")
    if sheet_name != "custom":
        return labels.SHEETS.get(sheet_name, labels.SHEETS["a4-3x8"])
    try:
        return labels.custom_sheet(
            cols=int(params.get("cols", 3)),
            rows=int(params.get("rows", 8)),
            label_w=_float(params.get("label_w"), 70),
            label_h=_float(params.get("label_h"), 37),
            margin_left=_float(params.get("margin_left"), 0),
            margin_top=_float(params.get("margin_top"), 0),
            gap_x=_float(params.get("gap_x"), 0),
            gap_y=_float(params.get("gap_y"), 0),
            page_w=_float(params.get("page_w"), 210),
            page_h=_float(params.get("page_h"), 297),
        )
    except ValueError:
        errors.append(_("自定义标签纸的尺寸不合理：标签排不进纸张。"))
        return labels.SHEETS["a4-3x8"]


@staff_required("catalog")
def labels_page(request: HttpRequest) -> HttpResponse:
    """Choose copies (today's, an accession range, a registered group such as a purchase
    batch, barcodes) and a sheet; the PDF comes back when `pdf` is given."""
    library = request.library
    params = request.GET
    copy_groups = [
        {
            "key": source.key,
            "label": source.label,
            "groups": list(source.groups(library)),
            "chosen": params.get(source.key, ""),
        }
        for source in labels.copy_group_sources()
    ]
    context: dict[str, Any] = {
        "sheets": labels.SHEETS,
        "copy_groups": copy_groups,
        "reclassifications": labels.reclassification_choices(library),
        "params": params,
        "today": clock.today(),
    }
    if "pdf" not in params and "preview" not in params:
        return render(request, "cataloging/labels.html", context)
    errors: list[str] = []
    selection = _label_selection(params, errors)
    kind = params.get("kind", labels.BARCODE)
    if kind not in labels.KINDS:
        kind = labels.BARCODE
    sheet = _label_sheet(params, errors)
    start = int_param(params.get("start"), default=1, minimum=1, maximum=1000) or 1
    if not 1 <= start <= sheet.per_page:
        errors.append(_("起始位置应在 1 到 %(n)s 之间。") % {"n": sheet.per_page})
    try:
        items = labels.select_items(library, **selection) if not errors else Item.objects.none()
    except DomainError as exc:  # another library's reclassification, or none
        errors.append(exc.message)
        items = Item.objects.none()
    data = labels.label_data(items) if not errors else []
    if not errors and not data:
        errors.append(_("没有符合条件的单册。"))
    if errors:
        context["errors"] = errors
        return render(request, "cataloging/labels.html", context, status=422)
    if "preview" in params:
        context["selected"] = data
        return render(request, "cataloging/labels.html", context)
    pdf = labels.render(
        data,
        kind=kind,
        sheet=sheet,
        start=start,
        library_name=library.name,
        outline=bool(params.get("outline")),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{kind}.pdf"'
    return response


# -- the accession register ----------------------------------------------------------------


def _register_period(params: Any, errors: list[str]) -> tuple[dt.date, dt.date]:
    """The register's dates from the query: this year to today unless given."""
    today = clock.today()
    try:
        date_from = (
            dt.date.fromisoformat(params["from"])
            if params.get("from")
            else today.replace(month=1, day=1)
        )
        date_to = dt.date.fromisoformat(params["to"]) if params.get("to") else today
    except ValueError:
        errors.append(_("日期格式应为 YYYY-MM-DD。"))
        date_from, date_to = today.replace(month=1, day=1), today
    if date_to < date_from:
        errors.append(_("结束日期早于开始日期。"))
    return date_from, date_to


def _register_file(reg: register.Register, fmt: str) -> HttpResponse:
    """The register as a spreadsheet to download or a PDF to print."""
    name = f"register-{reg.date_from}-{reg.date_to}"
    if fmt == "xlsx":
        response = HttpResponse(
            register.register_xlsx(reg),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(register.register_pdf(reg), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@staff_required("catalog")
def register_page(request: HttpRequest) -> HttpResponse:
    library = request.library
    params = request.GET
    errors: list[str] = []
    date_from, date_to = _register_period(params, errors)
    reg = register.register_rows(
        library,
        date_from,
        date_to,
        accession_from=params.get("acc_from", "").strip(),
        accession_to=params.get("acc_to", "").strip(),
    )
    if not errors and params.get("format", "") in ("xlsx", "pdf"):
        return _register_file(reg, params["format"])
    shown = 500
    rows = [
        {
            "accession_number": r.accession_number,
            "acquired_on": r.acquired_on,
            "barcode": r.barcode,
            "title": r.title,
            "author": r.author,
            "publisher": r.publisher,
            "call_number": r.call_number,
            "price_text": yuan_text(r.price),
        }
        for r in reg.rows[:shown]
    ]
    return render(
        request,
        "cataloging/register.html",
        {
            "register": reg,
            "rows": rows,
            "shown": shown,
            "truncated": len(reg.rows) > shown,
            "total_text": yuan_text(reg.total_price.fen),
            "date_from": date_from,
            "date_to": date_to,
            "params": params,
            "errors": errors,
            "query": urlencode(
                {
                    "from": date_from.isoformat(),
                    "to": date_to.isoformat(),
                    "acc_from": params.get("acc_from", ""),
                    "acc_to": params.get("acc_to", ""),
                }
            ),
        },
        status=422 if errors else 200,
    )


# -- spreadsheet book lists ------------------------------------------------------------------


@staff_required("catalog")
def booklist_page(request: HttpRequest) -> HttpResponse:
    library = request.library
    locations = Location.objects.filter(library=library, active=True).order_by("code")
    context: dict[str, Any] = {"locations": locations, "chosen": {"dry_run": True}}
    if request.method == "POST":
        upload = request.FILES.get("file")
        chosen = {
            "dry_run": bool(request.POST.get("dry_run")),
            "location": request.POST.get("location", ""),
        }
        context["chosen"] = chosen
        if upload is None:
            context["error"] = _("请选择要导入的书单文件（xlsx 或 csv）。")
            return render(request, "cataloging/booklist.html", context, status=422)
        try:
            report = booklist.booklist_import(
                actor=Actor.of_request(request),
                source=upload,
                filename=upload.name,
                location_code=chosen["location"],
                dry_run=chosen["dry_run"],
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "cataloging/booklist.html", context, status=422)
        context["report"] = report
        context["filename"] = upload.name
    return render(request, "cataloging/booklist.html", context)


# -- number settings -------------------------------------------------------------------------


@staff_required("catalog")
def settings_page(request: HttpRequest) -> HttpResponse:
    """The barcode range (条码号段) and the accession number series of this library (other
    apps add their settings as tabs of this page: catalog.desk_tabs)."""
    if request.method != "POST":
        return _settings_render(request, [])
    prefix = request.POST.get("prefix", "")
    width = request.POST.get("width", "").strip()
    next_value = request.POST.get("next_value", "").strip()
    last_value = request.POST.get("last_value", "").strip()
    errors = []
    if not width.isdigit():
        errors.append(_("数字位数应为 1 到 14。"))
    if not next_value.isdigit():
        errors.append(_("下一个号码应为数字。"))
    if last_value and not last_value.isdigit():
        errors.append(_("号段终止应为数字。"))
    if errors:
        return _settings_render(request, errors)
    try:
        services.number_series_update(
            actor=Actor.of_request(request),
            kind=request.POST.get("kind", ""),
            prefix=prefix,
            width=int(width),
            next_value=int(next_value),
            last_value=int(last_value) if last_value else None,
        )
    except DomainError as exc:
        return _settings_render(request, [exc.message])
    messages.success(request, extra_tags="ok", message=_("已保存。"))
    return redirect("cataloging:settings")


def _settings_render(request: HttpRequest, errors: list[str]) -> HttpResponse:
    library = request.library
    return render(
        request,
        "cataloging/settings.html",
        {
            "barcode": register.series_settings(library, register.BARCODE),
            "accession": register.series_settings(library, register.ACCESSION),
            "errors": errors,
            "sample": register.barcodes_peek(library, 3),
        },
        status=422 if errors else 200,
    )
