"""Acquisitions pages (采访): the year at a glance, vendors, budgets, purchase batches,
the order-list check and receiving. Thin adapters over services and selectors."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.acquisitions import rules, selectors, services
from shuxiang.acquisitions.models import PurchaseBatch, Vendor
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, Invalid
from shuxiang.core.models import Location
from shuxiang.core.money import Money, MoneyError, format_fen, yuan_text

STATUS_LABELS = {
    rules.NEW: gettext_lazy("新书"),
    rules.ADD_COPIES: gettext_lazy("已有馆藏，可补复本"),
    rules.OVER_LIMIT: gettext_lazy("超过复本上限"),
    rules.REPEATED: gettext_lazy("书单内重复"),
}


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2200 else clock.today().year


@staff_required("catalog")
def index(request: HttpRequest) -> HttpResponse:
    library = request.library
    year = _year(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "vendor":
                services.vendor_create(
                    actor=Actor.of_request(request),
                    name=request.POST.get("name", ""),
                    contact=request.POST.get("contact", ""),
                    phone=request.POST.get("phone", ""),
                )
                messages.success(request, extra_tags="ok", message=_("已添加供应商。"))
            elif action == "budget":
                try:
                    amount = Money.parse(request.POST.get("amount", ""))
                except MoneyError:
                    amount = None
                if amount is None:
                    raise Invalid(_("请填写经费金额（元）。"), code="invalid_amount")
                services.budget_set(actor=Actor.of_request(request), year=year, amount=amount.fen)
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("已保存 %(year)s 年度经费。") % {"year": year},
                )
            elif action == "batch":
                vendor = request.POST.get("vendor", "")
                batch = services.batch_create(
                    actor=Actor.of_request(request),
                    name=request.POST.get("name", ""),
                    year=year,
                    vendor_id=int(vendor) if vendor.isdigit() else None,
                )
                return redirect("acquisitions:batch", batch.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(reverse("acquisitions:index") + f"?year={year}")
    summary = selectors.year_summary(library, year)
    for row in summary.batches:
        row["amount_text"] = format_fen(row["amount"])
        row["ordered_amount_text"] = format_fen(row["ordered_amount"])
    return render(
        request,
        "acquisitions/index.html",
        {
            "year": year,
            "years": range(clock.today().year + 1, clock.today().year - 6, -1),
            "summary": summary,
            "budget_text": format_fen(summary.budget) if summary.budget is not None else "—",
            "budget_plain": yuan_text(summary.budget),
            "spent_text": format_fen(summary.spent),
            "remaining_text": format_fen(summary.remaining)
            if summary.remaining is not None
            else "—",
            "vendors": Vendor.objects.filter(library=library),
        },
    )


@staff_required("catalog")
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    library = request.library
    batch = get_object_or_404(
        PurchaseBatch.objects.select_related("vendor"), library=library, pk=batch_id
    )
    context: dict[str, Any] = {
        "batch": batch,
        "locations": Location.objects.filter(library=library, active=True).order_by("code"),
    }
    if request.method == "POST":
        action = request.POST.get("action")
        upload = request.FILES.get("file")
        location = request.POST.get("location", "")
        dry_run = bool(request.POST.get("dry_run"))
        try:
            if action == "ordered":
                services.batch_mark_ordered(actor=Actor.of_request(request), batch_id=batch.pk)
                messages.success(request, extra_tags="ok", message=_("批次已标记为已订购。"))
                return redirect("acquisitions:batch", batch.pk)
            if upload is None:
                raise Invalid(_("请选择文件。"), code="file_required")
            if action == "receive_marc":
                outcome = services.batch_receive_marc(
                    actor=Actor.of_request(request),
                    batch_id=batch.pk,
                    source=upload,
                    location_code=location,
                    dry_run=dry_run,
                )
                context["marc_outcome"] = outcome
            elif action == "receive_list":
                context["list_report"] = services.batch_receive_booklist(
                    actor=Actor.of_request(request),
                    batch_id=batch.pk,
                    source=upload,
                    filename=upload.name,
                    location_code=location,
                    dry_run=dry_run,
                )
            context["filename"] = upload.name
            batch.refresh_from_db()
        except DomainError as exc:
            context["error"] = exc.message
    lines = list(batch.lines.all())
    for line in lines:
        line.price_text = format_fen(line.price)
    context["lines"] = lines
    context["received_count"] = batch.batch_items.count()
    return render(
        request, "acquisitions/batch.html", context, status=422 if context.get("error") else 200
    )


@staff_required("catalog")
def order_check(request: HttpRequest) -> HttpResponse:
    """Check a vendor's order list (征订目录) against the holdings and the copy limit; the
    suggested lines can go straight into a batch."""
    library = request.library
    batches = PurchaseBatch.objects.filter(library=library).exclude(
        status=PurchaseBatch.Status.RECEIVED
    )
    context: dict[str, Any] = {"batches": batches, "copy_limit": 5, "labels": STATUS_LABELS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        limit_text = request.POST.get("copy_limit", "5")
        copy_limit = int(limit_text) if limit_text.isdigit() and int(limit_text) > 0 else 5
        context["copy_limit"] = copy_limit
        if upload is None:
            context["error"] = _("请选择征订目录文件（xlsx 或 csv）。")
            return render(request, "acquisitions/check.html", context, status=422)
        try:
            check = selectors.order_list_check(library, upload, upload.name, copy_limit=copy_limit)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "acquisitions/check.html", context, status=422)
        context["rows"] = [
            {
                **asdict(line),
                "status_label": STATUS_LABELS[line.status],
                "price_text": format_fen(line.price),
            }
            for line in check.lines
        ]
        context["check"] = check
        context["filename"] = upload.name
        context["amount_text"] = format_fen(check.suggested_amount)
        batch_id = request.POST.get("batch", "")
        if batch_id.isdigit():
            lines = [
                {
                    "title": line.title,
                    "author": line.author,
                    "publisher": line.publisher,
                    "isbn": line.isbn,
                    "price": line.price,
                    "quantity": line.suggested,
                }
                for line in check.lines
                if line.suggested > 0
            ]
            try:
                added = services.order_lines_add(
                    actor=Actor.of_request(request), batch_id=int(batch_id), lines=lines
                )
            except DomainError as exc:
                context["error"] = exc.message
            else:
                context["added"] = len(added)
                context["added_batch"] = int(batch_id)
    return render(request, "acquisitions/check.html", context)
