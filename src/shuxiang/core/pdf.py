"""PDF building blocks: an embedded TrueType CJK font, Code 128 barcodes and QR codes.

reportlab embeds TrueType (glyf) fonts only; CFF-based fonts such as Noto CJK cannot be
embedded and the built-in STSong-Light is not embedded at all, so a PDF made with it shows
boxes on a PC without that font. We therefore look for a TrueType CJK font and say
clearly which package to install when there is none.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_NAME = "ShuxiangCJK"

CANDIDATE_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    r"C:\Windows\Fonts\simhei.ttf",
    r"C:\Windows\Fonts\simsun.ttc",
    r"C:\Windows\Fonts\msyh.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
]


class FontMissing(RuntimeError):
    """No TrueType CJK font could be found to embed."""


def find_cjk_font() -> Path | None:
    configured = settings.SHUXIANG_CJK_FONT or os.environ.get("SHUXIANG_CJK_FONT", "")
    for candidate in ([configured] if configured else []) + CANDIDATE_FONTS:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def cjk_font() -> str:
    """Register the CJK font once and return its reportlab name."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    path = find_cjk_font()
    if path is None:
        raise FontMissing(
            _(
                "找不到可嵌入的中文 TrueType 字体。请安装 Debian 软件包 fonts-wqy-microhei，"
                "或用环境变量 SHUXIANG_CJK_FONT 指定字体文件。"
            )
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


def draw_code128(
    canvas: Canvas, value: str, x: float, y: float, *, width: float, height: float
) -> None:
    """Draw a Code 128 barcode filling (at most) width × height, bottom-left at x, y."""
    barcode = code128.Code128(value, barHeight=height, humanReadable=False, quiet=False)
    # Scale the bar width so the symbol fits the label, never wider than 1.2 pt a module.
    natural = barcode.width or 1
    bar_width = min(1.2, barcode.barWidth * width / natural)
    barcode = code128.Code128(
        value, barHeight=height, barWidth=bar_width, humanReadable=False, quiet=False
    )
    offset = max(0.0, (width - barcode.width) / 2)
    barcode.drawOn(canvas, x + offset, y)


def draw_qr(canvas: Canvas, value: str, x: float, y: float, *, size: float) -> None:
    """Draw a QR code size × size with its bottom-left corner at x, y."""
    widget = qr.QrCodeWidget(value, barBorder=0)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    drawing.drawOn(canvas, x, y)


def fit_text(text: str, font: str, size: float, width: float, *, min_size: float = 5) -> float:
    """The largest font size ≤ size at which text fits in width."""
    while size > min_size and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size
