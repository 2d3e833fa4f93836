"""Staff search (检索): the catalog's search engine with the staff filters (a copy's
status, accession number, barcode prefix, date catalogued), every copy of each title with
its status, and from a title: its hold queue, a hold placed for a reader, and each copy's
loan history.

Who may use it: staff who catalog or who lend to every class (the librarian, the
school's admin). A student library assistant (班级图书管理员) may not: their role lends and
takes back for their own class, and sees only their own class's readers; the staff search
shows every copy's borrower and places holds for any reader. They search the public
catalog like any reader.

Borrowers are shown only to a login that may see the reader (core.permissions), and each
reader shown is a staff view of their loans, written to the audit log
(patrons.services.loans_view_record; a copy's returned loans are reading history,
history_view_record). An anonymized loan shows 已匿名读者.

Its URLs are included at /staff/search/ by the project's urls.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.catalog.models import Bib, Item
from shuxiang.circulation import services as circulation
from shuxiang.circulation.models import Hold, Loan
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.models import Location
from shuxiang.core.params import int_param
from shuxiang.core.permissions import can, can_view_history, can_view_patron
from shuxiang.patrons.models import Patron
from shuxiang.patrons.services import history_view_record, loans_view_record
from shuxiang.search import engine
from shuxiang.search.query import Filters

PER_PAGE = 20
MAX_PAGE = engine.MAX_OFFSET // PER_PAGE
COPIES_SHOWN = 8  # more copies of a title fold under "另 N 册"
HISTORY_LIMIT = 500

# --- who may use it ---------------------------------------------------------------------


def may_search(user: Any) -> bool:
    """Staff who catalog or who lend to every class: not a class's student assistant,
    not a teacher, a student or a school leader."""
    return can(user, "catalog") or can(user, "circulate_any_class")


def _staff_search(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in (else the login page) as staff who may search (else 403), as the other
    staff pages answer."""

    @staff_required("staff_access")
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_search(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- the query string -------------------------------------------------------------------

FIELD_LABELS = {
    "anywhere": gettext_lazy("任意字段"),
    "title": gettext_lazy("题名"),
    "author": gettext_lazy("著者"),
    "subject": gettext_lazy("主题词"),
    "series": gettext_lazy("丛书"),
    "publisher": gettext_lazy("出版社"),
    "isbn": gettext_lazy("ISBN"),
    "clc": gettext_lazy("分类号"),
}
# The keys a results page's address may carry, in the order it is written.
KEYS = (
    "q",
    "field",
    "status",
    "acc",
    "bc",
    "cat_from",
    "cat_to",
    "clc",
    "type",
    "year_from",
    "year_to",
    "loc",
    "avail",
    "page",
)
FILTER_KEYS = KEYS[2:-1]


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(forms.Form):
    """What a staff search's address may say; a value that does not fit is named in
    words and the search waits for it to be corrected."""

    q = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autofocus": True,
                "autocomplete": "off",
                "placeholder": gettext_lazy("题名、著者、ISBN、分类号……或扫描条码号、登录号"),
            }
        ),
    )
    field = forms.ChoiceField(required=False, choices=list(FIELD_LABELS.items()))
    status = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("任意状态")), *Item.Status.choices]
    )
    acc = forms.CharField(required=False, max_length=40, strip=True)
    bc = forms.CharField(required=False, max_length=40, strip=True)
    cat_from = forms.DateField(required=False, widget=DATE)
    cat_to = forms.DateField(required=False, widget=DATE)
    clc = forms.ChoiceField(required=False)
    type = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("全部类型")), *Bib.MaterialType.choices]
    )
    year_from = forms.IntegerField(required=False, min_value=1000, max_value=2100)
    year_to = forms.IntegerField(required=False, min_value=1000, max_value=2100)
    loc = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    avail = forms.ChoiceField(
        required=False,
        choices=[
            ("", gettext_lazy("不限")),
            ("1", gettext_lazy("在架可借")),
            ("0", gettext_lazy("暂无在架")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, data: Any, *, library: Any) -> None:
        super().__init__(data)
        from shuxiang.catalog import clc

        self.fields["clc"].choices = [("", _("全部大类"))] + [
            (letter, f"{letter} {clc.caption(letter)}") for letter in clc.MAIN_CLASSES
        ]
        self.fields["loc"].choices = [("", _("全部地点"))] + list(
            Location.objects.filter(library=library).order_by("code").values_list("pk", "name")
        )
        labels = {
            "q": _("检索词"),
            "field": _("检索字段"),
            "status": _("单册状态"),
            "acc": _("登录号"),
            "bc": _("条码号开头"),
            "cat_from": _("编目日期从"),
            "cat_to": _("编目日期到"),
            "clc": _("中图法大类"),
            "type": _("资料类型"),
            "year_from": _("出版年从"),
            "year_to": _("出版年到"),
            "loc": _("馆藏地点"),
            "avail": _("在架"),
            "page": _("页码"),
        }
        for name, label in labels.items():
            self.fields[name].label = label

    def filters(self) -> Filters:
        data = self.cleaned_data
        avail = data.get("avail")
        return Filters(
            clc_top=data.get("clc") or None,
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            material_type=data.get("type") or None,
            location_id=data.get("loc"),
            available=None if not avail else avail == "1",
            item_status=data.get("status") or None,
            accession_number=data.get("acc") or None,
            barcode_prefix=data.get("bc") or None,
            catalogued_from=data.get("cat_from"),
            catalogued_to=data.get("cat_to"),
        )

    def problems(self) -> list[str]:
        return [
            f"{self.fields[name].label}：{' '.join(errors)}" for name, errors in self.errors.items()
        ]


def _params(data: Any) -> dict[str, str]:
    """The address's non-empty values, in KEYS order."""
    return {k: str(data.get(k, "")).strip() for k in KEYS if str(data.get(k, "")).strip()}


def _address(params: dict[str, str], **changes: str | None) -> str:
    """This search's address with some values changed (None removes a key); any change
    but the page's goes back to page 1."""
    out = dict(params)
    if "page" not in changes:
        out.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            out.pop(key, None)
        else:
            out[key] = value
    ordered = [(k, out[k]) for k in KEYS if k in out]
    return "?" + urlencode(ordered) if ordered else "?"


# --- copies and borrowers -----------------------------------------------------------------


@dataclass
class CopyLine:
    item: Item
    loan: Loan | None = None
    borrower: str = ""  # class and name, for a login that may see the reader
    borrower_id: int | None = None  # the reader's page, where the login may open it
    overdue: bool = False
    highlight: bool = False

    @property
    def tag(self) -> str:
        """The status tag's colour class."""
        return STATUS_TAGS.get(self.item.status, "")


STATUS_TAGS = {
    Item.Status.AVAILABLE: "ok",
    Item.Status.ON_HOLD_SHELF: "warning",
    Item.Status.IN_TRANSIT: "warning",
    Item.Status.IN_REPAIR: "warning",
    Item.Status.MISSING: "error",
    Item.Status.LOST: "error",
    Item.Status.WITHDRAWN: "withdrawn",
}


@dataclass
class Viewed:
    """The readers a page showed, to write one audit event each."""

    loans: dict[int, Patron] = field(default_factory=dict)
    history: dict[int, Patron] = field(default_factory=dict)

    def record(self, actor: Actor, where: str) -> None:
        for patron in self.loans.values():
            loans_view_record(actor=actor, patron=patron, where=where)
        for patron in self.history.values():
            if patron.pk not in self.loans:
                history_view_record(actor=actor, patron=patron, where=where)


def _reader_words(patron: Patron, class_name: str = "") -> str:
    if patron.anonymous:
        return _("已匿名读者")
    name = class_name or (patron.school_class.name if patron.school_class_id else "")
    return f"{name} {patron.name}".strip()


def _copy_lines(user: Any, items: Iterable[Item], viewed: Viewed, today: dt.date) -> list[CopyLine]:
    """Each copy with its open loan; the borrower where the login may see the reader."""
    items = list(items)
    loans = {
        loan.item_id: loan
        for loan in Loan.objects.filter(
            item_id__in=[i.pk for i in items], status=Loan.Status.ON_LOAN
        ).select_related("patron__school_class", "school_class")
    }
    lines = []
    for item in items:
        line = CopyLine(item=item, loan=loans.get(item.pk))
        loan = line.loan
        if loan is not None:
            line.overdue = loan.due_date < today
            if loan.patron_id is None and loan.school_class_id:
                line.borrower = _("%(name)s（班级借阅）") % {"name": loan.school_class.name}
            elif loan.patron_id and can_view_patron(user, loan.patron):
                line.borrower = _reader_words(loan.patron)
                if not loan.patron.anonymous:
                    line.borrower_id = loan.patron_id
                    viewed.loans[loan.patron_id] = loan.patron
        lines.append(line)
    return lines


def _items_of(library: Any, bib_ids: list[int]) -> dict[int, list[Item]]:
    found: dict[int, list[Item]] = {b: [] for b in bib_ids}
    for item in (
        Item.objects.filter(library=library, bib_id__in=bib_ids)
        .select_related("location", "call_number")
        .order_by("barcode")
    ):
        found[item.bib_id].append(item)
    return found


def _matches(item: Item, filters: Filters) -> bool:
    """Does this copy meet the copy filters (so the results can point it out)?"""
    if not (filters.item_status or filters.accession_number or filters.barcode_prefix):
        return False
    return (
        (not filters.item_status or item.status == filters.item_status)
        and (not filters.accession_number or item.accession_number == filters.accession_number)
        and (not filters.barcode_prefix or item.barcode.startswith(filters.barcode_prefix))
    )


# --- the results page -------------------------------------------------------------------


def _scanned_copy(library: Any, text: str) -> Item | None:
    """A barcode or an accession number typed or scanned into the box: its copy."""
    if not text or len(text.split()) != 1:
        return None
    return (
        Item.objects.filter(library=library, barcode=text).first()
        or Item.objects.filter(library=library, accession_number=text).first()
    )


@_staff_search
def search(request: HttpRequest) -> HttpResponse:
    """The search box, the filters and the facets; each title found with every copy."""
    library = request.library
    form = SearchForm(request.GET, library=library)
    params = _params(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "params": params,
        "field_labels": FIELD_LABELS,
        "searched": False,
        "may_edit": can(request.user, "catalog"),
    }
    if not form.is_valid():
        context["problems"] = form.problems()
        return render(request, "opac/staff/search.html", context, status=400)
    data = form.cleaned_data
    text = data["q"]
    page_number = data["page"] or 1
    if page_number == 1 and (copy := _scanned_copy(library, text)) is not None:
        url = reverse("staff_search:record", args=[copy.bib_id])
        return redirect(f"{url}?copy={copy.pk}#copy-{copy.pk}")
    filters = form.filters()
    if not text and not any(k in params for k in FILTER_KEYS):
        return render(request, "opac/staff/search.html", context)
    try:
        result = engine.search(
            library,
            text,
            field=data["field"] or "anywhere",
            filters=filters,
            page=page_number,
            per_page=PER_PAGE,
            staff=True,
            facets=True,
        )
    except DomainError as exc:
        context["problems"] = [exc.message]
        return render(request, "opac/staff/search.html", context, status=400)
    viewed = Viewed()
    today = clock.today()
    items = _items_of(library, [h.bib_id for h in result.hits])
    materials = dict(Bib.MaterialType.choices)
    hits = []
    for hit in result.hits:
        lines = _copy_lines(request.user, items.get(hit.bib_id, []), viewed, today)
        for line in lines:
            line.highlight = _matches(line.item, filters)
        meta = [
            "、".join(hit.authors),
            hit.publisher,
            str(hit.year or ""),
            f"ISBN {hit.isbn}" if hit.isbn else "",
            str(materials.get(hit.material_type, hit.material_type)),
        ]
        hits.append(
            {
                "hit": hit,
                "meta": [part for part in meta if part],
                "copies": lines[:COPIES_SHOWN],
                "more": lines[COPIES_SHOWN:],
            }
        )
    viewed.record(Actor.of_request(request), "staff_search")
    pages = max(1, min(MAX_PAGE, -(-result.total // PER_PAGE)))
    context.update(
        searched=True,
        result=result,
        hits=hits,
        page=page_number,
        pages=pages,
        previous=_address(params, page=str(page_number - 1)) if page_number > 1 else "",
        next=_address(params, page=str(page_number + 1)) if page_number < pages else "",
        facets=_facet_links(result.facets, params),
        chips=_chips(form, params),
        today=today,
    )
    return render(request, "opac/staff/search.html", context)


FACETS = (
    ("clc", "clc", gettext_lazy("中图法大类")),
    ("material_type", "type", gettext_lazy("资料类型")),
    ("location", "loc", gettext_lazy("馆藏地点")),
    ("available", "avail", gettext_lazy("在架")),
    ("year", "year", gettext_lazy("出版年")),
)
YEARS_SHOWN = 10


def _facet_links(facets: dict[str, list[Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    groups = []
    for name, key, label in FACETS:
        values = facets.get(name) or []
        if name == "year":
            values = values[:YEARS_SHOWN]
        links = []
        for value in values:
            if key == "year":
                chosen = params.get("year_from") == params.get("year_to") == value.value
                url = _address(params, year_from=value.value, year_to=value.value)
            else:
                chosen = params.get(key) == value.value
                url = _address(params, **{key: value.value})
            links.append(
                {
                    "label": value.label,
                    "count": f"{value.count}+" if value.capped else str(value.count),
                    "url": url,
                    "chosen": chosen,
                }
            )
        if links:
            groups.append({"label": label, "links": links})
    return groups


def _chips(form: SearchForm, params: dict[str, str]) -> list[dict[str, str]]:
    """The filters in force, each with the address without it."""
    chips = []
    for key in FILTER_KEYS:
        if key not in params:
            continue
        field_ = form.fields[key]
        value = params[key]
        choices = dict((str(k), v) for k, v in getattr(field_, "choices", []))
        shown = str(choices.get(value, value))
        chips.append({"label": f"{field_.label}：{shown}", "url": _address(params, **{key: None})})
    return chips


# --- a title ----------------------------------------------------------------------------


def _bib_or_404(request: HttpRequest, bib_id: int) -> Bib:
    bib_id = int_param(bib_id, minimum=1) or 0
    bib = Bib.objects.filter(library=request.library, pk=bib_id).first()
    if bib is None:
        raise Http404(_("没有这条书目记录。"))
    return bib


def _queue(user: Any, bib: Bib) -> list[dict[str, Any]]:
    """The title's active holds: on the hold shelf first, then the queue in order."""
    holds = sorted(
        Hold.objects.filter(
            library=bib.library_id,
            bib=bib,
            status__in=[Hold.Status.READY, Hold.Status.WAITING],
        ).select_related("patron__school_class", "item"),
        key=lambda h: (h.status != Hold.Status.READY, h.placed_at, h.pk),
    )
    rows = []
    position = 0
    for hold in holds:
        if hold.status == Hold.Status.WAITING:
            position += 1
        may_see = can_view_patron(user, hold.patron)
        rows.append(
            {
                "hold": hold,
                "position": position if hold.status == Hold.Status.WAITING else None,
                "reader": _reader_words(hold.patron) if may_see else "",
                "card": hold.patron.card_number if may_see else "",
                "patron_id": hold.patron_id if may_see else None,
            }
        )
    return rows


@_staff_search
def record(request: HttpRequest, bib_id: int) -> HttpResponse:
    """A title: its copies and their status, the hold queue, a hold placed for a reader
    (by card number), and each copy's history."""
    bib = _bib_or_404(request, bib_id)
    if request.method == "POST":
        return _place_hold(request, bib)
    today = clock.today()
    viewed = Viewed()
    items = _items_of(request.library, [bib.pk])[bib.pk]
    lines = _copy_lines(request.user, items, viewed, today)
    wanted = int_param(request.GET.get("copy"), default=0)
    for line in lines:
        line.highlight = line.item.pk == wanted
    viewed.record(Actor.of_request(request), "staff_search")
    queue = _queue(request.user, bib)
    waiting = sum(1 for row in queue if row["position"])
    on_shelf = sum(1 for line in lines if line.item.status == Item.Status.AVAILABLE)
    call_numbers = sorted(
        {line.item.call_number.value for line in lines if line.item.call_number_id}
    )
    return render(
        request,
        "opac/staff/record.html",
        {
            "bib": bib,
            "authors": [a.get("name", "") for a in bib.authors if isinstance(a, dict)],
            "call_numbers": call_numbers,
            "copies": lines,
            "queue": queue,
            "waiting": waiting,
            # Readers wait while a copy stands on the shelf: the pick list is where to go.
            "to_pick": waiting and on_shelf,
            "may_pick": can(request.user, "circulate_any_class"),
            "may_hold": can(request.user, "circulate"),
            "may_edit": can(request.user, "catalog"),
            "today": today,
            "back": request.GET.get("back", ""),
        },
    )


def _place_hold(request: HttpRequest, bib: Bib) -> HttpResponse:
    card = request.POST.get("card", "").strip()
    if not card:
        messages.error(request, _("请输入读者的借书证号。"))
        return redirect("staff_search:record", bib_id=bib.pk)
    try:
        hold = circulation.hold_place(actor=Actor.of_request(request), card=card, bib_id=bib.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        position = (
            Hold.objects.filter(bib=bib, status=Hold.Status.WAITING)
            .filter(Q(placed_at__lt=hold.placed_at) | Q(placed_at=hold.placed_at, pk__lte=hold.pk))
            .count()
        )
        messages.success(
            request,
            _("已为 %(reader)s 预约《%(title)s》，排在第 %(n)s 位。")
            % {"reader": _reader_words(hold.patron), "title": bib.title, "n": position},
        )
    return redirect("staff_search:record", bib_id=bib.pk)


# --- a copy's history -------------------------------------------------------------------


def _may_see_borrower(user: Any, patron: Patron, *, open_loan: bool) -> bool:
    """An open loan is what the reader has now (may the login see the reader?); a
    returned one is their reading history (may it see that?)."""
    if open_loan:
        return can_view_patron(user, patron)
    return can_view_history(user, patron)


@_staff_search
def copy_history(request: HttpRequest, item_id: int) -> HttpResponse:
    """Every loan of one copy, newest first: dates, channels, and the borrower (class
    and name, as at the time of the loan) where the login may see the reader."""
    item = (
        Item.objects.filter(library=request.library, pk=int_param(item_id, minimum=1) or 0)
        .select_related("bib", "location", "call_number")
        .first()
    )
    if item is None:
        raise Http404(_("没有这一册。"))
    loans = list(
        Loan.objects.filter(library=request.library, item=item)
        .select_related("patron__school_class", "school_class")
        .order_by("-checked_out_at", "-id")[:HISTORY_LIMIT]
    )
    viewed = Viewed()
    rows = []
    for loan in loans:
        borrower, patron_id = "", None
        open_loan = loan.status == Loan.Status.ON_LOAN
        patron = loan.patron if loan.patron_id else None
        if patron is None:
            name = loan.school_class.name if loan.school_class_id else loan.class_name_at_loan
            borrower = _("%(name)s（班级借阅）") % {"name": name}
        elif patron.anonymous:
            borrower = _("已匿名读者")
        elif _may_see_borrower(request.user, patron, open_loan=open_loan):
            borrower = _reader_words(patron, loan.class_name_at_loan)
            patron_id = patron.pk
            (viewed.loans if open_loan else viewed.history)[patron.pk] = patron
        rows.append({"loan": loan, "borrower": borrower, "patron_id": patron_id})
    viewed.record(Actor.of_request(request), "copy_history")
    return render(
        request,
        "opac/staff/copy_history.html",
        {
            "item": item,
            "rows": rows,
            "limit": HISTORY_LIMIT,
            "today": clock.today(),
            "may_edit": can(request.user, "catalog"),
        },
    )


app_name = "staff_search"

urlpatterns = [
    path("", search, name="search"),
    path("record/<int:bib_id>/", record, name="record"),
    path("copy/<int:item_id>/", copy_history, name="copy_history"),
]
