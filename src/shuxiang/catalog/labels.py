"""Label sheets as PDF: barcode labels (Code 128, the number in human-readable digits,
the library's name) and spine labels (书标: the call number on two or three lines —
class number, 种次号, volume), on common self-adhesive label sheets or a custom one,
starting at any position so that a half-used sheet can go through the printer again."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from shuxiang.catalog import callnumbers

# The copy-group registry lives in copy_groups.py (light to import at start-up);
# labels re-exports it for the page and the command.
from shuxiang.catalog.copy_groups import (  # noqa: F401
    _COPY_GROUPS,
    SELECTIONS,
    CopyGroupSource,
    copy_group_source,
    copy_group_sources,
    register_copy_group,
)
from shuxiang.core.pdf import cjk_font, draw_code128, fit_text

BARCODE = "barcode"
SPINE = "spine"
BOTH = "both"
KINDS = (BARCODE, SPINE, BOTH)


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """A label sheet, all lengths in mm: page size, grid, label size, the top-left
    margins and the gaps between labels."""

    name: str
    cols: int
    rows: int
    label_w: float
    label_h: float
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    page_w: float = 210.0
    page_h: float = 297.0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def check(self) -> None:
        if self.cols < 1 or self.rows < 1 or self.label_w <= 0 or self.label_h <= 0:
            raise ValueError("a sheet needs at least one label of positive size")
        width = self.margin_left + self.cols * self.label_w + (self.cols - 1) * self.gap_x
        height = self.margin_top + self.rows * self.label_h + (self.rows - 1) * self.gap_y
        if width > self.page_w + 0.01 or height > self.page_h + 0.01:
            raise ValueError("the labels do not fit on the page")

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner (in points) of label `index` (0-based, row by row)."""
        row, col = divmod(index, self.cols)
        x = (self.margin_left + col * (self.label_w + self.gap_x)) * mm
        top = (self.margin_top + row * (self.label_h + self.gap_y) + self.label_h) * mm
        return x, self.page_h * mm - top


# Common A4 sheets sold for library labels (widths and heights in mm).
SHEETS: dict[str, SheetSpec] = {
    "a4-3x8": SheetSpec("a4-3x8", cols=3, rows=8, label_w=70, label_h=37, margin_top=0.5),
    "a4-4x10": SheetSpec("a4-4x10", cols=4, rows=10, label_w=52.5, label_h=29.7),
    "a4-5x13": SheetSpec(
        "a4-5x13",
        cols=5,
        rows=13,
        label_w=38.1,
        label_h=21.2,
        margin_left=4.7,
        margin_top=10.7,
        gap_x=2.5,
    ),
}


def custom_sheet(
    *,
    cols: int,
    rows: int,
    label_w: float,
    label_h: float,
    margin_left: float = 0,
    margin_top: float = 0,
    gap_x: float = 0,
    gap_y: float = 0,
    page_w: float = 210,
    page_h: float = 297,
) -> SheetSpec:
    spec = SheetSpec(
        "custom",
        cols,
        rows,
        label_w,
        label_h,
        margin_left,
        margin_top,
        gap_x,
        gap_y,
        page_w,
        page_h,
    )
    spec.check()
    return spec


@dataclass(frozen=True, slots=True)
class LabelData:
    barcode: str
    call_number: str = ""
    title: str = ""
    accession_number: str = ""


def spine_lines(call_number: str) -> list[str]:
    """ "I247.5/12:2" → ["I247.5", "12", "2"]: the class number, the 种次号 (or author
    mark), and the volume when there is one."""
    parts = callnumbers.parse(call_number)
    lines = [parts.class_number]
    if parts.book_number:
        lines.append(parts.book_number)
    if parts.volume:
        lines.append(parts.volume)
    return [line for line in lines if line]


def _barcode_label(
    c: Canvas, label: LabelData, x: float, y: float, w: float, h: float, library_name: str
) -> None:
    font = cjk_font()
    pad = min(2.5 * mm, w * 0.06)
    name_size = fit_text(library_name, font, min(9, h * 0.16), w - 2 * pad, min_size=4)
    number_size = min(10.0, h * 0.17)
    c.setFont(font, name_size)
    c.drawCentredString(x + w / 2, y + h - pad - name_size, library_name)
    bar_bottom = y + pad + number_size + 1
    bar_top = y + h - pad - name_size - 2
    draw_code128(
        c,
        label.barcode,
        x + pad,
        bar_bottom,
        width=w - 2 * pad,
        height=max(4.0, bar_top - bar_bottom),
    )
    c.setFont("Courier-Bold", number_size)
    c.drawCentredString(x + w / 2, y + pad, label.barcode)


def _spine_label(
    c: Canvas, label: LabelData, x: float, y: float, w: float, h: float, library_name: str
) -> None:
    font = cjk_font()
    pad = min(2 * mm, w * 0.06)
    name_size = fit_text(library_name, font, min(7, h * 0.12), w - 2 * pad, min_size=4)
    c.setFont(font, name_size)
    c.drawCentredString(x + w / 2, y + h - pad - name_size, library_name)
    lines = spine_lines(label.call_number) or [label.barcode]
    area_top = y + h - pad - name_size - 1.5
    area_h = area_top - (y + pad)
    line_h = area_h / len(lines)
    size = min(line_h * 0.72, 20.0)
    for line in lines:
        size = min(size, fit_text(line, "Helvetica-Bold", size, w - 2 * pad, min_size=5))
    c.setFont("Helvetica-Bold", size)
    for i, line in enumerate(lines):
        baseline = area_top - (i + 1) * line_h + (line_h - size * 0.72) / 2
        c.drawCentredString(x + w / 2, baseline, line)
        if i < len(lines) - 1:
            c.setLineWidth(0.6)
            rule = area_top - (i + 1) * line_h
            c.line(x + pad * 2, rule, x + w - pad * 2, rule)


def render(
    labels: Iterable[LabelData],
    *,
    kind: str = BARCODE,
    sheet: SheetSpec,
    start: int = 1,
    library_name: str = "",
    outline: bool = False,
) -> bytes:
    """A PDF of label sheets. `start` is the 1-based position of the first free label on
    the first sheet; `kind` barcode, spine, or both (each copy's barcode label followed
    by its spine label); `outline` draws the label borders (for a test print on paper)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    sheet.check()
    if not 1 <= start <= sheet.per_page:
        raise ValueError(f"start must be between 1 and {sheet.per_page}")
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(sheet.page_w * mm, sheet.page_h * mm))
    c.setTitle("labels")
    w, h = sheet.label_w * mm, sheet.label_h * mm
    position = start - 1
    drawn = 0
    for label in labels:
        faces = [BARCODE, SPINE] if kind == BOTH else [kind]
        for face in faces:
            if position == sheet.per_page:
                c.showPage()
                position = 0
            x, y = sheet.origin(position)
            if outline:
                c.setLineWidth(0.3)
                c.setStrokeGray(0.6)
                c.rect(x, y, w, h)
                c.setStrokeGray(0)
            if face == BARCODE:
                _barcode_label(c, label, x, y, w, h, library_name)
            else:
                _spine_label(c, label, x, y, w, h, library_name)
            position += 1
            drawn += 1
    if drawn == 0:
        c.setFont(cjk_font(), 12)
        c.drawString(20 * mm, sheet.page_h * mm - 30 * mm, "—")
    c.showPage()
    c.save()
    return buffer.getvalue()


# -- what to print -------------------------------------------------------------------------


def label_data(items: QuerySet) -> list[LabelData]:
    """Labels for copies, in accession-number order (then barcode)."""
    rows = items.select_related("bib", "call_number").order_by("accession_number", "barcode")
    from shuxiang.catalog.register import accession_key

    result = [
        LabelData(
            barcode=i.barcode,
            call_number=i.call_number.value if i.call_number else "",
            title=i.bib.title,
            accession_number=i.accession_number or "",
        )
        for i in rows
    ]
    result.sort(key=lambda d: (accession_key(d.accession_number), d.barcode))
    return result


def select_items(
    library: object,
    *,
    day: dt.date | None = None,
    accession_from: str = "",
    accession_to: str = "",
    barcodes: list[str] | None = None,
    reclassification_id: int | None = None,
    **group_ids: int | None,
) -> QuerySet:
    """The copies to label: those entered on a day (today's new copies), an accession
    range, a list of barcodes, the copies one reclassification gave a new call number
    (`reclassification_id`: its audit event; NotFound for another library's), or a
    group of a registered source, given as `<key>_id` (a purchase batch: `batch_id=7`)."""
    from shuxiang.catalog.models import Item

    groups = []
    for name, group_id in group_ids.items():
        source = _COPY_GROUPS.get(name.removesuffix("_id")) if name.endswith("_id") else None
        if source is None:
            raise TypeError(f"select_items() got an unexpected keyword argument {name!r}")
        if group_id is not None:
            groups.append((source, group_id))
    qs = Item.objects.filter(library=library).exclude(status=Item.Status.WITHDRAWN)
    if day is not None:
        qs = qs.filter(acquired_on=day) | qs.filter(acquired_on__isnull=True, created_at__date=day)
    if accession_from or accession_to:
        from shuxiang.catalog.register import accession_key

        low = accession_key(accession_from) if accession_from else None
        high = accession_key(accession_to) if accession_to else None
        wanted = [
            pk
            for pk, number in qs.exclude(accession_number__isnull=True).values_list(
                "pk", "accession_number"
            )
            if (low is None or accession_key(number) >= low)
            and (high is None or accession_key(number) <= high)
        ]
        qs = qs.filter(pk__in=wanted)
    for source, group_id in groups:
        qs = qs.filter(pk__in=source.item_ids(library, group_id))
    if barcodes:
        qs = qs.filter(barcode__in=barcodes)
    if reclassification_id is not None:
        from shuxiang.catalog.maintenance.services import reclassification_item_ids

        qs = qs.filter(pk__in=reclassification_item_ids(library, reclassification_id))
    return qs


def reclassification_choices(library: object) -> list[tuple[int, str]]:
    """The library's latest reclassifications as (id, name) for the labels page:
    "2026-12-01 10:30 · TP311 · 12 册", newest first."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from shuxiang.catalog.maintenance.services import reclassification_events

    choices = []
    for event in reclassification_events(library):
        after = event.after or {}
        when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
        classes = "、".join(after.get("new_class", []))
        copies = _("%(n)s 册") % {"n": after.get("copies", 0)}
        choices.append((event.pk, f"{when} · {classes} · {copies}"))
    return choices
