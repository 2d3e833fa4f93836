"""The papers the school leaders sign: the stocktake report (藏书清点报告) and the
write-off register (注销清单/报损帐), as PDF (A4, the embedded CJK font of
`core.pdf`) and xlsx (text written as text, `core.spreadsheet.append_text_row`)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from shuxiang.core import clock
from shuxiang.core.money import yuan_text
from shuxiang.inventory import selectors
from shuxiang.inventory.models import Stocktake, StocktakeFinding, Withdrawal

FIGURES = (
    ("expected", lambda: _("应有")),
    ("scanned", lambda: _("已扫描")),
    ("found", lambda: _("在架")),
    ("misplaced", lambda: _("错架")),
    ("on_loan", lambda: _("借出")),
    ("elsewhere", lambda: _("修补中、预约架或在途")),
    ("missing", lambda: _("缺失")),
    ("unknown", lambda: _("未知条码")),
    ("withdrawn", lambda: _("已注销图书")),
    ("recovered", lambda: _("找回")),
    ("out_of_order", lambda: _("排架顺序错误")),
    ("claimed_missing", lambda: _("声称已还未找到")),
)


@dataclass
class Table:
    heading: str
    headers: list[str]
    widths_mm: list[float]  # 0: takes what is left
    rows: list[list[str]] = field(default_factory=list)
    total: list[str] | None = None
    numeric: frozenset[int] = frozenset()


@dataclass
class Document:
    title: str
    lines: list[str]
    tables: list[Table]
    signatures: list[str]


def _copy_row(finding: StocktakeFinding, with_found_at: bool = False) -> list[str]:
    item = finding.item
    row = [
        finding.barcode,
        item.accession_number or "" if item else "",
        item.bib.title if item else "",
        item.call_number.value if item and item.call_number_id else "",
        item.location.name if item and item.location_id else "",
    ]
    if with_found_at:
        row.append(finding.location.name if finding.location_id else "")
    else:
        price = (item.price if item.price is not None else item.bib.price) if item else None
        row.append(yuan_text(price) if price is not None else "")
    return row


def _price(finding: StocktakeFinding) -> int:
    item = finding.item
    if item is None:
        return 0
    return (item.price if item.price is not None else item.bib.price) or 0


def stocktake_report(stocktake: Stocktake) -> Document:
    """The 藏书清点报告 of a closed stocktake: its figures beside the previous closed
    stocktake's, the missing copies with their prices and total, the misplaced ones."""
    counts = stocktake.result or {}
    previous = (
        Stocktake.objects.filter(
            library_id=stocktake.library_id,
            status=Stocktake.Status.CLOSED,
            closed_at__lt=stocktake.closed_at,
        )
        .order_by("-closed_at")
        .first()
        if stocktake.closed_at
        else None
    )
    findings = (
        StocktakeFinding.objects.filter(stocktake=stocktake)
        .select_related("item__bib", "item__call_number", "item__location", "location")
        .order_by("barcode")
    )
    missing = [f for f in findings if f.outcome == StocktakeFinding.Outcome.MISSING]
    misplaced = [f for f in findings if f.outcome == StocktakeFinding.Outcome.MISPLACED]
    claimed = [f for f in findings if f.outcome == StocktakeFinding.Outcome.CLAIMED_MISSING]
    figures = Table(
        _("清点结果"),
        [_("项目"), _("本次"), _("上次") if previous else "", _("增减") if previous else ""],
        [60, 30, 30, 30],
        numeric=frozenset({1, 2, 3}),
    )
    before = previous.result if previous else {}
    for key, label in FIGURES:
        now_n = counts.get(key, 0)
        row = [label(), str(now_n), "", ""]
        if previous:
            was = before.get(key, 0)
            row[2] = str(was)
            row[3] = f"{now_n - was:+d}"
        figures.rows.append(row)
    total = sum(_price(f) for f in missing)
    missing_table = Table(
        _("缺失图书清单"),
        [_("条码号"), _("登录号"), _("题名"), _("索书号"), _("馆藏地点"), _("定价")],
        [24, 22, 0, 28, 24, 18],
        rows=[_copy_row(f) for f in missing],
        total=[_("合计"), _("%(n)s 册") % {"n": len(missing)}, "", "", "", yuan_text(total)],
        numeric=frozenset({5}),
    )
    misplaced_table = Table(
        _("错架图书清单"),
        [_("条码号"), _("登录号"), _("题名"), _("索书号"), _("应在"), _("发现于")],
        [24, 22, 0, 28, 24, 24],
        rows=[_copy_row(f, with_found_at=True) for f in misplaced],
    )
    # Also in the missing list; listed apart (when there are some), because the leaders
    # decide whether they are written off (the reader owes nothing unless billed as lost).
    claimed_total = sum(_price(f) for f in claimed)
    claimed_table = Table(
        _("读者声称已还、清点未找到的图书"),
        [_("条码号"), _("登录号"), _("题名"), _("索书号"), _("馆藏地点"), _("定价")],
        [24, 22, 0, 28, 24, 18],
        rows=[_copy_row(f) for f in claimed],
        total=[
            _("合计"),
            _("%(n)s 册") % {"n": len(claimed)},
            "",
            "",
            "",
            yuan_text(claimed_total),
        ],
        numeric=frozenset({5}),
    )
    scope = ", ".join(loc.name for loc in stocktake.locations.all()) or _("全馆")
    if stocktake.clc:
        scope += _("，分类号 %(clc)s") % {"clc": stocktake.clc}
    lines = [
        _("清点：%(name)s　范围：%(scope)s") % {"name": stocktake.name, "scope": scope},
        _("开始：%(start)s　结束：%(end)s")
        % {
            "start": localtime(stocktake.started_at).strftime("%Y-%m-%d"),
            "end": localtime(stocktake.closed_at).strftime("%Y-%m-%d")
            if stocktake.closed_at
            else "—",
        },
        _("缺失图书定价合计：%(yuan)s 元") % {"yuan": yuan_text(total)},
    ]
    repairs = _term_repairs(stocktake)
    lines.append(
        _("本学期（%(term)s）修补：已修复 %(n)s 册，修补费用 %(yuan)s 元")
        % {"term": repairs[0], "n": repairs[1].copies, "yuan": repairs[1].cost_yuan}
    )
    if previous:
        lines.append(
            _("上次清点：%(name)s（%(date)s 结束）")
            % {"name": previous.name, "date": localtime(previous.closed_at).strftime("%Y-%m-%d")}
        )
    return Document(
        title=_("%(library)s 藏书清点报告") % {"library": stocktake.library.name},
        lines=lines,
        tables=[figures, missing_table, misplaced_table]
        + ([claimed_table] if claimed else [])
        + ([_repairs_table(repairs[1])] if repairs[1].done else []),
        signatures=[_("图书管理员（签字）："), _("学校领导（签字）："), _("日期：")],
    )


def _term_repairs(stocktake: Stocktake) -> tuple[str, selectors.RepairsSummary]:
    """The repair figures of the term the stocktake closed in (a term-end stocktake's
    report is where the leaders read what collection care did that term)."""
    day = localtime(stocktake.closed_at).date() if stocktake.closed_at else clock.today()
    term = selectors.term_period(stocktake.library, day)
    label = f"{term.name} {term.start:%Y-%m-%d}—{term.end:%Y-%m-%d}"
    return label, selectors.repairs_summary(stocktake.library, term.start, term.end)


def _repairs_table(summary: selectors.RepairsSummary) -> Table:
    return Table(
        _("本学期修补图书"),
        [_("条码号"), _("题名"), _("索书号"), _("损坏情况"), _("完成日期"), _("修补费用")],
        [24, 0, 28, 34, 22, 18],
        rows=[
            [
                r.item.barcode,
                r.item.bib.title,
                r.item.call_number.value if r.item.call_number_id else "",
                r.note,
                localtime(r.done_at).strftime("%Y-%m-%d") if r.done_at else "",
                yuan_text(r.cost),
            ]
            for r in summary.done
        ],
        total=[_("合计"), _("%(n)s 册") % {"n": summary.copies}, "", "", "", summary.cost_yuan],
        numeric=frozenset({5}),
    )


def withdrawal_register(batch: Withdrawal) -> Document:
    """The 注销清单 (报损帐) of a withdrawal batch: accession numbers, titles, prices,
    reasons and the total."""
    lines_qs = batch.lines.select_related("item__bib", "item__call_number").order_by(
        "item__accession_number", "item__barcode"
    )
    rows, total = [], 0
    for n, line in enumerate(lines_qs, start=1):
        item = line.item
        total += line.price or 0
        rows.append(
            [
                str(n),
                item.accession_number or "",
                item.barcode,
                item.bib.title,
                item.call_number.value if item.call_number_id else "",
                yuan_text(line.price) if line.price is not None else "",
                str(line.get_reason_display()),
            ]
        )
    table = Table(
        _("注销图书"),
        [_("序号"), _("登录号"), _("条码号"), _("题名"), _("索书号"), _("定价"), _("注销原因")],
        [12, 22, 22, 0, 26, 18, 20],
        rows=rows,
        total=[_("合计"), "", _("%(n)s 册") % {"n": len(rows)}, "", "", yuan_text(total), ""],
        numeric=frozenset({5}),
    )
    lines = [
        _("注销批次：第 %(n)s 批　状态：%(status)s")
        % {"n": batch.number, "status": batch.get_status_display()},
        _("提出：%(who)s %(date)s")
        % {
            "who": batch.proposed_by.get_username() if batch.proposed_by_id else "",
            "date": localtime(batch.proposed_at).strftime("%Y-%m-%d"),
        },
        _("定价合计：%(yuan)s 元　处置方式：%(disposal)s")
        % {"yuan": yuan_text(total), "disposal": batch.get_disposal_display()},
    ]
    if batch.decided_at:
        lines.insert(
            2,
            _("审批：%(who)s %(date)s")
            % {
                "who": batch.decided_by.get_username() if batch.decided_by_id else "",
                "date": localtime(batch.decided_at).strftime("%Y-%m-%d"),
            },
        )
    return Document(
        title=_("%(library)s 图书注销清单") % {"library": batch.library.name},
        lines=lines,
        tables=[table],
        signatures=[_("图书管理员（签字）："), _("学校领导（签字）："), _("总务处（签字）：")],
    )


# --- writing -----------------------------------------------------------------------------


def to_pdf(doc: Document, *, copies: list[str] | None = None) -> bytes:
    """Portrait A4: the title, the lines, each table with its column titles repeated on
    every page, then the signature lines. `copies`: the document is printed once per
    label (e.g. 图书馆留存 / 总务处留存), the label at the top right of each page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from shuxiang.core.pdf import cjk_font, fit_text

    font = cjk_font()
    page_w, page_h = A4
    margin = 15 * mm
    row_h = 6.5 * mm
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4)
    c.setTitle(doc.title)

    for label in copies or [""]:
        state: dict[str, Any] = {"page": 0}

        def new_page(label: str = label, state: dict[str, Any] = state) -> float:
            if state["page"]:
                c.showPage()
            state["page"] += 1
            c.setFont(font, 9)
            if label:
                c.drawRightString(page_w - margin, page_h - margin + 2 * mm, label)
            c.drawCentredString(page_w / 2, 8 * mm, _("第 %(page)s 页") % {"page": state["page"]})
            return page_h - margin

        y = new_page()
        c.setFont(font, 16)
        c.drawCentredString(page_w / 2, y - 8 * mm, doc.title)
        y -= 16 * mm
        c.setFont(font, 10)
        for line in doc.lines:
            c.drawString(margin, y, line)
            y -= 6 * mm
        for table in doc.tables:
            widths = [w * mm for w in table.widths_mm]
            rest = page_w - 2 * margin - sum(widths)
            widths = [w or rest for w in widths]

            def draw_row(
                y: float,
                values: list[str],
                widths: list[float] = widths,
                table: Table = table,
                bold: bool = False,
            ) -> None:
                x = margin
                for i, (value, width) in enumerate(zip(values, widths, strict=False)):
                    text = str(value or "")
                    size = fit_text(text, font, 9, width - 2 * mm, min_size=5)
                    if c.stringWidth(text, font, size) > width - 2 * mm:
                        while text and c.stringWidth(text + "…", font, size) > width - 2 * mm:
                            text = text[:-1]
                        text += "…"
                    c.setFont(font, size)
                    if i in table.numeric:
                        c.drawRightString(x + width - 1 * mm, y + 2 * mm, text)
                    else:
                        c.drawString(x + 1 * mm, y + 2 * mm, text)
                    x += width
                c.setLineWidth(0.8 if bold else 0.3)
                c.line(margin, y, page_w - margin, y)

            def head(y: float, table: Table = table, draw_row: Any = draw_row) -> float:
                c.setFont(font, 12)
                c.drawString(margin, y - 6 * mm, table.heading)
                y -= 8 * mm
                c.setLineWidth(0.8)
                c.line(margin, y, page_w - margin, y)
                y -= row_h
                draw_row(y, table.headers, bold=True)
                return y

            y -= 4 * mm
            if y < margin + 4 * row_h:
                y = new_page()
            y = head(y)
            rows = table.rows or [[_("（无）")]]
            for row in rows:
                if y - row_h < margin + 2 * mm:
                    y = head(new_page())
                y -= row_h
                draw_row(y, row)
            if table.total:
                y -= row_h
                draw_row(y, table.total, bold=True)
        y -= 10 * mm
        if y < margin + 3 * 10 * mm:
            y = new_page() - 10 * mm
        c.setFont(font, 11)
        for i, sig in enumerate(doc.signatures):
            c.drawString(margin + i * (page_w - 2 * margin) / len(doc.signatures), y, sig)
        c.showPage()
    c.save()
    return buffer.getvalue()


def to_xlsx(doc: Document) -> bytes:
    """One sheet per table (the first also carries the title and the lines)."""
    from openpyxl import Workbook

    from shuxiang.core.spreadsheet import append_text_row

    wb = Workbook()
    for n, table in enumerate(doc.tables):
        sheet = wb.active if n == 0 else wb.create_sheet()
        sheet.title = table.heading[:31]
        if n == 0:
            append_text_row(sheet, [doc.title])
            for line in doc.lines:
                append_text_row(sheet, [line])
            append_text_row(sheet, [])
        append_text_row(sheet, table.headers)
        for row in table.rows:
            append_text_row(sheet, row)
        if table.total:
            append_text_row(sheet, table.total)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
