"""The binding list for the bindery (装订单, PDF) and the subscription list (订阅清单,
xlsx with totals)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _

from shuxiang.core import spreadsheet
from shuxiang.core.models import Library
from shuxiang.core.money import Money
from shuxiang.serials.selectors import BindingRow, OrderList


def _yuan(fen: int | None) -> Decimal | None:
    """A number cell in yuan (a Decimal, never a float)."""
    return None if fen is None else Money(fen).decimal


def _issue_span(row: BindingRow) -> str:
    numbers = [i.number for i in row.issues]
    if not numbers:
        return ""
    # Runs of consecutive numbers read as 1—6、9—12: what the bindery checks the pile by.
    runs, start, prev = [], numbers[0], numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(str(start) if start == prev else f"{start}—{prev}")
        if n is not None:
            start = prev = n
    return "、".join(runs)


def binding_pdf(library: Library, year: int, rows: list[BindingRow]) -> bytes:
    """One line per volume: title, year and volume, the issues in it, how many, its call
    number and barcode, and a column for the bindery to tick."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from shuxiang.core.pdf import cjk_font, fit_text

    font = cjk_font()
    page_w, page_h = A4
    margin = 36
    columns = [
        (_("序号"), 28),
        (_("刊名"), 140),
        (_("册次"), 62),
        (_("期号"), 110),
        (_("期数"), 32),
        (_("索书号"), 80),
        (_("条码号"), 65),
        (_("核对"), 32),
    ]
    total_w = page_w - 2 * margin
    scale = total_w / sum(w for _t, w in columns)
    widths = [w * scale for _t, w in columns]
    row_h = 20
    per_page = int((page_h - 2 * margin - 90) // row_h)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4)
    c.setTitle(_("装订单"))
    chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]

    def line(y: float, values: list[str], size: float = 9) -> None:
        x = margin
        for value, width in zip(values, widths, strict=True):
            c.setFont(font, fit_text(value, font, size, width - 4))
            c.drawString(x + 2, y + 6, value)
            c.rect(x, y, width, row_h, stroke=1, fill=0)
            x += width

    number = 0
    for page_no, chunk in enumerate(chunks, start=1):
        y = page_h - margin
        c.setFont(font, 15)
        c.drawCentredString(
            page_w / 2,
            y - 16,
            _("%(library)s %(year)s 年期刊装订单") % {"library": library.name, "year": year},
        )
        c.setFont(font, 9)
        c.drawString(
            margin,
            y - 40,
            _("共 %(volumes)s 册，%(issues)s 期")
            % {
                "volumes": len(rows),
                "issues": sum(len(r.issues) for r in rows),
            },
        )
        c.drawRightString(
            page_w - margin,
            y - 40,
            _("第 %(page)s 页 / 共 %(pages)s 页")
            % {
                "page": page_no,
                "pages": len(chunks),
            },
        )
        y -= 50 + row_h
        line(y, [t for t, _w in columns])
        for row in chunk:
            number += 1
            y -= row_h
            item = row.volume.item
            line(
                y,
                [
                    str(number),
                    row.title,
                    _("%(year)s年第%(n)s册") % {"year": row.volume.year, "n": row.volume.sequence},
                    _issue_span(row),
                    str(len(row.issues)),
                    item.call_number.value if item.call_number_id else "",
                    item.barcode,
                    "",
                ],
            )
        c.setFont(font, 9)
        c.drawString(
            margin, margin, _("送装日期：__________    取回日期：__________    经手人：__________")
        )
        c.showPage()
    c.save()
    return buffer.getvalue()


def order_list_xlsx(listing: OrderList, library: Library) -> bytes:
    """The year's subscription list with a totals row (titles, copies, yuan)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("订阅清单")
    spreadsheet.append_text_row(
        ws,
        [
            _("%(library)s %(year)s 年报刊订阅清单")
            % {"library": library.name, "year": listing.year}
        ],
    )
    spreadsheet.append_text_row(
        ws,
        [
            _("序号"),
            _("刊名"),
            _("类别"),
            _("ISSN"),
            _("CN 号"),
            _("邮发代号"),
            _("出版单位"),
            _("刊期"),
            _("份数"),
            _("单期价（元）"),
            _("全年价（元）"),
            _("金额（元）"),
            _("来源"),
            _("备注"),
        ],
    )
    for n, sub in enumerate(listing.active, start=1):
        spreadsheet.append_text_row(
            ws,
            [
                n,
                sub.title,
                str(sub.get_kind_display()),
                sub.issn,
                sub.cn,
                sub.postal_code,
                sub.publisher,
                str(sub.get_frequency_display()),
                sub.copies,
                _yuan(sub.price_per_issue),
                _yuan(sub.price_per_year),
                _yuan(sub.year_total),
                str(sub.get_source_display()),
                sub.note,
            ],
        )
    spreadsheet.append_text_row(
        ws,
        [
            _("合计"),
            _("%(n)s 种") % {"n": listing.titles},
            "",
            "",
            "",
            "",
            "",
            "",
            listing.copies,
            None,
            None,
            _yuan(listing.total),
            "",
            "",
        ],
    )
    for column, width in zip(
        "ABCDEFGHIJKLMN", (6, 28, 8, 12, 16, 10, 24, 10, 6, 12, 12, 12, 10, 20), strict=True
    ):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
