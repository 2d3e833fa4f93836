"""The accession register (个别登记账 / 财产登记): every copy gets the next accession
number, in order and without gaps, and the register — one line per copy with its price
— is printed (PDF) or exported (xlsx) for any date range with the totals a school asset
audit asks for (volumes, and prices in yuan).

Numbers come from a per-library counter row (catalog.NumberSeries). Drawing one
locks that row: select_for_update on PostgreSQL, and on SQLite the transaction is
IMMEDIATE (settings), which takes the write lock at BEGIN. Either way a second desk waits
for the first to commit, so two copies never share a number and a rollback returns the
numbers it drew (no gaps)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item, NumberSeries
from shuxiang.core import spreadsheet
from shuxiang.core.models import Library
from shuxiang.core.money import Money, yuan_text

ACCESSION = "accession"
BARCODE = "barcode"
PRICE_COLUMN = 9


def series_for_update(library: Library, kind: str) -> NumberSeries:
    """The library's counter of this kind, locked for the rest of the transaction; made on
    first use, continuing after the highest number already in use."""
    series = NumberSeries.objects.select_for_update().filter(library=library, kind=kind).first()
    if series is not None:
        return series
    field = "accession_number" if kind == ACCESSION else "barcode"
    width = 6 if kind == ACCESSION else 8
    highest = 0
    for value in (
        Item.objects.filter(library=library)
        .exclude(**{f"{field}__isnull": True})
        .values_list(field, flat=True)
        .iterator()
    ):
        if value and value.isdigit() and len(value) <= 12:
            highest = max(highest, int(value))
    start = highest + 1 if highest else (1 if kind == ACCESSION else 10 ** (width - 1) + 1)
    NumberSeries.objects.get_or_create(
        library=library, kind=kind, defaults={"width": width, "next_value": start}
    )
    return NumberSeries.objects.select_for_update().get(library=library, kind=kind)


def series_settings(library: Library, kind: str) -> NumberSeries:
    """The counter (made on first use) for display and the settings form. Reading it
    takes no lock; only making it does."""
    series = NumberSeries.objects.filter(library=library, kind=kind).first()
    if series is not None:
        return series
    with transaction.atomic():
        return series_for_update(library, kind)


def _free(
    library: Library, field: str, series: NumberSeries, start: int, count: int, last: int | None
) -> tuple[list[str], int]:
    """The first `count` numbers from `start` not yet used by a copy (a number typed in by
    hand earlier is skipped, never given twice), and the value after the last one taken.
    Stops early at `last`. Looks the candidates up a window at a time."""
    found: list[str] = []
    value = start
    while len(found) < count and (last is None or value <= last):
        window = count - len(found) + 16
        stop = value + window if last is None else min(value + window, last + 1)
        candidates = [series.format(v) for v in range(value, stop)]
        taken = set(
            Item.objects.filter(library=library, **{f"{field}__in": candidates}).values_list(
                field, flat=True
            )
        )
        for v, candidate in zip(range(value, stop), candidates, strict=True):
            if len(found) == count:
                return found, v
            if candidate not in taken:
                found.append(candidate)
        value = stop
    return found, value


@transaction.atomic
def accession_numbers_take(library: Library, count: int) -> list[str]:
    """The next `count` accession numbers, consecutive. Call inside the transaction that
    creates the copies, so that a failure gives the numbers back."""
    if count <= 0:
        return []
    series = series_for_update(library, ACCESSION)
    numbers, after = _free(library, "accession_number", series, series.next_value, count, None)
    series.next_value = after
    series.save(update_fields=["next_value"])
    return numbers


def barcodes_peek(library: Library, count: int) -> list[str]:
    """The next free barcodes of the range, without taking them (for the form)."""
    series = series_settings(library, BARCODE)
    return _free(library, "barcode", series, series.next_value, count, series.last_value)[0]


@transaction.atomic
def barcodes_take(library: Library, count: int) -> list[str]:
    """The next `count` free barcodes of the range; Invalid when the range runs out."""
    from shuxiang.core.errors import Invalid

    if count <= 0:
        return []
    series = series_for_update(library, BARCODE)
    result, after = _free(library, "barcode", series, series.next_value, count, series.last_value)
    if len(result) < count:
        raise Invalid(
            _("条码号段已用完（止于 %(last)s），请在编目设置中设定新的号段。")
            % {"last": series.format(series.last_value)},
            code="barcode_range_exhausted",
        )
    series.next_value = after
    series.save(update_fields=["next_value"])
    return result


@transaction.atomic
def barcodes_note_used(library: Library, barcodes: list[str]) -> None:
    """Barcodes typed or scanned by hand from the range move the counter past them."""
    series = series_for_update(library, BARCODE)
    pattern = re.compile(r"^" + re.escape(series.prefix) + r"(\d+)$")
    highest = series.next_value - 1
    for code in barcodes:
        match = pattern.match(code or "")
        if match and len(match.group(1)) == series.width:
            highest = max(highest, int(match.group(1)))
    if highest >= series.next_value:
        series.next_value = highest + 1
        series.save(update_fields=["next_value"])


# -- the register ------------------------------------------------------------------------


@dataclass(slots=True)
class RegisterRow:
    accession_number: str
    acquired_on: dt.date | None
    barcode: str
    title: str
    author: str
    publisher: str
    year: int | None
    isbn: str
    call_number: str
    price: int | None  # fen
    source: str
    status: str


@dataclass(slots=True)
class Register:
    library: Library
    date_from: dt.date
    date_to: dt.date
    rows: list[RegisterRow]

    @property
    def volumes(self) -> int:
        return len(self.rows)

    @property
    def titles(self) -> int:
        return len({(r.title, r.isbn) for r in self.rows})

    @property
    def total_price(self) -> Money:
        return Money(sum(r.price or 0 for r in self.rows))


def accession_key(value: str) -> tuple:
    """Order of accession numbers: prefix, then the number as an integer."""
    digits = re.findall(r"\d+", value or "")
    return (re.sub(r"\d+", "", value or ""), int(digits[-1]) if digits else 0, value)


def register_rows(
    library: Library,
    date_from: dt.date,
    date_to: dt.date,
    *,
    accession_from: str = "",
    accession_to: str = "",
) -> Register:
    """The copies entered between two dates (inclusive; by the entry date, or the day the
    record was made for copies without one), in accession-number order."""
    qs = (
        Item.objects.filter(library=library, accession_number__isnull=False)
        .filter(
            Q(acquired_on__gte=date_from, acquired_on__lte=date_to)
            | Q(
                acquired_on__isnull=True,
                created_at__date__gte=date_from,
                created_at__date__lte=date_to,
            )
        )
        .select_related("bib", "call_number")
    )
    rows = []
    for item in qs.iterator(chunk_size=2000):
        bib = item.bib
        rows.append(
            RegisterRow(
                accession_number=item.accession_number or "",
                acquired_on=item.acquired_on or item.created_at.date(),
                barcode=item.barcode,
                title=bib.title,
                author=bib.responsibility or bib.first_author,
                publisher=bib.publisher,
                year=bib.year,
                isbn=bib.isbn or (bib.invalid_isbns[0] if bib.invalid_isbns else ""),
                call_number=item.call_number.value if item.call_number else "",
                price=item.price,
                source=str(item.get_source_display()),
                status=str(item.get_status_display()),
            )
        )
    rows.sort(key=lambda r: accession_key(r.accession_number))
    if accession_from or accession_to:
        low = accession_key(accession_from) if accession_from else None
        high = accession_key(accession_to) if accession_to else None
        rows = [
            r
            for r in rows
            if (low is None or accession_key(r.accession_number) >= low)
            and (high is None or accession_key(r.accession_number) <= high)
        ]
    return Register(library=library, date_from=date_from, date_to=date_to, rows=rows)


def _headers() -> list[str]:
    return [
        _("登录号"),
        _("入藏日期"),
        _("条码号"),
        _("题名"),
        _("责任者"),
        _("出版社"),
        _("出版年"),
        _("ISBN"),
        _("索书号"),
        _("价格（元）"),
        _("来源"),
        _("状态"),
    ]


def register_xlsx(register: Register) -> bytes:
    """The register as a spreadsheet: a title line, one row per copy (price as a number
    in yuan), and a totals row with volumes, titles and the sum of prices."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("个别登记账")
    heading = _("%(library)s 个别登记账（%(start)s 至 %(end)s）") % {
        "library": register.library.name,
        "start": register.date_from.isoformat(),
        "end": register.date_to.isoformat(),
    }
    ws.append([heading])
    ws["A1"].font = Font(bold=True, size=14)
    headers = _headers()
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in register.rows:
        # Titles, authors and publishers come from vendors' records: text stays text.
        spreadsheet.append_text_row(
            ws,
            [
                r.accession_number,
                r.acquired_on,
                r.barcode,
                r.title,
                r.author,
                r.publisher,
                r.year,
                r.isbn,
                r.call_number,
                float(Money(r.price).decimal) if r.price is not None else None,
                r.source,
                r.status,
            ],
        )
        ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd"
        ws.cell(row=ws.max_row, column=10).number_format = "0.00"
    total = register.total_price
    ws.append(
        [
            _("合计"),
            None,
            _("%(n)s 册") % {"n": register.volumes},
            _("%(n)s 种") % {"n": register.titles},
            None,
            None,
            None,
            None,
            None,
            float(total.decimal),
            None,
            None,
        ]
    )
    last = ws.max_row
    for cell in ws[last]:
        cell.font = Font(bold=True)
    ws.cell(row=last, column=10).number_format = "0.00"
    widths = [12, 12, 12, 36, 18, 18, 8, 16, 14, 11, 8, 8]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = width
    ws.freeze_panes = "A3"
    for row in ws.iter_rows(min_row=3, max_row=last, min_col=4, max_col=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _totals_line(label: str, volumes: str, titles: str, fen: int) -> list[str]:
    """A subtotal or total line in the register's twelve columns."""
    line = [""] * 12
    line[0], line[2], line[3], line[PRICE_COLUMN] = label, volumes, titles, yuan_text(fen)
    return line


def _pdf_line(r: RegisterRow) -> list[str]:
    return [
        r.accession_number,
        r.acquired_on.isoformat() if r.acquired_on else "",
        r.barcode,
        r.title,
        r.author,
        r.publisher,
        str(r.year or ""),
        r.isbn,
        r.call_number,
        yuan_text(r.price),
        r.source,
        r.status,
    ]


class _PdfTable:
    """Landscape A4 with the register's columns: where they are, and one line drawn."""

    # Column widths in mm; the title column takes what is left.
    WIDTHS_MM = (20, 20, 22, 0, 30, 32, 12, 30, 24, 18, 12, 14)

    def __init__(self, canvas: Any, font: str, page_w: float, page_h: float) -> None:
        from reportlab.lib.units import mm

        self.c, self.font, self.mm = canvas, font, mm
        self.page_w, self.margin, self.row_h = page_w, 12 * mm, 6.2 * mm
        self.widths = [w * mm for w in self.WIDTHS_MM]
        self.widths[3] = page_w - 2 * self.margin - sum(self.WIDTHS_MM) * mm
        self.top = page_h - self.margin
        self.rows_per_page = int((self.top - 22 * mm - self.margin - 2 * self.row_h) // self.row_h)

    def line(self, y: float, values: list[str], *, size: float = 8.5) -> None:
        """One line of cells at y, each shrunk (then cut with "…") to fit its column;
        amounts line up on the right."""
        from shuxiang.core.pdf import fit_text

        c, mm, font = self.c, self.mm, self.font
        x = self.margin
        for column, (value, width) in enumerate(zip(values, self.widths, strict=True)):
            text = str(value or "")
            fitted = fit_text(text, font, size, width - 2 * mm, min_size=5)
            if fitted == 5 and c.stringWidth(text, font, 5) > width - 2 * mm:
                while text and c.stringWidth(text + "…", font, 5) > width - 2 * mm:
                    text = text[:-1]
                text += "…"
            c.setFont(font, fitted)
            if column == PRICE_COLUMN:
                c.drawRightString(x + width - 1 * mm, y + 1.8 * mm, text)
            else:
                c.drawString(x + 1 * mm, y + 1.8 * mm, text)
            x += width
        c.setLineWidth(0.3)
        c.line(self.margin, y, self.page_w - self.margin, y)

    def rule(self, y: float) -> None:
        self.c.setLineWidth(0.8)
        self.c.line(self.margin, y, self.page_w - self.margin, y)

    def heading(self, heading: str, period: str, page_no: int, pages: int) -> float:
        """The page's heading, period and page number, and the column titles; returns
        the y of the column titles' line."""
        c, mm = self.c, self.mm
        c.setFont(self.font, 15)
        c.drawCentredString(self.page_w / 2, self.top - 6 * mm, heading)
        c.setFont(self.font, 9)
        c.drawString(self.margin, self.top - 14 * mm, period)
        c.drawRightString(
            self.page_w - self.margin,
            self.top - 14 * mm,
            _("第 %(page)s 页，共 %(pages)s 页") % {"page": page_no, "pages": pages},
        )
        y = self.top - 22 * mm
        self.rule(y)
        y -= self.row_h
        self.line(y, _headers())
        return y


def register_pdf(register: Register) -> bytes:
    """The register on landscape A4 pages: a heading, the column titles on every page, a
    subtotal at the foot of each page and the grand total at the end."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    from shuxiang.core.pdf import cjk_font

    page_w, page_h = landscape(A4)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(page_w, page_h))
    c.setTitle(_("个别登记账"))
    table = _PdfTable(c, cjk_font(), page_w, page_h)
    per_page = table.rows_per_page
    chunks = [register.rows[i : i + per_page] for i in range(0, len(register.rows), per_page)] or [
        []
    ]
    heading = _("%(library)s 个别登记账") % {"library": register.library.name}
    period = _("登记日期：%(start)s 至 %(end)s") % {
        "start": register.date_from.isoformat(),
        "end": register.date_to.isoformat(),
    }
    grand = 0
    for page_no, chunk in enumerate(chunks, start=1):
        y = table.heading(heading, period, page_no, len(chunks))
        for r in chunk:
            y -= table.row_h
            table.line(y, _pdf_line(r))
        page_sum = sum(r.price or 0 for r in chunk)
        grand += page_sum
        y -= table.row_h
        table.line(y, _totals_line(_("本页小计"), _("%(n)s 册") % {"n": len(chunk)}, "", page_sum))
        if page_no == len(chunks):
            y -= table.row_h
            table.line(
                y,
                _totals_line(
                    _("合计"),
                    _("%(n)s 册") % {"n": register.volumes},
                    _("%(n)s 种") % {"n": register.titles},
                    grand,
                ),
            )
            table.rule(y)
        c.showPage()
    c.save()
    return buffer.getvalue()
