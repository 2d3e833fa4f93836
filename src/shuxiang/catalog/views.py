"""Staff pages of the catalog: MARC import (upload with report) and MARC export."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.catalog.marc import report_files
from shuxiang.catalog.marc.exporter import Exporter
from shuxiang.catalog.marc.importer import ON_DUPLICATE
from shuxiang.catalog.services import marc_import
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.params import ids_param

FORMAT_CHOICES = [
    ("auto", gettext_lazy("自动识别")),
    ("marc21", "MARC 21"),
    ("cnmarc", "CNMARC"),
    ("marcxml", "MARCXML"),
]
ENCODING_CHOICES = [
    ("", gettext_lazy("自动识别")),
    ("utf-8", "UTF-8"),
    ("gbk", "GBK / GB2312"),
    ("gb18030", "GB18030"),
    ("marc8", "MARC-8"),
]


REJECTED_ON_PAGE = 100  # the rest are in the downloadable report


@staff_required("catalog")
def marc_import_page(request: HttpRequest) -> HttpResponse:
    """Upload and import a MARC file, then its report: counts, the first rejected records
    and the warnings counted by kind, with every record and warning in a CSV download
    (GET ?report=<token>, for the login that ran the import)."""
    if request.method == "GET" and "report" in request.GET:
        path = report_files.find(request.user.pk, request.GET["report"])
        if path is None:
            raise Http404(_("报告已过期，请重新导入或试导入。"))
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename="marc-import-report.csv",
            content_type="text/csv; charset=utf-8",
        )
    context: dict = {
        "formats": FORMAT_CHOICES,
        "encodings": ENCODING_CHOICES,
        "duplicates": ON_DUPLICATE,
        "chosen": {"format": "auto", "encoding": "", "on_duplicate": "skip"},
    }
    if request.method == "POST":
        chosen = {
            "format": request.POST.get("format", "auto"),
            "encoding": request.POST.get("encoding", ""),
            "on_duplicate": request.POST.get("on_duplicate", "skip"),
            "dry_run": bool(request.POST.get("dry_run")),
        }
        context["chosen"] = chosen
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("请选择要导入的 MARC 文件。")
            return render(request, "catalog/marc_import.html", context, status=422)
        actor = Actor.of_request(request)
        with report_files.detail_file() as detail:
            try:
                report = marc_import(
                    actor=actor,
                    source=upload,
                    file_format=chosen["format"],
                    encoding=chosen["encoding"] or None,
                    on_duplicate=chosen["on_duplicate"],
                    dry_run=chosen["dry_run"],
                    detail=detail,
                )
            except DomainError as exc:
                context["error"] = exc.message
                return render(request, "catalog/marc_import.html", context, status=422)
            if report.rejected or report.warning_count:
                context["download"] = report_files.keep(report, request.user.pk)
        context["report"] = report
        context["rejected_shown"] = report.rejected[:REJECTED_ON_PAGE]
        context["rejected_more"] = max(0, len(report.rejected) - REJECTED_ON_PAGE)
        context["warning_kinds"] = [(label, f"{n:,}") for _kind, label, n in report.by_kind()]
        context["warning_count"] = f"{report.warning_count:,}"
        context["rejected_count"] = f"{len(report.rejected):,}"
        context["filename"] = upload.name
    return render(request, "catalog/marc_import.html", context)


@staff_required("catalog")
def marc_export_page(request: HttpRequest) -> HttpResponse:
    if "download" not in request.GET:
        return render(request, "catalog/marc_export.html", {})
    errors = []
    since = None
    if request.GET.get("since"):
        try:
            since = dt.date.fromisoformat(request.GET["since"])
        except ValueError:
            errors.append(_("日期格式应为 YYYY-MM-DD。"))
    bib_ids = None
    if request.GET.get("ids", "").strip():
        bib_ids = ids_param(request.GET["ids"])
        if bib_ids is None:
            errors.append(_("书目编号应为以逗号分隔的数字。"))
    fmt = request.GET.get("format", "marc21")
    if fmt not in ("marc21", "cnmarc"):
        errors.append(_("未知的格式。"))
    if errors:
        return render(
            request,
            "catalog/marc_export.html",
            {"errors": errors, "values": request.GET},
            status=422,
        )
    xml = request.GET.get("xml") == "1"
    exporter = Exporter(
        library=request.library,
        default_format=fmt,
        xml=xml,
        since=since,
        clc_prefix=request.GET.get("clc", ""),
        bib_ids=bib_ids,
    )
    response = StreamingHttpResponse(
        exporter.chunks(), content_type="application/xml" if xml else "application/marc"
    )
    name = f"shuxiang-{request.library.code}-{dt.date.today():%Y%m%d}.{'xml' if xml else 'mrc'}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
