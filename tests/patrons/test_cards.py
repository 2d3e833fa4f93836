"""The library card PDF: a whole class on A4 sheets, rendered to PNG to look at."""

import datetime as dt
import re
import shutil
import subprocess

import pytest

from shuxiang.patrons import cards

needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed"
)


def sample(n):
    return [
        cards.CardData(
            name=["张小明", "欧阳娜娜", "李华", "司马相如之后人"][i % 4],
            class_name="七年级3班",
            card_number=f"R{1000 + i:06d}",
            school_name="实验中学",
            valid_until="2029-08-31" if i % 2 == 0 else "",
        )
        for i in range(n)
    ]


@pytest.mark.needs_cjk_font
def test_pdf_pages_and_text():
    data = cards.cards_pdf(sample(12), title="七年级3班")
    assert data.startswith(b"%PDF")
    assert b"/Title" in data


@needs_pdftoppm
@pytest.mark.needs_cjk_font
def test_pdf_renders_to_png(tmp_path):
    path = tmp_path / "cards.pdf"
    path.write_bytes(cards.cards_pdf(sample(12)))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert (
        "张小明" in text
        and "七年级3班" in text
        and "证号：R001000" in text
        and "有效期至 2029-08-31" in text
    )
    assert "长期有效" in text and "实验中学" in text and "借书证" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 10000


def test_card_data_from_a_reader(actor, school_class, make_patron):
    patron = make_patron(
        card="R000123", name="张小明", class_name="七年级3班", valid_until=dt.date(2029, 8, 31)
    )
    data = cards.card_data(patron, actor.library)
    assert (data.name, data.class_name, data.card_number, data.school_name, data.valid_until) == (
        "张小明",
        "七年级3班",
        "R000123",
        "实验中学",
        "2029-08-31",
    )
