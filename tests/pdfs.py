"""Looking at a PDF as a person would: its pages as PNG (pdftoppm) or its text (pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def pdf_to_png(pdf: bytes, out_dir: Path, name: str, *, dpi: int = 80) -> list[Path]:
    """Render every page with pdftoppm (poppler-utils); skips when it is not installed."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf_path = out_dir / f"{name}.pdf"
    pdf_path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf_path), str(out_dir / name)], check=True
    )
    return sorted(out_dir.glob(f"{name}*.png"))


def pdf_text(pdf: bytes, out_dir: Path, name: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = out_dir / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
