"""Overdue reminder slips (催还单): one printable A4 page per class, in Chinese, listing
each overdue book with the reader, title, call number, due date and days overdue."""

from __future__ import annotations

import datetime as dt
import io
from itertools import groupby

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from shuxiang.circulation.selectors import OverdueLine
from shuxiang.core.pdf import cjk_font, fit_text

# Column x positions (mm from the left margin) and widths of the slip's table.
COLUMNS = [(0, 28), (28, 72), (100, 32), (132, 24), (156, 20)]
ROW = 7 * mm


def overdue_slips_pdf(
    lines: list[OverdueLine],
    *,
    library_name: str,
    today: dt.date,
    ready_holds: list | None = None,
) -> bytes:
    """The slips as PDF bytes: a page (or more) per class, ordered by class and reader.
    With no overdue book at all, one page says so. Ready holds (预约到书) of a class's
    readers are listed under its overdue books."""
    font = cjk_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(_("逾期催还单"))
    width, height = A4
    left, top, bottom = 18 * mm, height - 20 * mm, 20 * mm
    groups = [(name, list(rows)) for name, rows in groupby(lines, key=lambda x: x.class_name)]
    holds_by_class: dict[str, list] = {}
    for hold in ready_holds or []:
        name = hold.patron.school_class.name if hold.patron.school_class_id else ""
        holds_by_class.setdefault(name, []).append(hold)
    for name in holds_by_class:
        if name not in {g[0] for g in groups}:
            groups.append((name, []))
    if not groups:
        groups = [("", [])]
    for class_name, rows in groups:
        y = _page_head(canvas, font, library_name, class_name, today, left, top, width)
        if not rows:
            canvas.setFont(font, 11)
            canvas.drawString(left, y, _("目前没有逾期未还的图书。"))
        for line in rows:
            if y < bottom + ROW:
                canvas.showPage()
                y = _page_head(canvas, font, library_name, class_name, today, left, top, width)
            loan = line.loan
            cells = [
                line.borrower,
                loan.item.bib.title,
                loan.item.call_number.value if loan.item.call_number_id else "",
                loan.due_date.isoformat(),
                _("%(days)s 天") % {"days": line.days},
            ]
            for (x, w), text in zip(COLUMNS, cells, strict=True):
                size = fit_text(text, font, 10, w * mm - 2 * mm)
                canvas.setFont(font, size)
                canvas.drawString(left + x * mm, y, text)
            canvas.setLineWidth(0.3)
            canvas.line(left, y - 2 * mm, width - left, y - 2 * mm)
            y -= ROW
        waiting = holds_by_class.get(class_name, [])
        if waiting:
            y -= ROW / 2
            canvas.setFont(font, 11)
            canvas.drawString(left, y, _("预约到书，请到图书室借阅："))
            y -= ROW
            canvas.setFont(font, 10)
            for hold in waiting:
                if y < bottom + ROW:
                    canvas.showPage()
                    y = _page_head(canvas, font, library_name, class_name, today, left, top, width)
                text = _("%(name)s 《%(title)s》 保留至 %(date)s") % {
                    "name": hold.patron.name,
                    "title": hold.bib.title,
                    "date": hold.expires_on.isoformat() if hold.expires_on else "",
                }
                canvas.drawString(left, y, text)
                y -= ROW
        canvas.setFont(font, 9)
        canvas.drawString(
            left,
            bottom - 8 * mm,
            _("请班主任督促学生尽快到图书室还书或续借。逾期天数只计开馆日。"),
        )
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _page_head(
    canvas: Canvas,
    font: str,
    library_name: str,
    class_name: str,
    today: dt.date,
    left: float,
    top: float,
    width: float,
) -> float:
    canvas.setFont(font, 16)
    title = _("逾期催还单")
    if class_name:
        title = f"{class_name} · {title}"
    canvas.drawCentredString(width / 2, top, title)
    canvas.setFont(font, 10)
    canvas.drawString(left, top - 9 * mm, library_name)
    canvas.drawRightString(
        width - left, top - 9 * mm, _("打印日期：%(date)s") % {"date": today.isoformat()}
    )
    y = top - 18 * mm
    canvas.setFont(font, 10)
    heads = [_("读者"), _("题名"), _("索书号"), _("应还日期"), _("逾期")]
    for (x, _w), text in zip(COLUMNS, heads, strict=True):
        canvas.drawString(left + x * mm, y, text)
    canvas.setLineWidth(0.8)
    canvas.line(left, y - 2 * mm, width - left, y - 2 * mm)
    return y - ROW
