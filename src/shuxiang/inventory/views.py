"""Inventory pages (馆藏维护): stocktakes with the scan page, the repair queue and
withdrawal batches. Thin adapters over services and selectors. Librarians and the admin
run them (capability catalog); school leaders read the stocktakes and approve
withdrawal batches (view_reports)."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.catalog.models import Item
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, Invalid
from shuxiang.core.models import Location
from shuxiang.core.money import Money, MoneyError, yuan_text
from shuxiang.core.params import int_param
from shuxiang.core.pdf import FontMissing
from shuxiang.core.permissions import can
from shuxiang.inventory import candidates as weeding
from shuxiang.inventory import documents, reconcile, scanner_files, selectors, services
from shuxiang.inventory.models import Repair, Stocktake, Withdrawal

MAX_UPLOAD = 5 * 1024 * 1024
# A recall list's rejected rows are told one message each, as far as a page shows them.
MAX_ROW_MESSAGES = 30


def _locations(library: object) -> list[Location]:
    return list(Location.objects.filter(library=library, active=True).order_by("code"))


@staff_required("view_reports")
def stocktakes(request: HttpRequest) -> HttpResponse:
    """清点: the library's stocktakes, and a new one (whole library, locations, a CLC
    class)."""
    if request.method == "POST":
        if not can(request.user, "catalog"):
            raise PermissionDenied
        try:
            stocktake = services.stocktake_create(
                actor=Actor.of_request(request),
                name=request.POST.get("name", ""),
                location_codes=request.POST.getlist("location"),
                clc=request.POST.get("clc", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("inventory:stocktakes")
        return redirect("inventory:stocktake", stocktake_id=stocktake.pk)
    return render(
        request,
        "inventory/stocktakes.html",
        {
            "stocktakes": selectors.stocktakes_of(request.library),
            "locations": _locations(request.library),
            "can_manage": can(request.user, "catalog"),
            "default_name": _("%(year)s 年清点") % {"year": clock.today().year},
        },
    )


@staff_required("view_reports")
def stocktake(request: HttpRequest, stocktake_id: int) -> HttpResponse:
    """One stocktake: the scan box (a keyboard-wedge or Bluetooth scanner types into it,
    Enter sends), a scanner file upload, progress per location and the figures."""
    st = selectors.stocktake_of(request.library, stocktake_id)
    if request.method == "POST":
        if not can(request.user, "catalog"):
            raise PermissionDenied
        actor = Actor.of_request(request)
        action = request.POST.get("action")
        try:
            if action == "scan":
                got = services.stocktake_scan(
                    actor=actor,
                    stocktake_id=st.pk,
                    barcodes=[request.POST.get("code", "")],
                    location_code=request.POST.get("location") or None,
                    run=f"web-{request.user.pk}",
                )
                messages.success(request, extra_tags="ok", message=_scan_message(got))
            elif action == "upload":
                upload = request.FILES.get("file")
                if upload is None:
                    raise Invalid(_("请选择扫描器导出的文件。"), code="file_required")
                if upload.size > MAX_UPLOAD:
                    raise Invalid(_("文件超过 5 MB。"), code="file_too_large")
                text = scanner_files.decode(upload.read())
                got = services.stocktake_scan(
                    actor=actor,
                    stocktake_id=st.pk,
                    barcodes=reconcile.parse_scanner_file(text),
                    location_code=request.POST.get("location") or None,
                    run=f"file:{upload.name}"[:60],
                )
                messages.success(request, extra_tags="ok", message=_scan_message(got))
            elif action == "close":
                counts = services.stocktake_close(actor=actor, stocktake_id=st.pk)
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("清点已结束：%(missing)s 册标记为丢失待查。")
                    % {"missing": counts["missing"]},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        location = request.POST.get("location", "")
        url = request.path + (f"?location={location}" if location else "")
        return redirect(url)
    counts = selectors.stocktake_counts(st)
    return render(
        request,
        "inventory/stocktake.html",
        {
            "st": st,
            "counts": counts,
            "progress": selectors.stocktake_progress(st),
            "locations": _locations(request.library),
            "location": request.GET.get("location")
            or next((loc.code for loc in st.locations.all()), "stacks"),
            "scope": [loc.name for loc in st.locations.all()],
            "can_manage": can(request.user, "catalog"),
        },
    )


def _scan_message(got: services.ScanOutcome) -> str:
    parts = [_("新增 %(n)s 册") % {"n": got.accepted}]
    if got.duplicates:
        parts.append(_("已扫描过 %(n)s 个") % {"n": got.duplicates})
    if got.unknown:
        parts.append(_("未知条码：%(list)s") % {"list": "、".join(got.unknown)})
    return "，".join(parts) + "。"


@require_POST
@staff_required("catalog")
def stocktake_scans(request: HttpRequest, stocktake_id: int) -> JsonResponse:
    """The scan page's (and the phone's offline queue's) JSON: {"barcodes", "location"}
    → {"accepted", "unknown", "duplicates", "counts"}. A barcode sent twice counts once,
    so a queue re-sent after a lost answer is harmless."""
    # Another library's stocktake is not found, whatever the body says.
    if not Stocktake.objects.filter(pk=stocktake_id, library=request.library).exists():
        raise Http404
    try:
        body = json.loads(request.body or b"{}")
        barcodes = body.get("barcodes")
        if not isinstance(barcodes, list):
            raise ValueError
    except (ValueError, AttributeError):
        return JsonResponse({"code": "invalid", "message": _("请求数据有误：barcodes")}, status=422)
    try:
        got = services.stocktake_scan(
            actor=Actor.of_request(request),
            stocktake_id=stocktake_id,
            barcodes=[str(b) for b in barcodes],
            location_code=body.get("location") or None,
            run=str(body.get("run") or f"web-{request.user.pk}"),
        )
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(
        {
            "accepted": got.accepted,
            "unknown": got.unknown,
            "duplicates": got.duplicates,
            "message": _scan_message(got),
        }
    )


@staff_required("view_reports")
def stocktake_progress(request: HttpRequest, stocktake_id: int) -> JsonResponse:
    """Each location's progress, for the page to show what everyone scanning has done
    (asked every few seconds while the page is open, and after its own scans)."""
    stocktake = selectors.stocktake_of(request.library, stocktake_id)
    rows = [
        {
            "location": row.location.name if row.location else _("未定地点"),
            "scanned": row.scanned,
            "expected": row.expected,
            "percent": row.percent,
        }
        for row in selectors.stocktake_progress(stocktake)
    ]
    return JsonResponse({"status": stocktake.status, "rows": rows})


# --- repair ----------------------------------------------------------------------------


def _fen(text: str) -> int:
    try:
        amount = Money.parse(text)
    except MoneyError:
        raise Invalid(_("修补费用应为金额（元），例如 3.50。"), code="invalid_cost") from None
    return 0 if amount is None else amount.fen


@staff_required("catalog")
def repairs(request: HttpRequest) -> HttpResponse:
    """修补: scan a copy to send it to repair, or — if it is in repair — to put it back
    on the shelf (修补完成，上架); what is out; the copies repaired and their cost this
    term and in a period the librarian chooses (?start=&end=)."""
    actor = Actor.of_request(request)
    if request.method == "POST":
        action = request.POST.get("action")
        code = request.POST.get("code", "")
        try:
            if action == "send":
                repair = services.repair_send(
                    actor=actor, barcode=code, note=request.POST.get("note", "")
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("《%(title)s》（%(barcode)s）已送修。")
                    % {"title": repair.item.bib.title, "barcode": repair.item.barcode},
                )
            elif action == "done":
                repair = services.repair_done(
                    actor=actor, barcode=code, cost=_fen(request.POST.get("cost", ""))
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("修补完成，《%(title)s》（%(barcode)s）已上架。")
                    % {"title": repair.item.bib.title, "barcode": repair.item.barcode},
                )
            elif action == "scan":
                item = Item.objects.filter(library=request.library, barcode=code.strip()).first()
                if item is not None and item.status == Item.Status.IN_REPAIR:
                    return redirect(f"{request.path}?done={item.barcode}")
                return redirect(f"{request.path}?send={code.strip()[:40]}")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("inventory:repairs")
    term = selectors.term_period(request.library, clock.today())
    chosen, problem = _chosen_period(request)
    if problem:
        messages.error(request, problem)
    return render(
        request,
        "inventory/repairs.html",
        {
            "out": Repair.objects.filter(library=request.library, status=Repair.Status.OUT)
            .select_related("item__bib", "item__call_number")
            .order_by("sent_at"),
            "term": term,
            "term_figures": selectors.repairs_summary(request.library, term.start, term.end),
            "chosen": selectors.repairs_summary(request.library, *chosen) if chosen else None,
            "start": request.GET.get("start", "")[:10],
            "end": request.GET.get("end", "")[:10],
            "send": request.GET.get("send", "")[:40],
            "finish": request.GET.get("done", "")[:40],
        },
    )


def _chosen_period(request: HttpRequest) -> tuple[tuple[dt.date, dt.date] | None, str]:
    """The period the librarian asked the repair figures for (?start=&end=), or why
    it cannot be read."""
    start_text = request.GET.get("start", "").strip()
    end_text = request.GET.get("end", "").strip()
    if not start_text and not end_text:
        return None, ""
    try:
        start = dt.date.fromisoformat(start_text)
        end = dt.date.fromisoformat(end_text)
    except ValueError:
        return None, _("请填写起止日期，如 2026-09-01 至 2027-01-15。")
    if end < start:
        return None, _("结束日期不能早于开始日期。")
    return (start, end), ""


# --- withdrawal ------------------------------------------------------------------------


@staff_required("view_reports")
def withdrawals(request: HttpRequest) -> HttpResponse:
    """剔旧、注销: batches proposed by a librarian (catalog), approved or rejected by a
    school leader or the admin, never by their proposer."""
    actor = Actor.of_request(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "propose":
                if not can(request.user, "catalog"):
                    raise PermissionDenied
                batch = services.withdrawal_propose(
                    actor=actor,
                    barcodes=request.POST.get("barcodes", "").split(),
                    reason=request.POST.get("reason", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("注销批次 %(n)s 已提交，待学校领导审批。") % {"n": batch.number},
                )
            elif action in ("approve", "reject"):
                wid = int_param(request.POST.get("withdrawal"), default=0)
                if action == "approve":
                    batch = services.withdrawal_approve(actor=actor, withdrawal_id=wid)
                    text = _("注销批次 %(n)s 已批准，图书已注销。")
                else:
                    batch = services.withdrawal_reject(actor=actor, withdrawal_id=wid)
                    text = _("注销批次 %(n)s 已驳回。")
                messages.success(request, extra_tags="ok", message=text % {"n": batch.number})
            elif action == "dispose":
                if not can(request.user, "catalog"):
                    raise PermissionDenied
                batch = services.withdrawal_dispose(
                    actor=actor,
                    withdrawal_id=int_param(request.POST.get("withdrawal"), default=0),
                    disposal=request.POST.get("disposal", ""),
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("注销批次 %(n)s 的处置方式已记录。") % {"n": batch.number},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("inventory:withdrawals")
    batches = list(
        Withdrawal.objects.filter(library=request.library)
        .annotate(count=Count("lines"), total=Sum("lines__price"))
        .select_related("proposed_by", "decided_by")
        .order_by("-number")
    )
    for batch in batches:
        batch.total_yuan = yuan_text(batch.total or 0)
    return render(
        request,
        "inventory/withdrawals.html",
        {
            "batches": batches,
            "reasons": Withdrawal.Reason.choices,
            "disposals": [c for c in Withdrawal.Disposal.choices if c[0]],
            "can_manage": can(request.user, "catalog"),
            "can_approve": services.may_approve_withdrawal(request.user),
            "prefill": request.GET.get("barcodes", "")[:2000],
            "reason": request.GET.get("reason", ""),
        },
    )


# --- papers ----------------------------------------------------------------------------

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _closed(request: HttpRequest, stocktake_id: int) -> Stocktake:
    st = selectors.stocktake_of(request.library, stocktake_id)
    if st.status != Stocktake.Status.CLOSED:
        raise Http404
    return st


def _font_missing() -> HttpResponse:
    return HttpResponse(
        _("服务器缺少中文字体，无法生成 PDF（请安装 fonts-wqy-microhei）。"),
        status=503,
        content_type="text/plain; charset=utf-8",
    )


@staff_required("view_reports")
def stocktake_report_pdf(request: HttpRequest, stocktake_id: int) -> HttpResponse:
    """藏书清点报告 (PDF) of a closed stocktake, for the school leaders to sign."""
    st = _closed(request, stocktake_id)
    try:
        data = documents.to_pdf(documents.stocktake_report(st))
    except FontMissing:
        return _font_missing()
    return _download(data, PDF, _("藏书清点报告-%(id)s.pdf") % {"id": st.pk})


@staff_required("view_reports")
def stocktake_report_xlsx(request: HttpRequest, stocktake_id: int) -> HttpResponse:
    st = _closed(request, stocktake_id)
    data = documents.to_xlsx(documents.stocktake_report(st))
    return _download(data, XLSX, _("藏书清点报告-%(id)s.xlsx") % {"id": st.pk})


def _batch_of(request: HttpRequest, withdrawal_id: int) -> Withdrawal:
    batch = Withdrawal.objects.filter(library=request.library, pk=withdrawal_id).first()
    if batch is None:
        raise Http404
    return batch


@staff_required("view_reports")
def withdrawal_register_pdf(request: HttpRequest, withdrawal_id: int) -> HttpResponse:
    """注销清单 in two copies: the library's and the general affairs office's."""
    batch = _batch_of(request, withdrawal_id)
    try:
        data = documents.to_pdf(
            documents.withdrawal_register(batch),
            copies=[_("第一联：图书馆留存"), _("第二联：总务处留存")],
        )
    except FontMissing:
        return _font_missing()
    return _download(data, PDF, _("注销清单-%(n)s.pdf") % {"n": batch.number})


@staff_required("view_reports")
def withdrawal_register_xlsx(request: HttpRequest, withdrawal_id: int) -> HttpResponse:
    batch = _batch_of(request, withdrawal_id)
    data = documents.to_xlsx(documents.withdrawal_register(batch))
    return _download(data, XLSX, _("注销清单-%(n)s.xlsx") % {"n": batch.number})


@staff_required("catalog")
def candidates(request: HttpRequest) -> HttpResponse:
    """剔旧候选: missing in two stocktakes, not lent in N years, outdated by CLC class
    and age, excess copies, titles on an imported recall list (下架清单), claimed
    returned and not found; the listed barcodes go into a withdrawal batch's form. A
    POST imports a recall list (xlsx or CSV)."""
    if request.method == "POST":
        return _recall_import(request)
    kind = request.GET.get("kind", "missing_twice")
    if kind not in weeding.KINDS:
        kind = "missing_twice"
    years = int_param(request.GET.get("years"), default=5, minimum=1, maximum=100)
    keep = int_param(request.GET.get("keep"), default=3, minimum=1, maximum=100)
    clc = request.GET.get("clc", "TP")[:20]
    list_id = int_param(request.GET.get("list"), default=0, minimum=0) or None
    library = request.library
    if kind == "missing_twice":
        items = weeding.missing_twice(library)
    elif kind == "not_lent":
        items = weeding.not_lent(library, years)
    elif kind == "outdated":
        items = weeding.outdated(library, clc, years)
    elif kind == "excess":
        items = weeding.excess(library, keep)
    elif kind == "recalled":
        items = weeding.recalled(library, list_id)
    else:
        items = weeding.claimed_missing(library)
    # Only copies a batch can take: one on loan is asked back first (recall lists).
    barcodes = [i.barcode for i in items if i.status in services.WITHDRAWABLE]
    return render(
        request,
        "inventory/candidates.html",
        {
            "kind": kind,
            "items": items,
            "years": years,
            "keep": keep,
            "clc": clc,
            "list_id": list_id,
            "recall_lists": weeding.recall_lists(library),
            "barcodes": " ".join(barcodes),
            "not_withdrawable": len(items) - len(barcodes),
            "reason": "other" if kind == "recalled" else "",
            "kinds": [
                ("missing_twice", _("连续两次清点缺失")),
                ("not_lent", _("多年未借")),
                ("outdated", _("内容陈旧（按分类与出版年）")),
                ("excess", _("复本过多")),
                ("recalled", _("下架清单")),
                ("claimed_missing", _("声称已还未找到")),
            ],
        },
    )


def _recall_import(request: HttpRequest) -> HttpResponse:
    """Import a recall list (下架清单) from the candidates page; its matches are shown."""
    from shuxiang.core import spreadsheet

    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise Invalid(_("请选择下架清单文件（xlsx 或 CSV）。"), code="file_required")
        if upload.size > spreadsheet.MAX_FILE_BYTES:
            raise Invalid(
                _("文件超过 %(n)s MB。") % {"n": spreadsheet.MAX_FILE_BYTES // (1024 * 1024)},
                code="file_too_large",
            )
        report = services.recall_list_import(
            actor=Actor.of_request(request),
            content=upload.read(),
            filename=upload.name,
            name=request.POST.get("name", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{request.path}?kind=recalled")
    messages.success(
        request,
        extra_tags="ok",
        message=_("下架清单“%(name)s”已导入 %(n)s 条，本馆有其中 %(titles)s 种、%(copies)s 册。")
        % {
            "name": report.name,
            "n": report.entries,
            "titles": report.titles,
            "copies": report.copies,
        },
    )
    noted = sorted(report.problems + report.warnings, key=lambda p: p.row)
    for problem in noted[:MAX_ROW_MESSAGES]:
        messages.warning(
            request, _("第 %(row)s 行：%(reason)s") % {"row": problem.row, "reason": problem.reason}
        )
    if len(noted) > MAX_ROW_MESSAGES:
        messages.warning(
            request,
            _("另有 %(n)s 行有问题，请检查清单。") % {"n": len(noted) - MAX_ROW_MESSAGES},
        )
    return redirect(f"{request.path}?kind=recalled&list={report.recall_list.pk}")
