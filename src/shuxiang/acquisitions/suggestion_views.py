"""Readers' purchase suggestions (荐购) on the staff side: the list with how many readers
asked for each title, one suggestion with its askers, and the answers (accept into a
purchase batch, decline with a reason). Thin adapters over services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from shuxiang.acquisitions import selectors, services
from shuxiang.acquisitions.models import PurchaseSuggestion
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.params import int_param

# The filter tabs: a status, or "" for all.
FILTERS = ["new", "accepted", "ordered", "received", "declined", ""]


def _default_batch_name() -> str:
    return _("%(year)s 年读者荐购") % {"year": clock.today().year}


def _actions_context(request: HttpRequest) -> dict:
    return {
        "batches": selectors.open_batches(request.library),
        "default_batch_name": _default_batch_name(),
    }


@staff_required("catalog")
def suggestion_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "new")
    if status not in FILTERS:
        status = "new"
    sort = request.GET.get("sort", "askers")
    if sort not in selectors.SUGGESTION_SORTS:
        sort = "askers"
    counts = selectors.suggestion_counts(request.library)
    labels = dict(PurchaseSuggestion.Status.choices)
    filters = [
        {
            "status": value,
            "label": labels[value] if value else _("全部"),
            "count": counts.get(value, 0) if value else sum(counts.values()),
        }
        for value in FILTERS
    ]
    return render(
        request,
        "acquisitions/suggestions.html",
        {
            "rows": selectors.suggestion_list(request.library, status=status or None, sort=sort),
            "status": status,
            "sort": sort,
            "filters": filters,
            "here": request.get_full_path(),
            **_actions_context(request),
        },
    )


@staff_required("catalog")
def suggestion_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """One suggestion with who asked and why; POST answers it (action accept / decline)."""
    suggestion = get_object_or_404(
        PurchaseSuggestion.objects.select_related("batch", "order_line", "decided_by"),
        library=request.library,
        pk=suggestion_id,
    )
    if request.method == "POST":
        actor = Actor.of_request(request)
        action = request.POST.get("action")
        try:
            if action == "accept":
                batch = request.POST.get("batch", "")
                accepted = services.suggestion_accept(
                    actor=actor,
                    suggestion_id=suggestion.pk,
                    batch_id=int_param(batch, minimum=1) if batch != "new" else None,
                    batch_name=request.POST.get("batch_name", "") if batch == "new" else "",
                    quantity=int_param(request.POST.get("quantity"), default=0, maximum=10**6),
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("已采纳《%(title)s》，列入采购批次“%(batch)s”。")
                    % {"title": accepted.title, "batch": accepted.batch.name},
                )
            elif action == "decline":
                declined = services.suggestion_decline(
                    actor=actor,
                    suggestion_id=suggestion.pk,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(
                    request,
                    extra_tags="ok",
                    message=_("已答复《%(title)s》：不采纳。") % {"title": declined.title},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect(reverse("acquisitions:suggestion", args=[suggestion.pk]))
    held = selectors.suggestion_holdings(
        request.library, isbn=suggestion.isbn, title=suggestion.title
    )
    return render(
        request,
        "acquisitions/suggestion.html",
        {
            "suggestion": suggestion,
            "askers": selectors.suggestion_askers(suggestion),
            "held": held,
            "here": request.get_full_path(),
            **_actions_context(request),
        },
    )
