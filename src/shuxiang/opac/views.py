"""The public site (公共目录): home, search results, a title's record, the loan rules, and
the reader's own pages (我的借阅, 借阅历史). Thin adapters: the search engine answers
searches, circulation's services place and cancel holds and renew, patrons' service
switches the reading history, opac's services keep the notices."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shuxiang.catalog.selectors import new_arrivals
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.params import int_param
from shuxiang.core.permissions import patron_of
from shuxiang.core.selectors import opening_hours
from shuxiang.opac import search_params, selectors

SUGGESTIONS = 8
RELATED = 6


def home(request: HttpRequest) -> HttpResponse:
    library = request.library
    context = {
        "hours": opening_hours(library) if library else [],
        "arrivals": new_arrivals(library, limit=12) if library else [],
        "notices": selectors.public_notices(library, today=clock.today()),
        "has_rules": selectors.loan_rules(library) is not None,
        "fields": _fields(),
    }
    return render(request, "opac/home.html", context)


def _fields() -> list[tuple[str, str]]:
    return [
        ("anywhere", _("任意词")),
        ("title", _("题名")),
        ("author", _("著者")),
        ("subject", _("主题词")),
        ("series", _("丛书")),
        ("publisher", _("出版社")),
        ("isbn", "ISBN"),
        ("clc", _("分类号")),
    ]


# -- searching ---------------------------------------------------------------------------


def search(request: HttpRequest) -> HttpResponse:
    """/search/: one page of results with facets; a bad value in the address is named
    and dropped (400), never a server error."""
    from shuxiang.catalog import clc
    from shuxiang.catalog.models import Bib
    from shuxiang.search import engine

    library = request.library
    locations = selectors.location_names(library)
    wanted = search_params.parse(
        request.GET,
        main_classes=clc.MAIN_CLASSES,
        material_types=Bib.MaterialType.values,
        location_ids=locations,
    )
    problems = list(wanted.problems)
    result = None
    if library is not None and (wanted.q or wanted.has_filters):
        try:
            result = engine.search(
                library,
                wanted.q,
                field=wanted.field,
                filters=wanted.filters,
                page=wanted.page,
                per_page=search_params.PER_PAGE,
            )
        except DomainError as exc:
            problems.append(exc.message)
    params = wanted.params
    context: dict[str, Any] = {
        "wanted": wanted,
        "fields": _fields(),
        "problems": problems,
        "result": result,
        "chips": search_params.chips(
            wanted,
            clc_caption=clc.caption,
            material_labels=dict(Bib.MaterialType.choices),
            location_labels=locations,
        ),
        "clear_url": search_params.address(
            {k: v for k, v in params.items() if k in ("q", "field")}
        ),
    }
    if result is not None:
        where = selectors.locations_of(library, [h.bib_id for h in result.hits])
        context["hits"] = [(hit, where.get(hit.bib_id, [])) for hit in result.hits]
        context["facets"] = search_params.facet_groups(result.facets, params)
        last = search_params.last_page(result.total)
        context["last_page"] = last
        context["first_shown"] = (wanted.page - 1) * search_params.PER_PAGE + 1
        context["last_shown"] = context["first_shown"] + len(result.hits) - 1
        context["pages"] = [
            (n, search_params.address(params, page=str(n)) if n else "")
            for n in search_params.pages_around(min(wanted.page, last), last)
        ]
        if wanted.page > 1:
            context["prev_url"] = search_params.address(
                params, page=str(min(wanted.page, last + 1) - 1)
            )
        if wanted.page < last:
            context["next_url"] = search_params.address(params, page=str(wanted.page + 1))
        if result.total and not result.hits:
            problems.append(
                _("第 %(page)s 页没有结果：共 %(last)s 页。") % {"page": wanted.page, "last": last}
            )
    status = 400 if wanted.problems else 200
    return render(request, "opac/results.html", context, status=status)


@require_GET
def suggest_json(request: HttpRequest) -> JsonResponse:
    """/suggest.json?q=: titles and authors beginning with what was typed (characters,
    pinyin or its initials), for the search box's list."""
    from shuxiang.search import engine

    typed = (request.GET.get("q") or "").strip()[: search_params.MAX_QUERY]
    if request.library is None or not typed:
        return JsonResponse([], safe=False)
    return JsonResponse(engine.suggest(request.library, typed, limit=SUGGESTIONS), safe=False)


# -- a title ---------------------------------------------------------------------------


def _class_number(value: str) -> str:
    """The class part of a CLC number (I287.5 of I287.5-49), which the search's class
    field matches as a prefix."""
    match = re.match(r"[A-Za-z]{1,2}[\d.]*", value.strip())
    return match.group(0).rstrip(".") if match else ""


def _class_query(number: str) -> str:
    """The class number as the search's class field takes it: without its points
    (I2424 for I242.4; the box's words are split at a point)."""
    return number.replace(".", "")


def _related(library: Any, bib_id: int, text: str, field: str) -> list[Any]:
    from shuxiang.search import engine

    if not text:
        return []
    try:
        found = engine.search(library, text, field=field, per_page=RELATED + 1, facets=False)
    except DomainError:
        return []
    return [h for h in found.hits if h.bib_id != bib_id][:RELATED]


def _reader(request: HttpRequest) -> Any:
    """The logged-in reader of this library, or None."""
    patron = patron_of(request.user)
    if patron is None or request.library is None or patron.library_id != request.library.pk:
        return None
    return patron


def record(request: HttpRequest, bib_id: int) -> HttpResponse:
    """/record/<id>/: a title with its copies (where, whether in, when due back — never
    who has it), its hold queue, and more by the author and in the class. A reader
    places a hold here (POST)."""
    from shuxiang.catalog import clc

    library = request.library
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.path)
    bib = selectors.public_bib(library, bib_id)
    if bib is None:
        raise Http404(_("没有这种书。"))
    if request.method == "POST":
        if request.POST.get("action") != "hold":
            messages.error(request, _("未知的操作。"))
            return redirect("opac:record", bib_id=bib.pk)
        return _hold_place(request, bib)
    patron = _reader(request)
    authors = [a.get("name", "") for a in bib.authors if isinstance(a, dict) and a.get("name")]
    copies = selectors.public_copies(library, bib)
    class_number = _class_number(bib.clc)
    context = {
        "bib": bib,
        "authors": authors,
        "copies": copies,
        "on_shelf": sum(1 for c in copies if c.status == "available"),
        "call_number": next((c.call_number for c in copies if c.call_number), ""),
        "queue": selectors.hold_queue_length(bib),
        "patron": patron,
        "my_hold": selectors.reader_hold_for(patron, bib) if patron else None,
        "class_caption": clc.caption(bib.clc) if bib.clc else "",
        "by_author": _related(library, bib.pk, authors[0] if authors else "", "author"),
        "in_class": _related(library, bib.pk, _class_query(class_number), "clc"),
        "class_number": class_number,
        "class_query": _class_query(class_number),
        "login_url": f"{reverse('core:login')}?next={request.path}",
    }
    return render(request, "opac/record.html", context)


def _hold_place(request: HttpRequest, bib: Any) -> HttpResponse:
    from shuxiang.circulation import services

    patron = _reader(request)
    if patron is None:
        raise PermissionDenied(_("只有读者可以预约；您的登录账号没有关联读者。"))
    try:
        services.hold_place(actor=Actor.of_request(request), card=patron.card_number, bib_id=bib.pk)
    except DomainError as exc:
        messages.error(request, _("未能预约：%(why)s") % {"why": exc.message})
    else:
        hold = selectors.reader_hold_for(patron, bib)
        messages.success(
            request,
            _("已预约《%(title)s》：排在第 %(position)s 位，共 %(queue)s 人。")
            % {
                "title": bib.title,
                "position": getattr(hold, "position", 1),
                "queue": getattr(hold, "queue", 1),
            },
        )
    return redirect("opac:record", bib_id=bib.pk)


def rules_page(request: HttpRequest) -> HttpResponse:
    """/rules/: the library's loan rules (借阅制度) as the librarian wrote them."""
    notice = selectors.loan_rules(request.library)
    library = request.library
    return render(
        request,
        "opac/rules.html",
        {"rules": notice, "hours": opening_hours(library) if library else []},
    )


# -- the reader's own ------------------------------------------------------------------


def _own_reader(request: HttpRequest) -> Any:
    patron = _reader(request)
    if patron is None:
        raise Http404(_("您的登录账号没有关联读者。"))
    return patron


def my_account(request: HttpRequest) -> HttpResponse:
    """我的借阅: a logged-in reader's loans, holds (with their place in the queue) and
    fees; they may renew a loan or cancel a hold here."""
    from shuxiang.circulation import services
    from shuxiang.circulation.selectors import patron_fees, patron_summary
    from shuxiang.core.permissions import homeroom_class_ids
    from shuxiang.patrons.models import SchoolClass

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    patron = _own_reader(request)
    if request.method == "POST":
        actor = Actor.of_request(request)
        try:
            if request.POST.get("action") == "renew":
                loan = services.loan_renew(actor=actor, barcode=request.POST.get("barcode", ""))
                messages.success(
                    request,
                    _("续借成功，新的应还日期 %(due)s。") % {"due": loan.due_date.isoformat()},
                )
            elif request.POST.get("action") == "cancel_hold":
                services.hold_cancel(
                    actor=actor, hold_id=int_param(request.POST.get("hold"), default=0)
                )
                messages.success(request, _("预约已取消。"))
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("opac:my_account")
    return render(
        request,
        "opac/my_account.html",
        {
            "summary": patron_summary(request.library, patron, today=clock.today()),
            "holds": selectors.reader_holds(patron),
            "fees": patron_fees(patron),
            # A homeroom teacher (班主任) reaches their class's page from here.
            "homeroom_classes": SchoolClass.objects.filter(
                pk__in=homeroom_class_ids(request.user)
            ).order_by("grade", "number"),
        },
    )


def my_history(request: HttpRequest) -> HttpResponse:
    """/my/history/: the reader's own finished loans, and the switch to keep none
    (finished loans are then anonymized at once, and after each return)."""
    from shuxiang.patrons import services

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    patron = _own_reader(request)
    if request.method == "POST":
        keep = request.POST.get("keep") == "1"
        try:
            services.patron_set_keep_history(
                actor=Actor.of_request(request), patron_id=patron.pk, keep=keep
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已开始保留借阅历史。")
                if keep
                else _("已不再保留借阅历史：已还图书的记录已匿名。"),
            )
        return redirect("opac:my_history")
    return render(
        request,
        "opac/my_history.html",
        {"patron": patron, "loans": selectors.reader_history(request.library, patron)},
    )


# -- the librarian's page for notices and rules ------------------------------------------


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


@staff_required("manage_settings")
def notices(request: HttpRequest) -> HttpResponse:
    """/staff/opac/notices/: the loan rules text, and the notices posted, drafted and
    retired, each editable."""
    from shuxiang.opac import services

    if request.method == "POST":
        actor = Actor.of_request(request)
        action = request.POST.get("action", "")
        notice_id = int_param(request.POST.get("notice"), default=0, minimum=0)
        title = request.POST.get("title", "")
        body = request.POST.get("body", "")
        raw_until = request.POST.get("show_until", "")
        show_until = _date(raw_until)
        pinned = request.POST.get("pinned") == "1"
        try:
            if raw_until.strip() and show_until is None:
                raise DomainError(_("“显示至”应为日期，例如 2026-10-31。"))
            if action == "rules":
                services.rules_update(actor=actor, title=title, body=body)
                messages.success(request, _("已保存借阅制度。"))
            elif action == "create":
                notice = services.notice_create(
                    actor=actor,
                    title=title,
                    body=body,
                    pinned=pinned,
                    published=request.POST.get("draft") != "1",
                    show_until=show_until,
                )
                messages.success(
                    request,
                    (
                        _("已发布公告“%(title)s”。")
                        if notice.published
                        else _("已保存草稿“%(title)s”。")
                    )
                    % {"title": notice.title},
                )
            elif action == "update":
                notice = services.notice_update(
                    actor=actor,
                    notice_id=notice_id,
                    title=title,
                    body=body,
                    pinned=pinned,
                    show_until=show_until,
                )
                messages.success(request, _("已保存公告“%(title)s”。") % {"title": notice.title})
            elif action == "retire":
                notice = services.notice_retire(actor=actor, notice_id=notice_id)
                messages.success(request, _("已撤下公告“%(title)s”。") % {"title": notice.title})
            elif action == "publish":
                notice = services.notice_publish(actor=actor, notice_id=notice_id)
                messages.success(request, _("已发布公告“%(title)s”。") % {"title": notice.title})
            else:
                raise DomainError(_("未知的操作。"))
        except DomainError as exc:
            # Keep what was typed: the form is shown again with the reason.
            return _notices_page(request, error=exc.message, typed=request.POST, status=exc.status)
        return redirect("opac:notices")
    return _notices_page(request)


def _notices_page(
    request: HttpRequest, *, error: str = "", typed: Any = None, status: int = 200
) -> HttpResponse:
    library = request.library
    editing = int_param(request.GET.get("edit"), default=0)
    notices_list = selectors.staff_notices(library)
    rules = selectors.rules_text(library)
    return render(
        request,
        "opac/notices_edit.html",
        {
            "notices": notices_list,
            "rules": rules,
            "editing": next((n for n in notices_list if n.pk == editing), None),
            "error": error,
            "typed": typed or {},
            "today": clock.today(),
        },
        status=status,
    )
