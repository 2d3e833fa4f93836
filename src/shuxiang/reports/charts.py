"""Bar charts as server-rendered SVG: no JavaScript, no charting library, the same
markup on the page and (as the figures behind it) in the exports. Pure: values in, SVG
text out, every label escaped."""

from __future__ import annotations

from html import escape

BAR = "#3b7dd8"
BAR_2 = "#e8a33d"


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def bar_chart(
    rows: list[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 110,
    unit: str = "",
) -> str:
    """Horizontal bars, one per (label, value), longest = the largest value; an empty
    chart says so."""
    height = max(1, len(rows)) * (bar_height + 6) + 30
    top = max((v for _, v in rows), default=0) or 1
    room = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    if not rows:
        parts.append('<text x="0" y="40" font-size="13" fill="#777">—</text>')
    for i, (label, value) in enumerate(rows):
        y = 26 + i * (bar_height + 6)
        length = round(room * (value or 0) / top, 1)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 6}" font-size="13" '
            f'text-anchor="end">{escape(str(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{BAR}"/>'
            f'<text x="{label_width + length + 4}" y="{y + bar_height - 6}" font-size="12">'
            f"{escape(_fmt(value or 0))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def paired_bars(
    rows: list[tuple[str, float, float]],
    *,
    title: str,
    legend: tuple[str, str],
    width: int = 640,
    unit: str = "%",
    label_width: int = 60,
) -> str:
    """Two bars per label (holdings' share beside loans' share: collection balance)."""
    bar = 10
    step = 2 * bar + 8
    height = max(1, len(rows)) * step + 50
    top = max([max(a, b) for _, a, b in rows] or [0]) or 1
    room = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{label_width}" y="24" width="12" height="10" fill="{BAR}"/>'
        f'<text x="{label_width + 16}" y="33" font-size="12">{escape(legend[0])}</text>'
        f'<rect x="{label_width + 120}" y="24" width="12" height="10" fill="{BAR_2}"/>'
        f'<text x="{label_width + 136}" y="33" font-size="12">{escape(legend[1])}</text>',
    ]
    for i, (label, a, b) in enumerate(rows):
        y = 42 + i * step
        la, lb = round(room * a / top, 1), round(room * b / top, 1)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar + 4}" font-size="13" text-anchor="end">'
            f"{escape(str(label))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{la}" height="{bar}" fill="{BAR}"/>'
            f'<text x="{label_width + la + 4}" y="{y + bar - 1}" font-size="11">{_fmt(a)}{escape(unit)}</text>'
            f'<rect x="{label_width}" y="{y + bar}" width="{lb}" height="{bar}" fill="{BAR_2}"/>'
            f'<text x="{label_width + lb + 4}" y="{y + 2 * bar - 1}" font-size="11">{_fmt(b)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
