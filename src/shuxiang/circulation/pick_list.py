"""The pick list (待取书单): readers wait in a title's queue while a copy of it stands on
the shelf here. Rather than wait for a copy to come back, the librarian walks the shelves
with this list (sorted by location, then call number in shelf order), pulls the copies
and scans each one here or presses 已取到, and the copy goes to the hold shelf for the
first reader in the queue (`services.hold_trap`, which uses the desk's own trap; the desk
itself refuses to check in a copy that is not on loan). A printable page (print CSS) and
a PDF.

Its URLs are included by circulation/urls.py, in the circulation namespace.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from shuxiang.catalog.callnumbers import sort_key
from shuxiang.catalog.models import Bib, Item
from shuxiang.circulation import services
from shuxiang.circulation.models import Hold
from shuxiang.circulation.selectors import library_rules
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.models import Library

# --- the list ---------------------------------------------------------------------------


@dataclass
class PickRow:
    """A title to pull from the shelf: its copies on the shelf (the first to pull first)
    and the readers waiting for it, in queue order."""

    bib: Bib
    copies: list[Item]
    holds: list[Hold]
    pull: int = 0  # copies to pull: one per waiting reader, as far as the shelf has them
    # The copies the list names: those to pull and two more, should one not be found.
    candidates: list[Item] = field(default_factory=list)
    location: str = ""
    call_number: str = ""
    readers: list[str] = field(default_factory=list)


def _call_number(item: Item) -> str:
    return item.call_number.value if item.call_number_id else ""


def _location(item: Item) -> str:
    return item.location.name if item.location_id else ""


def _shelf_order(item: Item) -> tuple:
    # Locations in the order the settings page lists them (by code), copies without one
    # last; within a location, shelf order by call number (CLC rules, not as strings).
    code = item.location.code if item.location_id else ""
    return (not item.location_id, code, sort_key(_call_number(item)), item.barcode)


def _reader(hold: Hold) -> str:
    patron = hold.patron
    if patron.school_class_id:
        return f"{patron.school_class.name} {patron.name}"
    return patron.name


def pick_rows(library: Library) -> list[PickRow]:
    """The titles with waiting holds and a copy on the shelf (available, so not on the
    hold shelf) that the first reader in the queue may borrow and hold, in the order of a
    walk through the shelves: location (by code), then call number."""
    waiting: dict[int, list[Hold]] = defaultdict(list)
    for hold in (
        Hold.objects.filter(library=library, status=Hold.Status.WAITING)
        .select_related("bib", "patron__school_class")
        .order_by("placed_at", "id")
    ):
        waiting[hold.bib_id].append(hold)
    if not waiting:
        return []
    on_shelf: dict[int, list[Item]] = defaultdict(list)
    for item in Item.objects.filter(
        library=library, bib_id__in=list(waiting), status=Item.Status.AVAILABLE
    ).select_related("location", "call_number"):
        on_shelf[item.bib_id].append(item)
    matrix = library_rules(library).matrix
    rows = []
    for bib_id, holds in waiting.items():
        first = holds[0].patron
        grade = first.school_class.grade if first.school_class_id else None
        copies = []
        for item in on_shelf.get(bib_id, []):
            policy = matrix.lookup(first.category, grade, item.circulation_type)
            if policy.loanable and policy.holds_allowed:
                copies.append(item)
        if not copies:
            continue
        copies.sort(key=_shelf_order)
        pull = min(len(holds), len(copies))
        rows.append(
            PickRow(
                bib=holds[0].bib,
                copies=copies,
                holds=holds,
                pull=pull,
                candidates=copies[: pull + 2],
                location=_location(copies[0]),
                call_number=_call_number(copies[0]),
                readers=[_reader(h) for h in holds[:pull]],
            )
        )
    rows.sort(key=lambda r: (*_shelf_order(r.copies[0]), r.bib.title, r.bib.pk))
    return rows


# --- the PDF ----------------------------------------------------------------------------

# Column x positions and widths (mm from the left margin).
COLUMNS = [(0, 8), (8, 24), (32, 24), (56, 48), (104, 34), (138, 36)]


def pick_list_pdf(rows: list[PickRow], *, library_name: str, today: dt.date) -> bytes:
    """The list as an A4 PDF with a box to tick per title. Needs the embedded CJK font
    (core.pdf.FontMissing otherwise, which the pages answer with how to install one)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from shuxiang.core.pdf import cjk_font, fit_text

    font = cjk_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(_("待取书单"))
    width, height = A4
    left, top, bottom = 18 * mm, height - 20 * mm, 20 * mm
    line = 6 * mm

    def head() -> float:
        canvas.setFont(font, 16)
        canvas.drawCentredString(width / 2, top, _("待取书单"))
        canvas.setFont(font, 10)
        canvas.drawString(left, top - 9 * mm, library_name)
        canvas.drawRightString(
            width - left, top - 9 * mm, _("打印日期：%(date)s") % {"date": today.isoformat()}
        )
        y = top - 18 * mm
        heads = ["", _("馆藏地点"), _("索书号"), _("题名"), _("条码号"), _("预约读者")]
        for (x, _w), text in zip(COLUMNS, heads, strict=True):
            canvas.drawString(left + x * mm, y, text)
        canvas.setLineWidth(0.8)
        canvas.line(left, y - 2 * mm, width - left, y - 2 * mm)
        return y - line - 1 * mm

    y = head()
    if not rows:
        canvas.setFont(font, 11)
        canvas.drawString(left, y, _("没有需要从书架上取的预约图书。"))
    for row in rows:
        # A copy elsewhere than the row's location says where.
        barcodes = [
            item.barcode if _location(item) == row.location else f"{item.barcode} {_location(item)}"
            for item in row.candidates
        ]
        height_lines = max(len(row.readers), len(barcodes), 1)
        if y - (height_lines - 1) * line < bottom:
            canvas.showPage()
            y = head()
        canvas.setLineWidth(0.6)
        canvas.rect(left, y - 0.5 * mm, 3.5 * mm, 3.5 * mm)
        title = row.bib.title
        if row.pull > 1:
            title = _("%(title)s（取 %(n)s 册）") % {"title": title, "n": row.pull}
        cells = [("", 0), (row.location, 1), (row.call_number, 2), (title, 3)]
        for text, column in cells:
            if not text:
                continue
            x, w = COLUMNS[column]
            canvas.setFont(font, fit_text(text, font, 10, w * mm - 2 * mm))
            canvas.drawString(left + x * mm, y, text)
        for n, text in enumerate(barcodes):
            x, w = COLUMNS[4]
            canvas.setFont(font, fit_text(text, font, 10, w * mm - 2 * mm))
            canvas.drawString(left + x * mm, y - n * line, text)
        for n, text in enumerate(row.readers):
            x, w = COLUMNS[5]
            canvas.setFont(font, fit_text(text, font, 10, w * mm - 2 * mm))
            canvas.drawString(left + x * mm, y - n * line, text)
        y -= (height_lines - 1) * line
        canvas.setLineWidth(0.3)
        canvas.line(left, y - 2 * mm, width - left, y - 2 * mm)
        y -= line + 1 * mm
    canvas.setFont(font, 9)
    canvas.drawString(
        left,
        bottom - 8 * mm,
        _("取到的书在待取书单上扫描条码号或点“已取到”，即放上预约架。"),
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- the pages --------------------------------------------------------------------------


@staff_required("circulate_any_class")
def pick_list_page(request: HttpRequest) -> HttpResponse:
    """The list; a POST with a barcode (a button per copy, or a scan) puts that copy on
    the hold shelf for the first reader in its title's queue."""
    if request.method == "POST":
        barcode = request.POST.get("barcode", "").strip()
        try:
            hold = services.hold_trap(actor=Actor.of_request(request), barcode=barcode)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("《%(title)s》%(barcode)s 已放预约架，留给 %(reader)s，保留至 %(date)s。")
                % {
                    "title": hold.bib.title,
                    "barcode": barcode,
                    "reader": _reader(hold),
                    "date": hold.expires_on.isoformat(),
                },
            )
        return redirect("circulation:pick_list")
    rows = pick_rows(request.library)
    return render(
        request,
        "circulation/pick_list.html",
        {
            "rows": rows,
            "pulls": sum(r.pull for r in rows),
            "today": clock.today(),
            "autoprint": request.GET.get("print") == "1",
        },
    )


@staff_required("circulate_any_class")
def pick_list_pdf_view(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    pdf = pick_list_pdf(pick_rows(request.library), library_name=request.library.name, today=today)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pick-list-{today.isoformat()}.pdf"'
    return response


urlpatterns = [
    path("", pick_list_page, name="pick_list"),
    path("pick-list.pdf", pick_list_pdf_view, name="pick_list_pdf"),
]
