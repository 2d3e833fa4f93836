"""PDF building blocks: the embedded CJK font, Code 128 and QR, rendered as a user sees them."""

import shutil
import subprocess

import pytest
from reportlab.lib.pagesizes import A6
from reportlab.pdfgen.canvas import Canvas

from shuxiang.core import pdf


def _font_or_skip():
    if pdf.find_cjk_font() is None:
        pytest.skip("no TrueType CJK font installed (Debian package fonts-wqy-microhei)")
    return pdf.cjk_font()


def test_cjk_text_barcode_and_qr_are_embedded_and_render(tmp_path):
    font = _font_or_skip()
    out = tmp_path / "sample.pdf"
    canvas = Canvas(str(out), pagesize=A6)
    canvas.setFont(font, 14)
    canvas.drawString(20, 380, "书香实验中学图书馆 借书证")
    pdf.draw_code128(canvas, "R260001", 20, 300, width=200, height=40)
    pdf.draw_qr(canvas, "R260001", 20, 180, size=100)
    canvas.save()
    data = out.read_bytes()
    assert b"/FontFile2" in data  # the TrueType font program is embedded
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed (Debian package poppler-utils)")
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(out), str(tmp_path / "page")], check=True)
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 1000
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "书香实验中学图书馆" in text


def test_missing_font_gives_a_clear_message(settings, monkeypatch):
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(pdf, "CANDIDATE_FONTS", [])
    monkeypatch.setattr(pdfmetrics, "getRegisteredFontNames", lambda: [])
    settings.SHUXIANG_CJK_FONT = "/nonexistent/font.ttf"
    with pytest.raises(pdf.FontMissing) as excinfo:
        pdf.cjk_font()
    assert "fonts-wqy-microhei" in str(excinfo.value)


def test_fit_text_shrinks_long_titles():
    font = _font_or_skip()
    assert pdf.fit_text("短", font, 12, 100) == 12
    assert pdf.fit_text("一个非常非常非常长的书名需要缩小字号才能放下", font, 12, 100) < 12
