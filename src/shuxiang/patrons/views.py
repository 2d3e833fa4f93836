"""Staff pages for readers and classes: thin adapters over selectors and services."""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core import audit, clock, permissions
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, NotFound
from shuxiang.core.params import int_param
from shuxiang.patrons import cards, grades, obligations, roster, selectors, services, uploads
from shuxiang.patrons.models import Patron

UPLOAD_MAX = 10 * 1024 * 1024


def login_and_library(view: Any) -> Any:
    """A page whose access is decided per object (a class, a reader) by permissions.py."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.library is None:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapped


def _class_scope(request: HttpRequest) -> set[int] | None:
    """None for librarians (every reader); a student assistant's own classes otherwise."""
    if permissions.can(request.user, "circulate_any_class") or permissions.can(
        request.user, "manage_patrons"
    ):
        return None
    return permissions.assisted_class_ids(request.user)


@staff_required("circulate")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = (
        selectors.patrons_search(request.library.pk, query, class_ids=_class_scope(request))
        if query
        else []
    )
    return render(request, "patrons/search.html", {"query": query, "results": results})


@staff_required("circulate")
def classes(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("year")
    rows = selectors.classes_of_year(
        request.library, int(year) if year and year.isdigit() else None
    )
    if not permissions.can(request.user, "circulate_any_class"):
        rows = rows.filter(pk__in=permissions.assisted_class_ids(request.user))
    return render(
        request,
        "patrons/classes.html",
        {
            "classes": rows,
            "year": int(year) if year and year.isdigit() else request.library.current_school_year,
        },
    )


@login_and_library
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_get(request.library.pk, class_id)
    if not permissions.can_view_class(request.user, school_class):
        raise PermissionDenied
    if request.method == "POST":
        if not permissions.can(request.user, "manage_patrons"):
            raise PermissionDenied
        try:
            services.class_set_staff(
                actor=Actor.of_request(request),
                class_id=school_class.pk,
                homeroom_card=request.POST.get("homeroom", ""),
                assistant_cards=request.POST.get("assistants", "")
                .replace("，", ",")
                .replace(" ", ",")
                .split(","),
            )
            messages.success(request, _("已保存班主任和班级图书管理员。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("patrons:class_detail", class_id=school_class.pk)
    lines = selectors.class_roster(school_class)
    may_see_loans = permissions.can_view_class_reading(
        request.user, school_class
    ) or permissions.can_circulate_for(request.user, class_id=school_class.pk)
    loans = (
        list(obligations.open_loans(request.library, school_class_id=school_class.pk))
        if may_see_loans
        else None
    )
    if loans:
        services.class_loans_view_record(
            actor=Actor.of_request(request),
            school_class=school_class,
            where="class_page",
            readers=len({loan.patron_id for loan in loans}),
        )
    return render(
        request,
        "patrons/class_detail.html",
        {
            "school_class": school_class,
            "lines": lines,
            "loans": loans,
            "overdue_total": sum(line.overdue for line in lines),
            "open_total": sum(line.open_loans for line in lines),
            "assistants": school_class.assistants.all(),
            "may_manage": permissions.can(request.user, "manage_patrons"),
            "today": clock.today(),
        },
    )


@staff_required("manage_patrons")
def class_cards(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = selectors.class_get(request.library.pk, class_id)
    patrons = [
        line.patron
        for line in selectors.class_roster(school_class)
        if line.patron.status in (Patron.Status.ACTIVE, Patron.Status.BLOCKED)
        and not line.patron.departure
    ]
    wanted = request.GET.get("patron")
    if wanted and wanted.isdigit():
        patrons = [p for p in patrons if p.pk == int(wanted)]
    data = cards.cards_pdf(
        [cards.card_data(p, request.library) for p in patrons], title=school_class.name
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''cards-{school_class.pk}.pdf"
    return response


@login_and_library
def patron_detail(request: HttpRequest, patron_id: int) -> HttpResponse:
    patron = selectors.patron_get(request.library.pk, patron_id)
    if not permissions.can_view_patron(request.user, patron):
        raise PermissionDenied
    loans = list(obligations.open_loans(request.library, patron_ids=[patron.pk]))
    is_self = getattr(permissions.patron_of(request.user), "pk", None) == patron.pk
    if not is_self:
        services.loans_view_record(
            actor=Actor.of_request(request), patron=patron, where="reader_page"
        )
    return render(
        request,
        "patrons/patron_detail.html",
        {
            "patron": patron,
            "loans": loans,
            "retired": patron.retired_cards.all(),
            "may_manage": permissions.can(request.user, "manage_patrons"),
            "may_history": permissions.can_view_history(request.user, patron),
            "is_self": is_self,
        },
    )


@login_and_library
def patron_history(request: HttpRequest, patron_id: int) -> HttpResponse:
    patron = selectors.patron_get(request.library.pk, patron_id)
    if not permissions.can_view_history(request.user, patron):
        raise PermissionDenied
    if getattr(permissions.patron_of(request.user), "pk", None) != patron.pk:
        services.history_view_record(actor=Actor.of_request(request), patron=patron)
    return render(
        request,
        "patrons/history.html",
        {"patron": patron, "loans": selectors.patron_history(patron)[:500]},
    )


@login_and_library
def patron_export(request: HttpRequest, patron_id: int) -> HttpResponse:
    """The reader's own data as JSON (for the reader, or the librarian on their behalf)."""
    patron = selectors.patron_get(request.library.pk, patron_id)
    is_self = getattr(permissions.patron_of(request.user), "pk", None) == patron.pk
    if not (is_self or permissions.can(request.user, "manage_patrons")):
        raise PermissionDenied
    data = selectors.patron_export_data(patron)
    audit.record(Actor.of_request(request), "patron.export", patron)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f"attachment; filename=reader-{patron.card_number}.json"
    return response


@require_POST
@staff_required("manage_patrons")
def patron_action(request: HttpRequest, patron_id: int) -> HttpResponse:
    actor = Actor.of_request(request)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    try:
        if action == "block":
            services.patron_set_status(
                actor=actor, patron_id=patron_id, status="blocked", reason=reason
            )
            messages.success(request, _("已停借。"))
        elif action == "unblock":
            services.patron_set_status(actor=actor, patron_id=patron_id, status="active")
            messages.success(request, _("已恢复借阅。"))
        elif action == "lost":
            patron = services.card_report_lost(
                actor=actor, patron_id=patron_id, new_card=request.POST.get("new_card")
            )
            messages.success(
                request, _("已挂失，新借书证号：%(card)s") % {"card": patron.card_number}
            )
        elif action in ("left", "graduated"):
            patron = services.patron_depart(
                actor=actor, patron_id=patron_id, kind=action, reason=reason
            )
            if patron.departure:
                messages.warning(request, _("尚有未还图书或欠费，已列入离校清还名单。"))
            else:
                messages.success(request, _("已办理离校。"))
        elif action == "keep_history":
            keep = request.POST.get("keep") == "1"
            services.patron_set_keep_history(actor=actor, patron_id=patron_id, keep=keep)
            messages.success(request, _("已保存。"))
        else:
            raise PermissionDenied
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("patrons:patron_detail", patron_id=patron_id)


# -- roster import ----------------------------------------------------------------------


@staff_required("manage_patrons")
def roster_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        roster.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E8%8A%B1%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@staff_required("manage_patrons")
def roster_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (a dry run of the upload, kept in memory) → confirm (the real run
    of the kept columns)."""
    context: dict[str, Any] = {"system": grades.system(request.library.grade_system)}
    if request.method != "POST":
        return render(request, "patrons/import.html", context)
    create_classes = request.POST.get("create_classes") == "1"
    token = request.POST.get("token", "")
    token = token if uploads.is_token(token) else ""
    if request.POST.get("cancel") == "1":
        if token:
            uploads.forget(token)
        messages.info(request, _("已取消，预览用的名单已删除。"))
        return redirect("patrons:import")
    upload = request.FILES.get("file")
    if upload is not None:
        uploads.sweep()
        if upload.size > UPLOAD_MAX:
            messages.error(request, _("文件太大（最多 10 MB）。"))
            return render(request, "patrons/import.html", context)
        content, filename, kept, confirm = upload.read(), upload.name[:200], False, False
    else:
        found = uploads.load(token) if token else None
        if found is None:
            messages.error(request, _("请先选择要导入的文件（预览已过期或已取消）。"))
            return render(request, "patrons/import.html", context)
        (content, filename), kept = found, True
        confirm = request.POST.get("confirm") == "1"
    try:
        report = services.roster_import(
            actor=Actor.of_request(request),
            content=content,
            filename=filename,
            dry_run=not confirm,
            create_classes=create_classes,
            kept=kept,
        )
    except roster.RosterError as exc:
        messages.error(
            request, _("无法导入 %(file)s：%(error)s") % {"file": filename, "error": exc}
        )
        return render(request, "patrons/import.html", context)
    if confirm:
        uploads.forget(token)
    elif upload is not None:
        token = uploads.keep(report.kept_csv, filename)
    context.update(
        {"report": report, "token": token, "filename": filename, "create_classes": create_classes}
    )
    return render(request, "patrons/import.html", context)


# -- the school year --------------------------------------------------------------------


@staff_required("manage_patrons")
def promote(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        year = request.POST.get("from_year", "")
        try:
            run = services.classes_promote(
                actor=Actor.of_request(request), from_year=int(year) if year.isdigit() else None
            )
            messages.success(
                request,
                _(
                    "已升级到 %(year)s 学年：新建班级 %(c)s 个，升级学生 %(m)s 人，毕业 %(g)s 人，待清还 %(p)s 人。"
                )
                % {
                    "year": run.to_year,
                    "c": run.classes_created,
                    "m": run.students_moved,
                    "g": run.students_graduated,
                    "p": run.students_pending,
                },
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("patrons:promote")
    preview = services.promotion_preview(request.library)
    return render(request, "patrons/promote.html", {"preview": preview})


@staff_required("manage_patrons")
def clearance(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("action") == "waive":
                patron = services.clearance_waive(
                    actor=Actor.of_request(request),
                    patron_id=int_param(request.POST.get("patron"), default=0),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("已豁免 %(name)s 的离校清还。") % {"name": patron.name})
            else:
                cleared = services.graduation_clearance(actor=Actor.of_request(request))
                messages.success(request, _("已为 %(n)s 位还清的读者办理离校。") % {"n": cleared})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("patrons:clearance")
    return render(
        request, "patrons/clearance.html", {"groups": selectors.clearance_list(request.library)}
    )


@staff_required("manage_patrons")
def reader_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.reader_settings(request.library)
    if request.method == "POST":
        years = request.POST.get("anonymize_after_years", "")
        try:
            services.reader_settings_update(
                actor=Actor.of_request(request),
                homeroom_sees_history=request.POST.get("homeroom_sees_history") == "1",
                anonymize_after_years=int(years) if years.isdigit() else -1,
            )
            messages.success(request, _("已保存。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("patrons:settings")
    return render(request, "patrons/settings.html", {"settings": current})
