"""Library cards (借书证) as a PDF sheet: ten ID-1 cards (85.6 × 54 mm) on A4, a whole
class at a time, to print on card stock and cut along the outlines."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from shuxiang.core import pdf

CARD_W, CARD_H = 85.6 * mm, 54 * mm
COLUMNS, ROWS = 2, 5
GAP = 4 * mm
BRAND = (0.184, 0.435, 0.310)  # the staff pages' green


@dataclass(frozen=True)
class CardData:
    name: str
    class_name: str
    card_number: str
    school_name: str
    valid_until: str  # already formatted; "" for no limit
    category: str = ""


def _card(canvas: Canvas, card: CardData, x: float, y: float, font: str) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(0.6, 0.65, 0.7)
    canvas.setLineWidth(0.5)
    canvas.roundRect(x, y, CARD_W, CARD_H, 3 * mm)
    # Header band: school name and the word 借书证.
    band = 11 * mm
    canvas.setFillColorRGB(*BRAND)
    path = canvas.beginPath()
    path.roundRect(x, y, CARD_W, CARD_H, 3 * mm)
    canvas.clipPath(path, stroke=0, fill=0)
    canvas.rect(x, y + CARD_H - band, CARD_W, band, stroke=0, fill=1)
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    title = _("借书证")
    school = card.school_name
    size = pdf.fit_text(school, font, 11, CARD_W - 26 * mm)
    canvas.setFont(font, size)
    canvas.drawString(x + 4 * mm, y + CARD_H - 7.3 * mm, school)
    canvas.setFont(font, 10)
    canvas.drawRightString(x + CARD_W - 4 * mm, y + CARD_H - 7.3 * mm, title)
    canvas.restoreState()

    canvas.saveState()
    # Name, class, number and validity on the left; the QR code on the right.
    qr_size = 22 * mm
    text_w = CARD_W - qr_size - 10 * mm
    left = x + 4 * mm
    canvas.setFillColorRGB(0.12, 0.16, 0.2)
    name_size = pdf.fit_text(card.name, font, 16, text_w)
    canvas.setFont(font, name_size)
    canvas.drawString(left, y + CARD_H - 19 * mm, card.name)
    canvas.setFont(font, 9)
    line = card.class_name or card.category
    canvas.drawString(left, y + CARD_H - 24.5 * mm, pdf_fit(line, font, 9, text_w))
    canvas.drawString(left, y + CARD_H - 29.5 * mm, _("证号：%(n)s") % {"n": card.card_number})
    validity = _("有效期至 %(d)s") % {"d": card.valid_until} if card.valid_until else _("长期有效")
    canvas.setFillColorRGB(0.38, 0.43, 0.49)
    canvas.setFont(font, 7.5)
    canvas.drawString(left, y + CARD_H - 34 * mm, validity)
    pdf.draw_qr(
        canvas,
        card.card_number,
        x + CARD_W - qr_size - 4 * mm,
        y + CARD_H - band - qr_size - 2 * mm,
        size=qr_size,
    )
    # Code 128 across the bottom, for the desk scanner.
    canvas.setFillColorRGB(0, 0, 0)
    pdf.draw_code128(
        canvas, card.card_number, x + 4 * mm, y + 4 * mm, width=CARD_W - 8 * mm, height=11 * mm
    )
    canvas.restoreState()


def pdf_fit(text: str, font: str, size: float, width: float) -> str:
    """Cut text with an ellipsis so it fits in width at this size."""
    from reportlab.pdfbase import pdfmetrics

    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def cards_pdf(cards: Iterable[CardData], *, title: str = "") -> bytes:
    """A4 pages of cards, two across and five down, centred."""
    font = pdf.cjk_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title or _("借书证"))
    page_w, page_h = A4
    margin_x = (page_w - COLUMNS * CARD_W - (COLUMNS - 1) * GAP) / 2
    margin_y = (page_h - ROWS * CARD_H - (ROWS - 1) * GAP) / 2
    per_page = COLUMNS * ROWS
    items = list(cards)
    if not items:
        canvas.setFont(font, 12)
        canvas.drawString(margin_x, page_h - margin_y, _("没有要打印的借书证。"))
    for index, card in enumerate(items):
        slot = index % per_page
        if index and slot == 0:
            canvas.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x = margin_x + col * (CARD_W + GAP)
        y = page_h - margin_y - (row + 1) * CARD_H - row * GAP
        _card(canvas, card, x, y, font)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def card_data(patron, library) -> CardData:  # noqa: ANN001  (Patron, Library: no ORM import here)
    """What a reader's card shows."""
    return CardData(
        name=patron.name,
        class_name=patron.school_class.name if patron.school_class_id else "",
        card_number=patron.card_number,
        school_name=library.school_name or library.name,
        valid_until=patron.valid_until.isoformat() if patron.valid_until else "",
        category=str(patron.get_category_display()),
    )
