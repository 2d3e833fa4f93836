"""Staff pages of catalog maintenance: merging duplicate titles (candidates, which to
keep, a dry run, then the merge) and reclassifying titles (select, preview old → new,
apply, then the spine labels of exactly those copies). Thin adapters over
maintenance.selection and maintenance.services; librarians and admins only (the
"catalog" capability), always within the login's library."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shuxiang.catalog.maintenance import merge, selection, services
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, Invalid
from shuxiang.core.models import AuditEvent
from shuxiang.core.params import ids_param, int_param

PREVIEW_ROWS = 500  # rows of a preview table; the counts above it cover them all

# -- merging -----------------------------------------------------------------------------


def _merge_context(request: HttpRequest) -> dict[str, Any]:
    library = request.library
    found = selection.merge_candidates(library, imported=selection.imported_doubtful_pairs(library))
    return {
        "candidates": found,
        "doubt_words": {k: str(v) for k, v in merge.DOUBTS.items()},
        "reason_words": {
            merge.BY_ISBN: _("ISBN 相同"),
            merge.BY_TITLE: _("题名和第一著者相同"),
            merge.BY_IMPORT: _("导入时的疑似重复"),
        },
    }


@staff_required("catalog")
def merge_page(request: HttpRequest) -> HttpResponse:
    """GET: the candidate groups. POST `keep` and `merge` (ids): with `preview`, what the
    merge would change (a dry run); with `confirm`, the merge itself."""
    if request.method != "POST":
        context = _merge_context(request)
        done = int_param(request.GET.get("merged"), minimum=1)
        if done is not None:
            context["done_event"] = (
                AuditEvent.objects.filter(
                    library=request.library, action="bib.merge", after__merged_into=done
                )
                .order_by("-pk")
                .first()
            )
        return render(request, "catalog/maintenance/merge.html", context)
    keep_id = int_param(request.POST.get("keep"), minimum=1)
    merge_ids = ids_param(",".join(request.POST.getlist("merge")))
    context: dict[str, Any] = {}
    if keep_id is None or not merge_ids:
        context = _merge_context(request)
        context["error"] = _("请选择保留的书目和要合并掉的书目。")
        return render(request, "catalog/maintenance/merge.html", context, status=422)
    dry_run = "confirm" not in request.POST
    try:
        result = services.bibs_merge(
            actor=Actor.of_request(request), keep_id=keep_id, merge_ids=merge_ids, dry_run=dry_run
        )
    except DomainError as exc:
        context = _merge_context(request)
        context["error"] = exc.message
        return render(request, "catalog/maintenance/merge.html", context, status=exc.status)
    context = {"result": result, "merge_ids": merge_ids, **_labels_link(result)}
    return render(request, "catalog/maintenance/merge_result.html", context)


def _labels_link(result: services.MergeResult) -> dict[str, Any]:
    barcodes = result.relabel_barcodes
    if not barcodes or result.dry_run:
        return {}
    query = urlencode(
        {"selection": "barcodes", "barcodes": " ".join(barcodes), "kind": "spine", "preview": "1"}
    )
    return {"labels_url": f"{reverse('cataloging:labels')}?{query}"}


# -- reclassifying -----------------------------------------------------------------------


def _changes_text(changes: dict[int, str]) -> str:
    return ",".join(f"{pk}:{value}" for pk, value in changes.items())


def _changes_of(text: str) -> dict[int, str] | None:
    """ "12:TP311,15:TP311" → {12: "TP311", 15: "TP311"}; None if it is not that."""
    changes: dict[int, str] = {}
    for part in (text or "").split(","):
        pk_text, sep, value = part.partition(":")
        pk = int_param(pk_text, minimum=1)
        if not sep or pk is None or not value.strip():
            return None
        changes[pk] = value.strip()
    return changes


def _selection(request: HttpRequest) -> selection.Selection:
    """The titles the form chose: by search, by CLC range, or a barcode list."""
    data = request.POST
    how = data.get("how", "search")
    new_class = data.get("to", "")
    if how == "range":
        return selection.by_range(
            request.library, data.get("from", ""), data.get("until", ""), new_class
        )
    if how == "file":
        upload = request.FILES.get("file")
        if upload is None:
            raise Invalid(_("请选择条码号清单文件（xlsx 或 csv）。"), code="file_required")
        rows = selection.read_rows(
            upload.read(selection.spreadsheet.MAX_FILE_BYTES + 1), upload.name
        )
        return selection.by_barcodes(request.library, rows, new_class)
    return selection.by_search(request.library, data.get("q", ""), new_class)


def _preview_rows(result: services.ReclassifyResult) -> list[dict[str, Any]]:
    counts = result.copies_by_bib
    rows = []
    for move in result.moves[:PREVIEW_ROWS]:
        rows.append(
            {
                "bib_id": move.bib_id,
                "title": move.title,
                "old_clc": move.old_clc,
                "new_clc": move.new_clc,
                "calls": move.calls,
                "copies": counts.get(move.bib_id, 0),
            }
        )
    return rows


@staff_required("catalog")
def reclassify_page(request: HttpRequest) -> HttpResponse:
    """GET: the form (or, with `done`, the finished reclassification and its labels).
    POST `preview`: the plan, old → new, written nowhere. POST `apply` (with the
    preview's changes and digest): the change, then back here with `done`."""
    context: dict[str, Any] = {"form": request.POST if request.method == "POST" else request.GET}
    if request.method != "POST":
        done = int_param(request.GET.get("done"), minimum=1)
        if done is not None:
            event = AuditEvent.objects.filter(
                library=request.library, action=services.RECLASSIFY_ACTION, pk=done
            ).first()
            if event is not None:
                context["done"] = event
                context["labels_url"] = (
                    reverse("cataloging:labels")
                    + "?"
                    + urlencode(
                        {
                            "selection": "reclassification",
                            "reclassification": event.pk,
                            "kind": "spine",
                            "pdf": "1",
                        }
                    )
                )
        return render(request, "catalog/maintenance/reclassify.html", context)
    actor = Actor.of_request(request)
    if "apply" in request.POST:
        changes = _changes_of(request.POST.get("changes", ""))
        if not changes:
            context["error"] = _("没有可确认的再分类，请先预览。")
            return render(request, "catalog/maintenance/reclassify.html", context, status=422)
        try:
            result = services.reclassify(
                actor=actor, changes=changes, expect=request.POST.get("digest", "")
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(
                request, "catalog/maintenance/reclassify.html", context, status=exc.status
            )
        return redirect(f"{reverse('maintenance:reclassify')}?done={result.event_id}")
    try:
        chosen = _selection(request)
        if not chosen.changes and not chosen.problems:
            raise Invalid(_("没有找到符合条件的书目。"), code="nothing_selected")
        result = (
            services.reclassify(actor=actor, changes=chosen.changes, dry_run=True)
            if chosen.changes
            else None
        )
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "catalog/maintenance/reclassify.html", context, status=exc.status)
    context.update(
        {
            "problems": chosen.problems,
            "result": result,
            "rows": _preview_rows(result) if result else [],
            "more_rows": max(0, len(result.moves) - PREVIEW_ROWS) if result else 0,
            "changes": _changes_text(chosen.changes),
        }
    )
    status = 422 if chosen.problems else 200
    return render(request, "catalog/maintenance/reclassify.html", context, status=status)
