"""The statistics pages (统计报表) under /staff/reports/: a period and a group chosen,
drill-down school → grade → class, every figure with its formula, numerator and
denominator, charts as SVG; the exports. Thin over `reports.report`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.core import clock
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.permissions import can
from shuxiang.reports import charts, metrics, report, rule_sets, selectors
from shuxiang.reports.models import RuleSet

PERIOD_CHOICES = (
    ("term", gettext_lazy("本学期")),
    ("school_year", gettext_lazy("本学年")),
    ("month", gettext_lazy("本月")),
    ("week", gettext_lazy("本周")),
)
WEEKDAYS = "一二三四五六日"


def _chosen(request: HttpRequest) -> tuple[metrics.Period, selectors.Group, list[str]]:
    """The period and group from the query string; bad input falls back to this term and
    the whole school, with the message shown."""
    library, today = request.library, clock.today()
    problems = []
    get = request.GET
    try:
        period = report.period_of(
            library,
            today,
            kind=get.get("period", ""),
            start=get.get("start", ""),
            end=get.get("end", ""),
        )
    except DomainError as error:
        problems.append(error.message)
        period = report.period_of(library, today)
    try:
        group = report.group_of(
            library, grade=get.get("grade", ""), class_name=get.get("class", "")
        )
    except DomainError as error:
        problems.append(error.message)
        group = selectors.Group()
    return period, group, problems


def _query(period: metrics.Period, **extra: Any) -> str:
    from urllib.parse import urlencode

    params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


def _rows_of(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures as rows: name, formula, value, numerator, denominator and
    the previous period's value."""
    figures, previous = found["figures"], found.get("previous")
    rows = []
    for key, (label, formula) in metrics.FORMULAS.items():
        rate = figures.get(key) if key != "overdue_rate" else found.get("overdue")
        if rate is None:
            continue
        before = previous.get(key) if previous and key != "overdue_rate" else None
        rows.append(
            {
                "key": key,
                "label": label,
                "formula": formula,
                "rate": rate,
                "previous": before,
                "trend": _trend(rate, before),
            }
        )
    return rows


def _trend(now: metrics.Rate, before: metrics.Rate | None) -> str:
    if before is None or now.value is None or before.value is None:
        return ""
    if now.value > before.value:
        return "↑"
    return "↓" if now.value < before.value else "→"


@staff_required("view_reports")
def index(request: HttpRequest) -> HttpResponse:
    """The statistics page: the chosen group's figures against the previous period, the
    grades or classes below it (click to drill down), the charts and tables."""
    library = request.library
    period, group, problems = _chosen(request)
    for problem in problems:
        messages.error(request, problem)
    found = report.build(library, period, group, clock.today())
    league = found["league"]
    if group.school_class is not None:
        league = [r for r in league if r["class"].pk == group.school_class.pk]
    if group.kind == "school":
        below = [{**g, "link": "?" + _query(period, grade=g["name"])} for g in found["grades"]]
        chart_rows = [
            (g["name"], float(g["loans_per_student"].rounded(2) or 0)) for g in found["grades"]
        ]
        chart_title = _("各年级生均借阅量")
    else:
        below = [{**r, "link": "?" + _query(period, **{"class": r["name"]})} for r in league]
        ordered = sorted(league, key=lambda r: r["class"].number)
        chart_rows = [(r["name"], float(r["loans_per_student"].rounded(2) or 0)) for r in ordered]
        chart_title = _("各班生均借阅量")
    hours = dict(found["busiest"]["hours"])
    days = dict(found["busiest"]["days"])
    from shuxiang.reports.exports import fees_text

    context = {
        **found,
        "fees_text": fees_text(found["fees"]),
        "rows": _rows_of(found),
        "below": below,
        "league": league,
        "period_choices": PERIOD_CHOICES,
        "chosen_kind": request.GET.get("period", "") if not request.GET.get("start") else "custom",
        "crumbs": _crumbs(library, period, group),
        "show_names": can(request.user, "view_patron_history"),
        "export_query": _query(
            period,
            grade=selectors.grade_label(library, group.grade) if group.grade else "",
            **{"class": group.school_class.name if group.school_class else ""},
        ),
        "chart_group": mark_safe(charts.bar_chart(chart_rows, title=chart_title, unit=_("册"))),  # noqa: S308
        "chart_balance": mark_safe(  # noqa: S308
            charts.paired_bars(
                [
                    (
                        r["clc"],
                        r["holdings_share"].rounded(1) or 0,
                        r["loans_share"].rounded(1) or 0,
                    )
                    for r in found["balance"]
                ],
                title=_("藏书与借阅的中图法大类结构"),
                legend=(_("藏书占比"), _("借阅占比")),
            )
        ),
        "chart_hours": mark_safe(  # noqa: S308
            charts.bar_chart(
                [(f"{h}:00", hours[h]) for h in sorted(hours)],
                title=_("各时段借书册次"),
                label_width=60,
            )
        ),
        "chart_days": mark_safe(  # noqa: S308
            charts.bar_chart(
                [(_("星期") + WEEKDAYS[d - 1], days[d]) for d in sorted(days)],
                title=_("星期几借书最多"),
                label_width=70,
            )
        ),
    }
    return render(request, "reports/index.html", context)


def _crumbs(library: Any, period: metrics.Period, group: selectors.Group) -> list[dict]:
    crumbs = [{"label": library.school_name or library.name, "link": "?" + _query(period)}]
    if group.grade:
        name = selectors.grade_label(library, group.grade)
        crumbs.append({"label": name, "link": "?" + _query(period, grade=name)})
    if group.school_class is not None:
        crumbs.append({"label": group.school_class.name, "link": ""})
    return crumbs


@staff_required("view_reports")
def xlsx(request: HttpRequest) -> HttpResponse:
    from shuxiang.reports import exports

    period, group, _problems = _chosen(request)
    found = report.build(request.library, period, group, clock.today())
    response = HttpResponse(
        exports.xlsx(found),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="report-{period.start}-{period.end}.xlsx"'
    )
    return response


@staff_required("view_reports")
def pdf(request: HttpRequest) -> HttpResponse:
    from shuxiang.reports import exports

    period, group, _problems = _chosen(request)
    found = report.build(request.library, period, group, clock.today())
    response = HttpResponse(exports.pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{period.start}-{period.end}.pdf"'
    return response


@staff_required("manage_settings")
def settings_page(request: HttpRequest) -> HttpResponse:
    """统计设置: the school level, the standard, the definition of 借书率, publishing."""
    from django.shortcuts import redirect

    from shuxiang.core.audit import Actor
    from shuxiang.core.models import AuditEvent
    from shuxiang.reports import services
    from shuxiang.reports.models import ReportSettings

    current = selectors.settings_of(request.library)
    if request.method == "POST":
        try:
            services.report_settings_update(
                actor=Actor(
                    library=request.library, user=request.user, channel=AuditEvent.Channel.WEB
                ),
                school_level=request.POST.get("school_level", ""),
                standard=request.POST.get("standard", ""),
                borrowing_rate_basis=request.POST.get("borrowing_rate_basis", ""),
                published=request.POST.get("published") == "on",
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("统计设置已保存。"))
            return redirect("reports:settings")
    return render(
        request,
        "reports/settings.html",
        {
            "current": current,
            "levels": ReportSettings.Level.choices,
            "bases": ReportSettings.Basis.choices,
            "standards": [
                (code, s["name"]) for code, s in rule_sets.available(request.library).items()
            ],
            "own_rule_sets": RuleSet.objects.filter(library=request.library).order_by("name"),
            "built_in": rule_sets.built_in(),
            "guessed_level": rule_sets.LEVEL_LABELS.get(
                selectors.level_of(request.library), selectors.level_of(request.library)
            ),
        },
    )


def _actor(request: HttpRequest) -> Any:
    from shuxiang.core.audit import Actor
    from shuxiang.core.models import AuditEvent

    return Actor(library=request.library, user=request.user, channel=AuditEvent.Channel.WEB)


@staff_required("manage_settings")
def rule_set_upload(request: HttpRequest) -> HttpResponse:
    """上传标准文件: a provincial rule set of the library's own, checked before it is kept."""
    from django.shortcuts import redirect

    from shuxiang.reports import services

    if request.method != "POST":
        return redirect("reports:settings")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择标准文件（JSON）。"))
        return redirect("reports:settings")
    content = upload.read(rule_sets.MAX_FILE_BYTES + 1)
    try:
        rule_set = services.rule_set_upload(actor=_actor(request), content=content)
    except DomainError as error:
        messages.error(request, _("标准文件未能导入：%(reason)s") % {"reason": error.message})
    else:
        messages.success(
            request,
            _("已导入标准“%(name)s”，可在上方“对照标准”中选用。") % {"name": rule_set.name},
        )
    return redirect("reports:settings")


@staff_required("manage_settings")
def rule_set_delete(request: HttpRequest, code: str) -> HttpResponse:
    from django.shortcuts import redirect

    from shuxiang.reports import services

    if request.method == "POST":
        try:
            services.rule_set_delete(actor=_actor(request), code=code)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已删除自定义标准。"))
    return redirect("reports:settings")


@staff_required("view_reports")
def rule_set_file(request: HttpRequest, code: str) -> HttpResponse:
    """A rule set as a JSON file in the format it is loaded in, to copy and edit."""
    import json

    from django.http import Http404

    found = rule_sets.available(request.library).get(code)
    if found is None:
        raise Http404
    data = rule_sets.as_file(found)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{code}.json"'
    return response


def public(request: HttpRequest, code: str) -> HttpResponse:
    """The statistics page a librarian publishes to the campus network (上传到校园网): this
    term's class league, new arrivals and opening hours — no reader's name. Not published:
    404."""
    from django.http import Http404

    from shuxiang.core.models import Library
    from shuxiang.core.selectors import opening_hours

    library = Library.objects.filter(code=code).first()
    if library is None or not selectors.settings_of(library).published:
        raise Http404
    today = clock.today()
    period = metrics.period_for("term", today, terms=selectors.terms_of(library))
    so_far = metrics.Period(period.kind, period.start, min(period.end, today), period.label)
    return render(
        request,
        "reports/public.html",
        {
            "library": library,
            "period": so_far,
            "league": selectors.class_league(library, so_far),
            "new_arrivals": selectors.new_arrivals(library, today),
            "opening_hours": opening_hours(library),
        },
    )


@staff_required("view_reports")
def inspection(request: HttpRequest) -> HttpResponse:
    """迎检材料 as one workbook, for the chosen period (this school year by default)."""
    from shuxiang.reports import exports

    library, today = request.library, clock.today()
    if request.GET.get("start") or request.GET.get("period"):
        period = _chosen(request)[0]
    else:
        period = metrics.period_for("school_year", today)
    found = report.build(library, period, selectors.Group(), today)
    _start, end = selectors.bounds(library, period)
    data = exports.inspection_xlsx(
        found,
        selectors.holdings_table(library, end),
        selectors.accessions_by_year(library),
        selectors.gone_by_year(library),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="inspection-{period.start}-{period.end}.xlsx"'
    )
    return response


@staff_required("view_reports")
def term_summary(request: HttpRequest) -> HttpResponse:
    """学期工作总结（数据部分）, an editable .docx for the librarian to finish in Word."""
    from shuxiang.reports import exports

    period, group, _problems = _chosen(request)
    found = report.build(request.library, period, group, clock.today())
    response = HttpResponse(
        exports.term_summary_docx(found),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="term-summary-{period.start}.docx"'
    return response


# -- the ledgers (三帐一簿) -----------------------------------------------------------------

LEDGERS = (
    ("general", gettext_lazy("总帐")),
    ("classified", gettext_lazy("分类帐")),
    ("losses", gettext_lazy("报损帐")),
    ("loans", gettext_lazy("借阅登记")),
)
LEDGER_PAGE_SIZE = 100
LONGEST_SPAN_DAYS = 366


def _ledger_year(request: HttpRequest, problems: list[str]) -> int:
    today = clock.today()
    text = request.GET.get("year", "").strip()
    if not text:
        return today.year
    if text.isdigit() and 1949 <= int(text) <= today.year + 1:
        return int(text)
    problems.append(
        _("年度应为 1949 至 %(last)s 之间的年份：%(value)s")
        % {"last": today.year + 1, "value": text[:20]}
    )
    return today.year


def _ledger_span(request: HttpRequest, name: str, problems: list[str]) -> tuple:
    """The span of the loss ledger (a year by default) or the loan register (this month
    so far by default): start and end days, at most a year apart."""
    import datetime as dt

    today = clock.today()
    if name == "losses":
        year = _ledger_year(request, problems)
        default = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    else:
        default = (today.replace(day=1), today)
    start, end = request.GET.get("start", ""), request.GET.get("end", "")
    if not (start or end):
        return default
    try:
        period = report.period_of(request.library, today, start=start, end=end)
    except DomainError as error:
        problems.append(error.message)
        return default
    if period.days > LONGEST_SPAN_DAYS:
        problems.append(_("一次最多查询 366 天，请缩短期间。"))
        return default
    return period.start, period.end


def _ledger_doc(request: HttpRequest, name: str, problems: list[str], *, paged: bool) -> tuple:
    """The ledger asked for, the page of the loan register or loss ledger (when `paged`)
    and the query string that asks for the same ledger again."""
    from urllib.parse import urlencode

    from django.core.paginator import Paginator

    from shuxiang.reports import exports, ledgers

    library = request.library
    page = None
    if name in ("general", "classified"):
        year = _ledger_year(request, problems)
        build = exports.general_ledger_doc if name == "general" else exports.classified_ledger_doc
        return build(library, year), page, urlencode({"year": year}), {"year": year}
    start, end = _ledger_span(request, name, problems)
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    chosen = {"start": start, "end": end}
    if name == "losses":
        rows = ledgers.loss_rows(library, start, end)
        if paged:
            page = Paginator(rows, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
            rows = page.object_list
        return exports.loss_ledger_doc(library, start, end, rows), page, query, chosen
    rows = ledgers.loan_rows(library, start, end)
    count = rows.count()
    if paged:
        page = Paginator(rows, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = page.object_list
    else:
        rows = rows[: exports.LOAN_PDF_LIMIT]
    doc = exports.loan_register_doc(
        library, start, end, rows, names=can(request.user, "view_patron_history"), count=count
    )
    if not paged and count > exports.LOAN_PDF_LIMIT:
        doc.note = _(
            "本期共 %(n)s 册次，PDF 只列出前 %(limit)s 条；完整的借阅登记请导出 Excel，或缩短期间后打印。"
        ) % {"n": f"{count:,}", "limit": f"{exports.LOAN_PDF_LIMIT:,}"}
    return doc, page, query, chosen


def _ledger_name(name: str) -> str:
    from django.http import Http404

    if name not in dict(LEDGERS):
        raise Http404
    return name


@staff_required("view_reports")
def ledger(request: HttpRequest, name: str) -> HttpResponse:
    """A ledger on screen (printable: the print stylesheet drops the forms and links),
    with its PDF and xlsx; the loan register and the loss ledger a page at a time."""
    from shuxiang.reports import exports

    name = _ledger_name(name)
    problems: list[str] = []
    doc, page, query, chosen = _ledger_doc(request, name, problems, paged=True)
    for problem in problems:
        messages.error(request, problem)
    tables = []
    for table in doc.tables:
        numeric = {i for row in table.rows[:1] for i, v in enumerate(row) if exports.is_number(v)}
        rows, day = [], None
        for row in table.rows:
            if table.day_breaks and row[0] != day:
                day = row[0]
                rows.append({"day": exports.shown(day), "cells": []})
            rows.append({"cells": [(exports.shown(v), i in numeric) for i, v in enumerate(row)]})
        tables.append(
            {
                "heading": table.heading,
                "headers": table.headers,
                "rows": rows,
                "total": [
                    (exports.shown(v), i in numeric) for i, v in enumerate(table.total or [])
                ],
                "span": len(table.headers),
            }
        )
    return render(
        request,
        "reports/ledger.html",
        {
            "doc": doc,
            "name": name,
            "ledgers": LEDGERS,
            "tables": tables,
            "page": page,
            "query": query,
            "chosen": chosen,
            "this_year": clock.today().year,
        },
    )


@staff_required("view_reports")
def ledger_xlsx(request: HttpRequest, name: str) -> HttpResponse:
    from shuxiang.reports import exports, ledgers

    name = _ledger_name(name)
    problems: list[str] = []
    if name == "loans":
        start, end = _ledger_span(request, name, problems)
        data = exports.loan_register_xlsx(
            request.library,
            start,
            end,
            ledgers.loan_rows(request.library, start, end).iterator(chunk_size=2000),
            names=can(request.user, "view_patron_history"),
        )
        stem = f"loans-{start}-{end}"
    else:
        doc, _page, query, chosen = _ledger_doc(request, name, problems, paged=False)
        data = exports.ledger_xlsx(doc)
        stem = f"{name}-" + "-".join(str(v) for v in chosen.values())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


@staff_required("view_reports")
def ledger_pdf(request: HttpRequest, name: str) -> HttpResponse:
    from shuxiang.reports import exports

    name = _ledger_name(name)
    doc, _page, _query, chosen = _ledger_doc(request, name, [], paged=False)
    stem = f"{name}-" + "-".join(str(v) for v in chosen.values())
    response = HttpResponse(exports.ledger_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{stem}.pdf"'
    return response


# -- recommended reading lists -------------------------------------------------------------


@staff_required("view_reports")
def reading_lists_page(request: HttpRequest) -> HttpResponse:
    """推荐书目: the lists imported, and (for whoever catalogs) the form that imports one."""
    from django.shortcuts import redirect

    from shuxiang.reports import services
    from shuxiang.reports.models import ReadingList

    may_import = can(request.user, "catalog")
    if request.method == "POST":
        if not may_import:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择书目文件（xlsx 或 csv）。"))
        else:
            try:
                reading_list, found = services.reading_list_import(
                    actor=_actor(request),
                    name=request.POST.get("name", ""),
                    content=upload.read(),
                    filename=upload.name,
                    replace=request.POST.get("replace") == "on",
                )
            except DomainError as error:
                messages.error(request, _("书目未能导入：%(reason)s") % {"reason": error.message})
            else:
                messages.success(
                    request,
                    _("已导入“%(name)s”：%(n)s 种。")
                    % {"name": reading_list.name, "n": len(found.rows)},
                )
                for row, reason in [*found.refused, *found.notes][:50]:
                    messages.warning(
                        request, _("第 %(row)s 行：%(reason)s") % {"row": row, "reason": reason}
                    )
                return redirect("reports:reading_list", reading_list.pk)
    lists = (
        ReadingList.objects.filter(library=request.library)
        .annotate(n=Count("entries"))
        .order_by("-imported_at")
    )
    return render(request, "reports/reading_lists.html", {"lists": lists, "may_import": may_import})


def _reading_list_of(request: HttpRequest, list_id: int) -> Any:
    from django.shortcuts import get_object_or_404

    from shuxiang.reports.models import ReadingList

    return get_object_or_404(ReadingList, library=request.library, pk=list_id)


def _coverage(request: HttpRequest, reading_list: Any) -> tuple:
    from shuxiang.reports import reading_lists

    period, _group, problems = _chosen(request)
    start, end = selectors.bounds(request.library, period)
    return reading_lists.coverage(request.library, reading_list, start, end), period, problems


@staff_required("view_reports")
def reading_list_page(request: HttpRequest, list_id: int) -> HttpResponse:
    """How many titles of a list the library holds and lends in the period, by category,
    with a chart; the titles missing (the purchase list)."""
    reading_list = _reading_list_of(request, list_id)
    found, period, problems = _coverage(request, reading_list)
    for problem in problems:
        messages.error(request, problem)
    chart = charts.paired_bars(
        [
            (
                c.category,
                metrics.share(c.held, c.titles).rounded(1) or 0,
                metrics.share(c.lent, c.titles).rounded(1) or 0,
            )
            for c in [*found["categories"], found["total"]]
        ],
        title=_("各类别馆藏覆盖率与借阅覆盖率"),
        legend=(_("馆藏覆盖率"), _("借阅覆盖率")),
        label_width=110,
    )
    rows = [
        {
            "c": c,
            "held_share": metrics.share(c.held, c.titles),
            "lent_share": metrics.share(c.lent, c.titles),
        }
        for c in [*found["categories"], found["total"]]
    ]
    return render(
        request,
        "reports/reading_list.html",
        {
            "reading_list": reading_list,
            "found": found,
            "rows": rows,
            "period": period,
            "period_choices": PERIOD_CHOICES,
            "query": _query(period),
            "chart": mark_safe(chart),  # noqa: S308 (charts escapes every label)
            "may_import": can(request.user, "catalog"),
        },
    )


@staff_required("view_reports")
def reading_list_xlsx(request: HttpRequest, list_id: int) -> HttpResponse:
    from shuxiang.reports import exports

    reading_list = _reading_list_of(request, list_id)
    found, period, _problems = _coverage(request, reading_list)
    response = HttpResponse(
        exports.reading_list_xlsx(reading_list, found, period),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="reading-list-{reading_list.pk}.xlsx"'
    return response


@staff_required("catalog")
def reading_list_action(request: HttpRequest, list_id: int, action: str) -> HttpResponse:
    """Match a list to the catalog again, or delete it (POST)."""
    from django.shortcuts import redirect

    from shuxiang.reports import services

    if action not in ("match", "delete"):
        from django.http import Http404

        raise Http404
    # Another school's list (or none) is not found, as on the list's own page.
    _reading_list_of(request, list_id)
    if request.method != "POST":
        return redirect("reports:reading_list", list_id)
    try:
        if action == "match":
            n = services.reading_list_match(actor=_actor(request), list_id=list_id)
            messages.success(request, _("已重新匹配：%(n)s 种在馆藏目录中找到。") % {"n": n})
        else:
            services.reading_list_delete(actor=_actor(request), list_id=list_id)
            messages.success(request, _("已删除推荐书目。"))
            return redirect("reports:reading_lists")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("reports:reading_list", list_id)
