"""Serials pages (期刊): check-in (登到) with claims, subscriptions, a title's issues,
binding with the bindery's list, next year's subscription list and the report. Thin
adapters over services and selectors. Librarians and the admin run them (capability
catalog); school leaders read the report (view_reports)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, Invalid
from shuxiang.core.models import Location
from shuxiang.core.money import Money, MoneyError, format_fen, yuan_text
from shuxiang.core.params import ids_param, int_param
from shuxiang.core.permissions import can
from shuxiang.serials import exports, prediction, selectors, services
from shuxiang.serials.models import Subscription

MONTHS = range(1, 13)


def _year(request: HttpRequest, default: int | None = None) -> int:
    return int_param(
        request.GET.get("year"), default=default or clock.today().year, minimum=2000, maximum=2200
    )


def _years(around: int) -> range:
    return range(around + 1, around - 6, -1)


def _fen(text: str, label: str) -> int | None:
    try:
        amount = Money.parse(text)
    except MoneyError:
        raise Invalid(
            _("%(field)s应为金额（元），例如 8.50。") % {"field": label}, code="invalid_price"
        ) from None
    return None if amount is None else amount.fen


def _received_message(got: services.Received) -> str:
    return _("已登到《%(title)s》%(label)s，条码 %(barcodes)s，已上架可借。") % {
        "title": got.issue.subscription.title,
        "label": got.issue.label,
        "barcodes": "、".join(i.barcode for i in got.items),
    }


@staff_required("catalog")
def checkin(request: HttpRequest) -> HttpResponse:
    """登到: one scan of the cover (or the ISSN, CN number, title) or one click on a due
    issue checks it in; late issues are listed first, with 催缺 per title."""
    library = request.library
    if request.method == "POST":
        actor = Actor.of_request(request)
        action = request.POST.get("action")
        try:
            if action == "scan":
                got = services.issue_receive_scan(actor=actor, text=request.POST.get("code", ""))
                messages.success(request, extra_tags="ok", message=_received_message(got))
            elif action == "receive":
                got = services.issue_receive(
                    actor=actor,
                    subscription_id=int_param(request.POST.get("subscription"), default=0),
                    issue_id=int_param(request.POST.get("issue"), default=0),
                )
                messages.success(request, extra_tags="ok", message=_received_message(got))
            elif action == "claim":
                claimed = services.issues_claim(
                    actor=actor,
                    subscription_id=int_param(request.POST.get("subscription"), default=0),
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("已催缺 %(n)s 期：%(labels)s")
                    % {"n": len(claimed), "labels": "、".join(i.label for i in claimed)},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("serials:checkin")
    today = clock.today()
    due = selectors.due_issues(library, today)
    late_titles: dict[int, Any] = {}
    for row in due:
        if row.late and row.issue.status == "expected":
            late_titles.setdefault(row.issue.subscription_id, row.issue.subscription)
    return render(
        request,
        "serials/checkin.html",
        {
            "tab": "checkin",
            "today": today,
            "due": due,
            "late_titles": list(late_titles.values()),
            "recent": selectors.recent_receipts(library),
        },
    )


def _subscription_form(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    months = [m for m in (int_param(v, minimum=1, maximum=12) for v in post.getlist("skip")) if m]
    weekdays = [
        d
        for d in (int_param(v, minimum=0, maximum=6) for v in post.getlist("skip_weekday"))
        if d is not None
    ]
    total = post.get("first_total", "").strip()
    return {
        "title": post.get("title", ""),
        "issn": post.get("issn", ""),
        "cn": post.get("cn", ""),
        "postal_code": post.get("postal_code", ""),
        "publisher": post.get("publisher", ""),
        "kind": post.get("kind", "periodical"),
        "clc": post.get("clc", ""),
        "frequency": post.get("frequency", ""),
        "year": int_param(post.get("year"), default=0) or 0,
        "copies": int_param(post.get("copies"), default=0) or 0,
        "price_per_issue": _fen(post.get("price_per_issue", ""), _("单期价")),
        "price_per_year": _fen(post.get("price_per_year", ""), _("全年价")),
        "skip_months": months,
        "weekday": int_param(post.get("weekday"), default=0) or 0,
        "day": int_param(post.get("day"), default=1) or 1,
        "skip_weekdays": weekdays,
        "first_total": int_param(total, default=0) if total else None,
        "source": post.get("source", "post_office"),
        "location_code": post.get("location") or None,
        "current_not_loanable": bool(post.get("current_not_loanable")),
        "note": post.get("note", ""),
    }


@staff_required("catalog")
def subscriptions(request: HttpRequest) -> HttpResponse:
    library = request.library
    year = _year(request)
    context: dict[str, Any] = {"form": {}}
    if request.method == "POST":
        try:
            values = _subscription_form(request)
            sub = services.subscription_create(actor=Actor.of_request(request), **values)
        except DomainError as exc:
            context["error"] = exc.message
            context["form"] = request.POST
        else:
            messages.success(
                request,
                extra_tags="ok",
                message=_("已订阅《%(title)s》%(year)s 年，预计 %(n)s 期。")
                % {"title": sub.title, "year": sub.year, "n": sub.issues.count()},
            )
            return redirect(reverse("serials:subscriptions") + f"?year={sub.year}")
    rows = selectors.subscriptions_of_year(library, year)
    for sub in rows:
        sub.total_text = format_fen(sub.year_total) or "—"
        sub.price_text = format_fen(sub.price_per_issue) or "—"
    context.update(
        {
            "tab": "subscriptions",
            "year": year,
            "years": _years(clock.today().year),
            "rows": rows,
            "frequencies": Subscription.Frequency.choices,
            "kinds": Subscription.Kind.choices,
            "sources": Subscription.Source.choices,
            "months": MONTHS,
            "locations": Location.objects.filter(library=library, active=True).order_by("pk"),
            "weekdays": _weekdays(),
        }
    )
    return render(
        request, "serials/subscriptions.html", context, status=422 if "error" in context else 200
    )


def _weekdays() -> list[tuple[int, str]]:
    names = [
        _("星期一"),
        _("星期二"),
        _("星期三"),
        _("星期四"),
        _("星期五"),
        _("星期六"),
        _("星期日"),
    ]
    return list(enumerate(names))


@staff_required("catalog")
def subscription(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """A title's year: its details, every issue with its status, copies and loans;
    check in, claim, add an issue the prediction did not foresee."""
    library = request.library
    sub = selectors.subscription_of(library, subscription_id)
    here = reverse("serials:subscription", args=[sub.pk])
    if request.method == "POST":
        actor = Actor.of_request(request)
        action = request.POST.get("action")
        try:
            if action == "receive":
                got = services.issue_receive(
                    actor=actor,
                    subscription_id=sub.pk,
                    issue_id=int_param(request.POST.get("issue"), default=0),
                )
                messages.success(request, extra_tags="ok", message=_received_message(got))
            elif action == "claim":
                claimed = services.issues_claim(actor=actor, subscription_id=sub.pk)
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("已催缺 %(n)s 期：%(labels)s")
                    % {"n": len(claimed), "labels": "、".join(i.label for i in claimed)},
                )
            elif action == "add":
                number = int_param(request.POST.get("number"), default=0) or 0
                services.issue_add(actor=actor, subscription_id=sub.pk, number=number)
                messages.success(request, extra_tags="ok", message=_("已添加期次。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(here)
    rows = selectors.issue_rows(sub, clock.today())
    counts = {
        key: sum(1 for r in rows if r.status == key)
        for key in ("expected", "received", "late", "claimed", "bound")
    }
    return render(
        request,
        "serials/subscription.html",
        {
            "tab": "subscriptions",
            "sub": sub,
            "rows": rows,
            "counts": counts,
            "price_text": format_fen(sub.price_per_issue) or "—",
            "total_text": format_fen(sub.year_total) or "—",
            "skip_text": "、".join(str(m) for m in sub.skip_months) or "—",
            "claim_days": prediction.claim_after_days(sub.frequency),
        },
    )


@staff_required("catalog")
def binding(request: HttpRequest) -> HttpResponse:
    """装订: choose a title and year, tick its received issues, bind; the year's volumes
    below, with the bindery's list as PDF."""
    library = request.library
    year = _year(request, clock.today().year)
    subs = [s for s in selectors.subscriptions_of_year(library, year)]
    chosen_id = int_param(request.GET.get("subscription") or request.POST.get("subscription"))
    chosen = next((s for s in subs if s.pk == chosen_id), None)
    if request.method == "POST" and chosen is not None:
        ids = ids_param(",".join(request.POST.getlist("issue"))) or []
        try:
            bound = services.volume_bind(
                actor=Actor.of_request(request),
                subscription_id=chosen.pk,
                year=year,
                issue_ids=ids,
                barcode=request.POST.get("barcode", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                extra_tags="ok",
                message=_(
                    "已装订《%(title)s》，索书号 %(call)s，条码 %(barcode)s，登录号 %(acc)s。"
                )
                % {
                    "title": bound.item.bib.title,
                    "call": bound.call_number,
                    "barcode": bound.item.barcode,
                    "acc": bound.item.accession_number,
                },
            )
        return redirect(reverse("serials:binding") + f"?year={year}&subscription={chosen.pk}")
    rows = selectors.issue_rows(chosen, clock.today(), year=year) if chosen else []
    return render(
        request,
        "serials/binding.html",
        {
            "tab": "binding",
            "year": year,
            "years": _years(clock.today().year),
            "subs": subs,
            "chosen": chosen,
            "rows": rows,
            "bindable": [r for r in rows if r.status == "received"],
            "volumes": selectors.binding_list(library, year),
        },
    )


@staff_required("catalog")
def binding_pdf(request: HttpRequest) -> HttpResponse:
    library = request.library
    year = _year(request)
    data = exports.binding_pdf(library, year, selectors.binding_list(library, year))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="binding-{year}.pdf"'
    return response


@staff_required("catalog")
def order_list(request: HttpRequest) -> HttpResponse:
    """订阅清单: next year's subscriptions (by default), made from this year's and then
    changed title by title, with totals; this year's spending beside it."""
    library = request.library
    year = _year(request, clock.today().year + 1)
    here = reverse("serials:order_list") + f"?year={year}"
    if request.method == "POST":
        actor = Actor.of_request(request)
        action = request.POST.get("action")
        try:
            if action == "renew":
                renewal = services.subscriptions_renew(
                    actor=actor, from_year=year - 1, to_year=year
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("已从 %(from)s 年转入 %(n)s 种（%(existing)s 种已在清单中）。")
                    % {"from": year - 1, "n": len(renewal.created), "existing": renewal.existing},
                )
            elif action == "update":
                sub_id = int_param(request.POST.get("subscription"), default=0) or 0
                copies = int_param(request.POST.get("copies"), default=0)
                services.subscription_update(
                    actor=actor,
                    subscription_id=sub_id,
                    copies=copies if copies is not None else 0,
                    price_per_issue=_fen(request.POST.get("price_per_issue", ""), _("单期价")),
                    price_per_year=_fen(request.POST.get("price_per_year", ""), _("全年价")),
                    active=request.POST.get("active") == "1",
                )
                messages.success(request, extra_tags="ok", message=_("已保存。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(here)
    listing = selectors.order_list(library, year)
    for sub in listing.rows:
        sub.total_text = format_fen(sub.year_total) or "—"
        sub.issue_plain = yuan_text(sub.price_per_issue)
        sub.year_plain = yuan_text(sub.price_per_year)
    spent = selectors.order_list(library, year - 1)
    return render(
        request,
        "serials/order_list.html",
        {
            "tab": "order_list",
            "year": year,
            "years": _years(clock.today().year),
            "listing": listing,
            "total_text": format_fen(listing.total),
            "spent": spent,
            "spent_text": format_fen(spent.total),
        },
    )


@staff_required("catalog")
def order_list_xlsx(request: HttpRequest) -> HttpResponse:
    library = request.library
    year = _year(request, clock.today().year + 1)
    data = exports.order_list_xlsx(selectors.order_list(library, year), library)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="subscriptions-{year}.xlsx"'
    return response


@staff_required("view_reports")
def reports(request: HttpRequest) -> HttpResponse:
    """种数 by kind and class, issues received against expected, loans per title and per
    teacher. School leaders may read it."""
    library = request.library
    year = _year(request)
    return render(
        request,
        "serials/reports.html",
        {
            "tab": "reports",
            "year": year,
            "years": _years(clock.today().year),
            "report": selectors.report(library, year, clock.today()),
            "teachers": selectors.teacher_loans(library, year),
            "can_manage": can(request.user, "catalog"),
        },
    )
