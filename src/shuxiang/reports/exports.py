"""The report as files: an xlsx workbook (formatted, the formulas' definitions on a sheet
of their own) and the PDF 学期图书室工作统计 for school leaders. Both read the same
`report.build` dictionary the page shows."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.core import spreadsheet
from shuxiang.core.money import format_fen
from shuxiang.reports import metrics


def _value(rate: metrics.Rate, places: int = 2) -> float | None:
    return rate.rounded(places)


def _headline(found: dict[str, Any]) -> list[tuple[str, metrics.Rate, metrics.Rate | None]]:
    figures, previous = found["figures"], found.get("previous") or {}
    rows = [
        (label, figures[key], previous.get(key))
        for key, (label, _f) in metrics.FORMULAS.items()
        if key in figures
    ]
    rows.append((metrics.FORMULAS["overdue_rate"][0], found["overdue"], None))
    return rows


def fees_text(fees: dict[str, int]) -> str:
    return " / ".join(format_fen(fees[k]) for k in ("billed", "paid", "waived", "refunded"))


def standard_headers() -> list[str]:
    return [_("项目"), _("本校"), _("单位"), _("最低"), _("最高"), _("结论")]


def standard_rows(standard: dict[str, Any]) -> list[list[Any]]:
    """The comparison with the rule set as workbook rows: figure, the school's value,
    unit, the minimum and maximum required, the verdict with the shortfall."""
    return [[c.label, c.value, c.unit, c.minimum, c.maximum, c.verdict] for c in standard["checks"]]


def standard_context(standard: dict[str, Any]) -> str:
    """The school's level and size the rule set was read for, and the band applied."""
    text = _("学校类别：%(level)s；在校学生 %(n)s 人") % {
        "level": standard["level_label"],
        "n": standard["students"],
    }
    if standard["band"]:
        text += _("（适用 %(band)s 一档）") % {"band": standard["band"]}
    if not standard["covered"]:
        text += _("；所选标准没有规定此类学校的指标")
    return text + "。"


def xlsx(found: dict[str, Any]) -> bytes:
    """Sheets: 概况 (each figure, numerator, denominator, previous period), 班级 (the league),
    藏书结构, 排行, 规程对照, 公式说明 (every definition)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()

    def sheet(title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> Any:
        ws = wb.create_sheet(title)
        spreadsheet.append_text_row(ws, header)
        for cell in ws[1]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            spreadsheet.append_text_row(ws, row)
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(65 + i)].width = width
        ws.freeze_panes = "A2"
        return ws

    period = found["period"]
    first = wb.active
    first.title = _("概况")
    spreadsheet.append_text_row(
        first, [f"{found['library'].school_name or found['library'].name} {_('图书室统计')}"]
    )
    first["A1"].font = Font(bold=True, size=14)
    spreadsheet.append_text_row(
        first,
        [
            _("统计范围"),
            found["group_label"],
            _("统计期间"),
            f"{period.start:%Y-%m-%d} — {period.end:%Y-%m-%d}",
        ],
    )
    spreadsheet.append_text_row(first, [])
    spreadsheet.append_text_row(
        first, [_("指标"), _("本期"), _("分子"), _("分母"), _("上期"), _("单位")]
    )
    for cell in first[4]:
        cell.font, cell.fill = bold, head_fill
    for label, rate, before in _headline(found):
        spreadsheet.append_text_row(
            first,
            [
                label,
                _value(rate),
                rate.numerator,
                rate.denominator,
                _value(before) if before else None,
                "%" if rate.percent else "",
            ],
        )
    f = found["figures"]
    spreadsheet.append_text_row(first, [])
    for label, value in [
        (_("借阅册次"), f["loans"]),
        (_("学生"), f["students"]),
        (_("教师"), f["teachers"]),
        (_("期末藏书（册）"), f["books"]),
        (_("本年新增图书（册）"), f["new_books"]),
        (_("逾期率"), found["overdue"].text()),
        (_("遗失（册）"), found["lost"]["lost"]),
        (_("注销（册）"), found["lost"]["withdrawn"]),
        (_("应收 / 实收 / 减免 / 退款"), fees_text(found["fees"])),
    ]:
        spreadsheet.append_text_row(first, [label, value])
    for col, width in zip("ABCDEF", [22, 14, 10, 10, 12, 8], strict=True):
        first.column_dimensions[col].width = width

    sheet(
        _("班级"),
        [_("班级"), _("学生"), _("借过书的学生"), _("借阅册次"), _("借书率（%）"), _("生均借阅量")],
        [
            [
                r["name"],
                r["students"],
                r["active_readers"],
                r["loans"],
                _value(r["borrowing_rate"]),
                _value(r["loans_per_student"]),
            ]
            for r in found["league"]
        ],
        [14, 8, 14, 10, 12, 12],
    )
    sheet(
        _("藏书结构"),
        [
            _("中图法大类"),
            _("藏书（册）"),
            _("藏书占比（%）"),
            _("借阅（册次）"),
            _("借阅占比（%）"),
        ],
        [
            [
                r["clc"],
                r["holdings"],
                _value(r["holdings_share"]),
                r["loans"],
                _value(r["loans_share"]),
            ]
            for r in found["balance"]
        ],
        [12, 12, 14, 12, 14],
    )
    sheet(
        _("图书排行"),
        [_("题名"), _("借阅")],
        [[b["title"], b["loans"]] for b in found["top_books"]],
        [40, 10],
    )
    standard = found["standard"]
    sheet(
        _("规程对照"),
        standard_headers(),
        standard_rows(standard),
        [22, 10, 8, 10, 10, 26],
    )
    defs = sheet(
        _("公式说明"),
        [_("指标"), _("计算公式")],
        [[label, formula] for label, formula in metrics.FORMULAS.values()],
        [16, 70],
    )
    spreadsheet.append_text_row(defs, [])
    spreadsheet.append_text_row(defs, [_("对照标准"), standard["standard"]["name"]])
    spreadsheet.append_text_row(
        defs,
        [
            _("说明"),
            _(
                "学生指本报告日在校的学生（不含已毕业、离校）；借阅按借出时读者所在班级统计；分母为 0 时不计算比率。"
            ),
        ],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def pdf(found: dict[str, Any]) -> bytes:
    """学期图书室工作统计: the headline figures with their formulas and the previous
    period, the class league, the 规程 comparison, the collection balance, the top books,
    overdue, lost and fees. A4, the embedded CJK font."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from shuxiang.core.pdf import cjk_font

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.grey)
    h1 = ParagraphStyle("h1", parent=body, fontSize=17, leading=24, alignment=1)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12.5, leading=20, spaceBefore=8)
    period = found["period"]
    library = found["library"]

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        cells = [
            [
                Paragraph(str(v), body if i else ParagraphStyle("th", parent=body, fontSize=9.5))
                for v in row
            ]
            for i, row in enumerate(rows)
        ]
        t = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return t

    story: list[Any] = [
        Paragraph(f"{library.school_name or library.name}{_('学期图书室工作统计')}", h1),
        Paragraph(
            f"{_('统计范围')}：{found['group_label']}　{_('统计期间')}：{period.label}（{period.start:%Y-%m-%d} — {period.end:%Y-%m-%d}）",
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("一、主要指标"), h2),
    ]
    rows = [[_("指标"), _("本期"), _("分子 / 分母"), _("上期"), _("计算公式")]]
    formulas = {label: formula for label, formula in metrics.FORMULAS.values()}
    for label, rate, before in _headline(found):
        rows.append(
            [
                label,
                rate.text(),
                f"{rate.numerator} / {rate.denominator}",
                before.text() if before else "—",
                formulas.get(label, ""),
            ]
        )
    story.append(table(rows, [26, 20, 24, 18, 86]))
    f = found["figures"]
    story.append(
        Paragraph(
            _(
                "本期共借出图书 %(loans)s 册次，其中学生 %(students_loans)s 册次、教师 %(teacher_loans)s 册次；在校学生 %(students)s 人，借过书的 %(active)s 人；期末藏书 %(books)s 册，本年新增 %(new)s 册。"
            )
            % {
                "loans": f"{f['loans']:,}",
                "students_loans": f"{f['student_loans']:,}",
                "teacher_loans": f"{f['teacher_loans']:,}",
                "students": f"{f['students']:,}",
                "active": f"{f['active_readers']:,}",
                "books": f"{f['books']:,}",
                "new": f"{f['new_books']:,}",
            },
            body,
        )
    )
    story.append(Paragraph(_("二、班级借阅排行"), h2))
    rows = [[_("名次"), _("班级"), _("学生"), _("借阅册次"), _("借书率"), _("生均借阅量")]]
    for n, r in enumerate(found["league"], start=1):
        rows.append(
            [
                n,
                r["name"],
                r["students"],
                r["loans"],
                r["borrowing_rate"].text(),
                r["loans_per_student"].text(),
            ]
        )
    story.append(table(rows, [14, 36, 20, 26, 26, 30]))
    standard = found["standard"]
    story.append(Paragraph(_("三、对照%(name)s") % {"name": standard["standard"]["name"]}, h2))
    if standard["standard"]["example"]:
        story.append(Paragraph(_("注意：这是示例标准，其中的数字不是正式标准。"), small))
    story.append(Paragraph(standard_context(standard), body))
    rows = [[_("项目"), _("本校"), _("标准"), _("结论")]]
    for c in standard["checks"]:
        rows.append([c.label, c.shown, c.requirement, c.verdict])
    story.append(table(rows, [52, 32, 36, 60]))
    story.append(Paragraph(_("四、藏书结构（中图法大类）"), h2))
    rows = [[_("大类"), _("藏书（册）"), _("占比"), _("借阅（册次）"), _("占比")]]
    for r in found["balance"]:
        rows.append(
            [
                r["clc"],
                r["holdings"],
                r["holdings_share"].text(),
                r["loans"],
                r["loans_share"].text(),
            ]
        )
    story.append(table(rows, [20, 34, 28, 34, 28]))
    story.append(Paragraph(_("五、借阅最多的图书"), h2))
    rows = [[_("名次"), _("题名"), _("借阅")]] + [
        [n, b["title"], b["loans"]] for n, b in enumerate(found["top_books"], start=1)
    ]
    story.append(table(rows, [14, 120, 20]))
    story.append(Paragraph(_("六、逾期、遗失与赔偿"), h2))
    lost = found["lost"]
    story.append(
        Paragraph(
            _(
                "逾期率 %(rate)s（%(n)s / %(d)s）；遗失 %(lost)s 册，注销 %(withdrawn)s 册；赔偿与罚款 应收 / 实收 / 减免 / 退款：%(fees)s。"
            )
            % {
                "rate": found["overdue"].text(),
                "n": found["overdue"].numerator,
                "d": found["overdue"].denominator,
                "lost": lost["lost"],
                "withdrawn": lost["withdrawn"],
                "fees": fees_text(found["fees"]),
            },
            body,
        )
    )
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            _(
                "说明：学生指本报告日在校的学生（不含已毕业、离校）；借阅按借出时读者所在班级统计；分母为 0 时不计算比率，记作“—”。"
            ),
            small,
        )
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("学期图书室工作统计"),
    )
    doc.build(story)
    return buffer.getvalue()


def inspection_xlsx(
    found: dict[str, Any], holdings: list[dict], accessions: list, gone: list
) -> bytes:
    """迎检材料: holdings by CLC class and type with the five major groups (分类帐), the
    accession totals by year (总括登记), the borrowing figures of the period, the volumes
    withdrawn and lost by year (报损帐), and the 规程 comparison; definitions last."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from shuxiang.catalog.models import Item
    from shuxiang.core.money import Money

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()

    def header(ws: Any, values: list[str]) -> None:
        spreadsheet.append_text_row(ws, values)
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = bold, fill

    types = list(Item.CirculationType.choices)
    ws = wb.active
    ws.title = _("馆藏分类统计")
    header(
        ws,
        [_("中图法大类"), *[str(label) for _v, label in types], _("合计（册）"), _("金额（元）")],
    )
    for row in holdings:
        spreadsheet.append_text_row(
            ws,
            [
                row["clc"],
                *[row["types"].get(v, 0) for v, _l in types],
                row["total"],
                Money(row["value"]).decimal,
            ],
        )
    total = sum(r["total"] for r in holdings)
    spreadsheet.append_text_row(
        ws,
        [
            _("合计"),
            *[sum(r["types"].get(v, 0) for r in holdings) for v, _l in types],
            total,
            Money(sum(r["value"] for r in holdings)).decimal,
        ],
    )
    spreadsheet.append_text_row(ws, [])
    header(ws, [_("五大部类"), _("册数"), _("占比（%）")])
    for code, name, letters in metrics.MAJOR_GROUPS:
        n = sum(r["total"] for r in holdings if r["clc"] in letters)
        spreadsheet.append_text_row(ws, [f"{code} {name}", n, metrics.share(n, total).rounded(2)])
    ws.column_dimensions["A"].width = 18

    ws = wb.create_sheet(_("登记总数"))
    header(ws, [_("年度"), _("入藏（册）"), _("金额（元）")])
    for year, n, value in accessions:
        spreadsheet.append_text_row(ws, [year, n, Money(value or 0).decimal])

    ws = wb.create_sheet(_("借阅统计"))
    header(ws, [_("指标"), _("数值"), _("分子"), _("分母"), _("计算公式")])
    for key, (label, formula) in metrics.FORMULAS.items():
        rate = found["figures"].get(key) if key != "overdue_rate" else found["overdue"]
        spreadsheet.append_text_row(
            ws, [label, rate.rounded(2), rate.numerator, rate.denominator, formula]
        )
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["E"].width = 60

    ws = wb.create_sheet(_("剔旧与遗失"))
    header(ws, [_("年度"), _("类别"), _("册数"), _("金额（元）")])
    labels = dict(Item.Status.choices)
    for year, status, n, value in gone:
        spreadsheet.append_text_row(ws, [year, str(labels[status]), n, Money(value).decimal])

    ws = wb.create_sheet(_("规程对照"))
    standard = found["standard"]
    header(ws, standard_headers())
    for row in standard_rows(standard):
        spreadsheet.append_text_row(ws, row)
    spreadsheet.append_text_row(ws, [_("对照标准"), standard["standard"]["name"]])
    spreadsheet.append_text_row(ws, [_("说明"), standard_context(standard)])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["F"].width = 26
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def summary_sentences(found: dict[str, Any]) -> list[str]:
    """The figures section of the librarian's term summary (学期工作总结) as sentences:
    "本学期共借出图书 3,412 册次，生均 5.7 册，借书率 86.0%（上学期 81.0%）……"."""
    f, before = found["figures"], found.get("previous") or {}

    def was(key: str) -> str:
        rate = before.get(key)
        return _("（上学期 %(value)s）") % {"value": rate.text()} if rate is not None else ""

    standard = found["standard"]
    short = [c.label for c in standard["checks"] if not c.passed]
    passed = [c.label for c in standard["checks"] if c.passed]
    league = [r for r in found["league"] if r["students"]][:3]
    return [
        _(
            "%(label)s共借出图书 %(loans)s 册次，生均 %(per)s 册%(per_was)s，借书率 %(rate)s%(rate_was)s，"
            "藏书流通率 %(circ)s%(circ_was)s；借书证覆盖率 %(cards)s。"
        )
        % {
            "label": found["period"].label,
            "loans": f"{f['loans']:,}",
            "per": f["loans_per_student"].text(),
            "per_was": was("loans_per_student"),
            "rate": f["borrowing_rate"].text(),
            "rate_was": was("borrowing_rate"),
            "circ": f["circulation_rate"].text(),
            "circ_was": was("circulation_rate"),
            "cards": f["card_coverage"].text(),
        },
        _("期末藏书 %(books)s 册，生均 %(bps)s 册；本年新增图书 %(new)s 册，生均 %(nps)s 册。")
        % {
            "books": f"{f['books']:,}",
            "bps": f["books_per_student"].text(),
            "new": f"{f['new_books']:,}",
            "nps": f["new_books_per_student"].text(),
        },
        _("班级借阅前三名：%(classes)s。")
        % {
            "classes": "、".join(
                f"{r['name']}（生均 {r['loans_per_student'].text()} 册）" for r in league
            )
            or "—"
        },
        _("对照%(name)s：%(passed)s达标；%(short)s未达标。")
        % {
            "name": standard["standard"]["name"],
            "passed": "、".join(passed) or "—",
            "short": "、".join(short) or "—",
        },
    ]


def term_summary_docx(found: dict[str, Any]) -> bytes:
    """学期工作总结（数据部分）as an editable Word document: the sentences, the key
    figures, the class league and the 规程 comparison, for the librarian to finish."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    library = found["library"]
    doc.add_heading(
        f"{library.school_name or library.name}{_('图书室学期工作总结（数据部分）')}", level=1
    )
    for sentence in summary_sentences(found):
        doc.add_paragraph(sentence)

    def table(rows: list[list[Any]]) -> None:
        t = doc.add_table(rows=0, cols=len(rows[0]))
        t.style = "Table Grid"
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)

    doc.add_heading(_("主要指标"), level=2)
    rows = [[_("指标"), _("本期"), _("分子 / 分母"), _("上期")]]
    for label, rate, before in _headline(found):
        rows.append(
            [
                label,
                rate.text(),
                f"{rate.numerator} / {rate.denominator}",
                before.text() if before else "—",
            ]
        )
    table(rows)
    doc.add_heading(_("班级借阅排行"), level=2)
    rows = [[_("名次"), _("班级"), _("借书率"), _("生均借阅量")]]
    for n, r in enumerate(found["league"], start=1):
        rows.append([n, r["name"], r["borrowing_rate"].text(), r["loans_per_student"].text()])
    table(rows)
    doc.add_heading(_("对照%(name)s") % {"name": found["standard"]["standard"]["name"]}, level=2)
    rows = [[_("项目"), _("本校"), _("标准"), _("结论")]]
    for c in found["standard"]["checks"]:
        rows.append([c.label, c.shown, c.requirement, c.verdict])
    table(rows)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# -- the ledgers (三帐一簿) -----------------------------------------------------------------


@dataclass
class LedgerTable:
    """One table of a ledger: its heading, column titles, rows (numbers as numbers, money
    as Decimal yuan), the total row, and each column's width on paper (mm; 0 takes what
    is left) and in the workbook (characters)."""

    heading: str
    headers: list[str]
    rows: list[list[Any]]
    widths_mm: list[float]
    total: list[Any] | None = None
    day_breaks: bool = False  # a subheading row before each new day (the loan register)


@dataclass
class Ledger:
    """A ledger as the page shows it and the PDF and xlsx write it."""

    slug: str
    title: str
    lines: list[str]
    tables: list[LedgerTable] = field(default_factory=list)
    note: str = ""


class Plain(int):
    """A number printed as it is (a year: 2026, not 2,026)."""


def shown(value: Any) -> str:
    """A ledger cell as printed: 12,345; money 1,234.50; a share 2.53; a year 2026; a
    date 2026-03-01; None "—"."""
    if value is None or value == "":
        return "—" if value is None else ""
    if isinstance(value, Plain):
        return str(int(value))
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool | Plain)


def _yuan(fen: int | None) -> Decimal:
    from shuxiang.core.money import Money

    return Money(fen or 0).decimal


def _tally(t: Any) -> list[Any]:
    return [t.volumes, _yuan(t.value)]


def general_ledger_doc(library: Any, year: int) -> Ledger:
    """总帐: books and other materials, year by year up to `year`, and that year's changes
    by source and by reason."""
    from shuxiang.reports import ledgers

    found = ledgers.general_ledger(library, year)
    headers = [
        _("年度"),
        _("年初册数"),
        _("年初金额（元）"),
        _("本年增加（册）"),
        _("增加金额（元）"),
        _("本年减少（册）"),
        _("减少金额（元）"),
        _("年末册数"),
        _("年末金额（元）"),
    ]
    tables = [
        LedgerTable(
            str(label),
            headers,
            [
                [
                    Plain(r.year),
                    *_tally(r.start),
                    *_tally(r.added),
                    *_tally(r.removed),
                    *_tally(r.end),
                ]
                for r in _from_first_change(found[kind])
            ],
            [16, 24, 30, 24, 30, 24, 30, 24, 30],
        )
        for kind, label in ledgers.KINDS
    ]
    changes = ledgers.year_changes(library, year)
    for heading, first, rows in (
        (_("%(year)s 年增加（按来源）") % {"year": year}, _("来源"), changes["added"]),
        (_("%(year)s 年减少（按原因）") % {"year": year}, _("原因"), changes["removed"]),
    ):
        tables.append(
            LedgerTable(
                heading,
                [first, _("册数"), _("金额（元）")],
                [[label, *_tally(t)] for label, t in rows],
                [60, 30, 40],
                total=[
                    _("合计"),
                    sum(t.volumes for _l, t in rows),
                    _yuan(sum(t.value for _l, t in rows)),
                ],
            )
        )
    return Ledger(
        "general",
        _("%(library)s 藏书总帐（%(year)s 年）")
        % {"library": _library_name(library), "year": year},
        [
            _(
                "年末 = 年初 + 本年增加 − 本年减少；年初 = 上年年末。图书指普通外借和参考工具书，其他资料指期刊、音像资料。"
            ),
            _(
                "入藏以入藏日期为准；减少指注销（以注销批次审批日为准）和遗失；金额按实价，无实价按定价。"
            ),
        ],
        tables,
    )


def _from_first_change(rows: list[Any]) -> list[Any]:
    """The years from the first with anything in it (a school that began keeping
    audio-visual materials in 2019 has no empty rows before); the last year always."""
    for n, row in enumerate(rows):
        if row.start.volumes or row.added.volumes or row.removed.volumes:
            return rows[n:]
    return rows[-1:]


def _library_name(library: Any) -> str:
    return library.school_name or library.name


def classified_ledger_doc(library: Any, year: int) -> Ledger:
    """分类帐: the books held at the end of `year` by the five major groups and the 22
    CLC classes, with the year's additions and removals."""
    from shuxiang.reports import ledgers, metrics

    found = ledgers.classified_ledger(library, year)
    total = found["total"]
    headers = [
        _("类别"),
        _("名称"),
        _("册数"),
        _("种数"),
        _("金额（元）"),
        _("占比（%）"),
        _("本年增加（册）"),
        _("增加金额（元）"),
        _("本年减少（册）"),
        _("减少金额（元）"),
    ]

    def row(r: Any) -> list[Any]:
        return [
            r.code,
            r.label,
            r.volumes,
            r.titles,
            _yuan(r.value),
            metrics.share(r.volumes, total.volumes).rounded(2),
            *_tally(r.added),
            *_tally(r.removed),
        ]

    widths = [14, 0, 20, 18, 28, 20, 24, 28, 24, 28]
    total_row = [_("合计"), "", *row(total)[2:5], 100.0 if total.volumes else None, *row(total)[6:]]
    return Ledger(
        "classified",
        _("%(library)s 藏书分类帐（%(year)s 年）")
        % {"library": _library_name(library), "year": year},
        [
            _("%(year)s 年 12 月 31 日馆藏图书（不含已注销、遗失），按《中国图书馆分类法》统计。")
            % {"year": year},
            _("种数按书目记录计：同一书目的多个复本计一种。"),
        ],
        [
            LedgerTable(
                _("五大部类"), headers, [row(g) for g in found["groups"]], widths, total_row
            ),
            LedgerTable(
                _("二十二大类"), headers, [row(c) for c in found["classes"]], widths, total_row
            ),
        ],
    )


def loss_ledger_doc(library: Any, start: dt.date, end: dt.date, rows: Any = None) -> Ledger:
    """报损帐: every copy withdrawn or lost in the span with accession number, title,
    value, reason, day and batch; totals by reason. `rows`: the lines to show (a page of
    them); all of them by default."""
    from shuxiang.reports import ledgers

    labels = ledgers.reason_labels()
    totals = ledgers.loss_totals(library, start, end)
    lines = ledgers.loss_rows(library, start, end) if rows is None else rows
    return Ledger(
        "losses",
        _("%(library)s 报损帐（%(start)s — %(end)s）")
        % {"library": _library_name(library), "start": start, "end": end},
        [
            _(
                "注销以注销批次的审批日为准；遗失未注销的图书以状态变为遗失的日期为准；金额按入帐时的实价（无实价按定价），与总帐一致。"
            )
        ],
        [
            LedgerTable(
                _("按原因合计"),
                [_("原因"), _("册数"), _("金额（元）")],
                [[label, *_tally(t)] for _code, label, t in totals["by_reason"]],
                [60, 30, 40],
                total=[_("合计"), *_tally(totals["total"])],
            ),
            LedgerTable(
                _("报损明细"),
                [
                    _("日期"),
                    _("登录号"),
                    _("条码号"),
                    _("题名"),
                    _("分类号"),
                    _("金额（元）"),
                    _("原因"),
                    _("注销批次"),
                ],
                [
                    [
                        r["left"],
                        r["accession_number"] or "",
                        r["barcode"],
                        r["bib__title"],
                        r["bib__clc"],
                        _yuan(r["written_off"]),
                        labels.get(r["reason"], r["reason"]),
                        _("第 %(n)s 批") % {"n": r["batch"]} if r["batch"] else "",
                    ]
                    for r in lines
                ],
                [24, 26, 26, 0, 24, 22, 30, 20],
                total=[
                    _("合计"),
                    "",
                    "",
                    _("%(n)s 册") % {"n": f"{totals['total'].volumes:,}"},
                    "",
                    _yuan(totals["total"].value),
                    "",
                    "",
                ],
            ),
        ],
    )


LOAN_PDF_LIMIT = 3000


def loan_row(r: dict, *, names: bool, zone: Any) -> list[Any]:
    """One line of the loan register: out (local time), reader, category or class, title,
    barcode, due, returned (local day) or the loan's state."""
    return loan_row_maker(names=names, zone=zone)(r)


def loan_row_maker(*, names: bool, zone: Any) -> Any:
    """`loan_row` with the words it needs looked up once, for the 300,000 lines of a
    large school's year."""
    from shuxiang.patrons.models import Patron

    categories = {k: str(v) for k, v in Patron.Category.choices}
    class_loan = _("（班级集体借阅）")
    states = {"lost": _("遗失"), "claimed_returned": _("声称已还")}
    not_back = _("未还")

    def row(r: dict) -> list[Any]:
        if r["school_class__name"]:
            who, group = class_loan, r["school_class__name"]
        else:
            who = "—" if r["patron__anonymous"] or not r["patron__name"] else r["patron__name"]
            group = r["class_name_at_loan"] or categories.get(r["patron_category"], "")
        returned = r["returned_at"]
        back = (
            returned.astimezone(zone).date()
            if returned is not None
            else states.get(r["status"], not_back)
        )
        out = r["checked_out_at"].astimezone(zone)
        first = [out.date(), f"{out:%H:%M}", who] if names else [out.date(), f"{out:%H:%M}"]
        return [*first, group, r["bib_title"], r["item__barcode"], r["due_date"], back]

    return row


def loan_headers(names: bool) -> list[str]:
    first = [_("日期"), _("时间")] + ([_("读者")] if names else [])
    return [*first, _("班级 / 读者类型"), _("题名"), _("条码号"), _("应还日期"), _("归还")]


def loan_register_doc(
    library: Any, start: dt.date, end: dt.date, rows: Any, *, names: bool, count: int
) -> Ledger:
    """借阅登记 of a span: the loans in the order they went out, grouped by day."""
    import zoneinfo

    zone = zoneinfo.ZoneInfo(library.time_zone)
    widths = [22, 15, *([22] if names else []), 28, 0, 26, 22, 22]
    return Ledger(
        "loans",
        _("%(library)s 借阅登记（%(start)s — %(end)s）")
        % {"library": _library_name(library), "start": start, "end": end},
        [_("共 %(n)s 册次。") % {"n": f"{count:,}"}],
        [
            LedgerTable(
                _("借阅登记"),
                loan_headers(names),
                [loan_row(r, names=names, zone=zone) for r in rows],
                widths,
                day_breaks=True,
            )
        ],
    )


def ledger_xlsx(ledger: Ledger) -> bytes:
    """One sheet per table, the first with the title and notes above it: bold headers on
    a tinted row, frozen below the header, money with two decimals, text as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()
    for n, table in enumerate(ledger.tables):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = _sheet_title(table.heading, wb)
        if n == 0:
            spreadsheet.append_text_row(ws, [ledger.title])
            ws["A1"].font = Font(bold=True, size=14)
            for line in ledger.lines:
                spreadsheet.append_text_row(ws, [line])
            spreadsheet.append_text_row(ws, [])
        spreadsheet.append_text_row(ws, table.headers)
        head = ws.max_row
        for cell in ws[head]:
            cell.font, cell.fill = bold, fill
        ws.freeze_panes = f"A{head + 1}"
        for row in table.rows:
            spreadsheet.append_text_row(ws, [int(v) if isinstance(v, Plain) else v for v in row])
            _money_format(ws[ws.max_row])
        if table.total:
            spreadsheet.append_text_row(ws, table.total)
            for cell in ws[ws.max_row]:
                cell.font = bold
            _money_format(ws[ws.max_row])
        _widths(ws, table)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(heading: str, wb: Any) -> str:
    # A sheet's name has at most 31 characters and none of []:*?/\.
    title = "".join(ch for ch in heading if ch not in "[]:*?/\\")[:31] or "Sheet"
    n, candidate = 2, title
    while candidate in wb.sheetnames:
        candidate, n = f"{title[:28]}({n})", n + 1
    return candidate


def _money_format(cells: Any) -> None:
    for cell in cells:
        if isinstance(cell.value, Decimal):
            cell.number_format = "#,##0.00"


def _widths(ws: Any, table: LedgerTable) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(table.widths_mm, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, round((width or 90) / 2.2))


def loan_register_xlsx(
    library: Any, start: dt.date, end: dt.date, rows: Any, *, names: bool
) -> bytes:
    """The whole loan register of a span, streamed (a school year is 300,000 lines): a
    write-only workbook, text cells that look like formulas written as text, and a
    second sheet with the loans of each day."""
    import zoneinfo

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from shuxiang.reports import ledgers

    zone = zoneinfo.ZoneInfo(library.time_zone)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("借阅登记"))
    widths = [12, 8, *([12] if names else []), 16, 40, 16, 12, 12]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = width
    ws.freeze_panes = "A3"

    def styled(values: list[Any], font: Any = None, tint: Any = None) -> list[Any]:
        out = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            if font is not None:
                cell.font = font
            if tint is not None:
                cell.fill = tint
            out.append(cell)
        return out

    ws.append(
        styled(
            [
                _("%(library)s 借阅登记（%(start)s — %(end)s）")
                % {"library": _library_name(library), "start": start, "end": end}
            ],
            Font(bold=True, size=13),
        )
    )
    ws.append(styled(loan_headers(names), bold, fill))
    make = loan_row_maker(names=names, zone=zone)
    for r in rows:
        # Plain values (dates get their format from openpyxl); only a text that would be
        # taken for a formula needs a cell of its own, written as text.
        ws.append([as_text(ws, v) if isinstance(v, str) and v[:1] == "=" else v for v in make(r)])
    days = wb.create_sheet(_("按日统计"))
    days.append(styled([_("日期"), _("借出（册次）")], bold, fill))
    total = 0
    for day, n in ledgers.loans_by_day(library, start, end):
        days.append(styled([day, n]))
        total += n
    days.append(styled([_("合计"), total], bold))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def as_text(ws: Any, value: str) -> Any:
    """A write-only sheet's cell holding `value` as text, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def ledger_pdf(ledger: Ledger, *, landscape_page: bool = True) -> bytes:
    """The ledger on A4 (landscape: the ledgers are wide), the embedded CJK font, each
    table's header repeated on every page, page numbers, and lines for signatures."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from shuxiang.core.pdf import cjk_font

    font = cjk_font()
    size = landscape(A4) if landscape_page else A4
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    right = ParagraphStyle("right", parent=body, alignment=2)
    head = ParagraphStyle("head", parent=body, fontSize=9, leading=11)
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=22, alignment=1)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=18, spaceBefore=6)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.grey)
    room = size[0] - 24 * mm

    head_right = ParagraphStyle("head_right", parent=head, alignment=2)

    def cell(value: Any, style: Any) -> Paragraph:
        if is_number(value):
            style = right if style is body else head_right
        return Paragraph(escape(shown(value)), style)

    story: list[Any] = [Paragraph(escape(ledger.title), h1)]
    story += [Paragraph(escape(line), small) for line in ledger.lines]
    for table in ledger.tables:
        story.append(Paragraph(escape(table.heading), h2))
        fixed = sum(w * mm for w in table.widths_mm)
        flexible = sum(1 for w in table.widths_mm if not w)
        rest = max(20 * mm, (room - fixed) / flexible) if flexible else 0
        widths = [w * mm if w else rest for w in table.widths_mm]
        scale = min(1.0, room / sum(widths))
        widths = [w * scale for w in widths]
        data = [[cell(h, head) for h in table.headers]]
        spans = []
        day = None
        for row in table.rows or [[_("（无）")] + [""] * (len(table.headers) - 1)]:
            if table.day_breaks and row and row[0] != day:
                day = row[0]
                data.append([cell(f"{shown(day)}", head)] + [""] * (len(table.headers) - 1))
                spans.append(len(data) - 1)
            data.append([cell(v, body) for v in row])
        if table.total:
            data.append([cell(v, head) for v in table.total])
        t = Table(data, colWidths=widths, repeatRows=1)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        for n in spans:
            style += [("SPAN", (0, n), (-1, n)), ("BACKGROUND", (0, n), (-1, n), colors.whitesmoke)]
        if table.total:
            style.append(("LINEABOVE", (0, -1), (-1, -1), 1, colors.black))
        t.setStyle(TableStyle(style))
        story.append(t)
    if ledger.note:
        story.append(Paragraph(escape(ledger.note), small))
    story.append(Spacer(1, 10 * mm))
    story.append(
        Paragraph(
            escape(
                ("　" * 10).join([_("图书管理员（签字）："), _("学校领导（签字）："), _("日期：")])
            ),
            body,
        )
    )

    def number(canvas: Any, doc: Any) -> None:
        canvas.setFont(font, 8)
        canvas.drawCentredString(size[0] / 2, 7 * mm, _("第 %(page)s 页") % {"page": doc.page})

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=ledger.title,
    ).build(story, onFirstPage=number, onLaterPages=number)
    return buffer.getvalue()


# -- recommended reading lists -----------------------------------------------------------


def reading_list_xlsx(reading_list: Any, found: dict[str, Any], period: Any) -> bytes:
    """The titles of a list the library does not hold, as a purchase list (采购建议), then
    the coverage by category and every title with its copies and loans in the period."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()

    def header(ws: Any, values: list[str], widths: list[int]) -> None:
        spreadsheet.append_text_row(ws, values)
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = bold, fill
        ws.freeze_panes = f"A{ws.max_row + 1}"
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(65 + i)].width = width

    ws = wb.active
    ws.title = _("采购建议")
    spreadsheet.append_text_row(
        ws, [_("%(name)s：本馆未入藏的书目（采购建议）") % {"name": reading_list.name}]
    )
    ws["A1"].font = Font(bold=True, size=13)
    header(
        ws,
        [_("序号"), _("书名"), _("作者"), _("ISBN"), _("类别"), _("学段")],
        [8, 40, 20, 16, 14, 12],
    )
    for n, e in enumerate(found["missing"], start=1):
        spreadsheet.append_text_row(
            ws, [n, e["title"], e["author"], e["isbn"], e["category"], e["level"]]
        )

    ws = wb.create_sheet(_("按类别"))
    header(
        ws,
        [
            _("类别"),
            _("书目种数"),
            _("馆藏种数"),
            _("馆藏覆盖率（%）"),
            _("借出种数"),
            _("借阅覆盖率（%）"),
            _("借阅册次"),
        ],
        [16, 10, 10, 14, 10, 14, 10],
    )
    from shuxiang.reports import metrics

    for c in [*found["categories"], found["total"]]:
        spreadsheet.append_text_row(
            ws,
            [
                c.category,
                c.titles,
                c.held,
                metrics.share(c.held, c.titles).rounded(2),
                c.lent,
                metrics.share(c.lent, c.titles).rounded(2),
                c.loans,
            ],
        )
    spreadsheet.append_text_row(ws, [])
    spreadsheet.append_text_row(
        ws,
        [
            _("借阅统计期间"),
            f"{period.start:%Y-%m-%d} — {period.end:%Y-%m-%d}",
        ],
    )

    ws = wb.create_sheet(_("全部书目"))
    header(
        ws,
        [
            _("序号"),
            _("书名"),
            _("作者"),
            _("ISBN"),
            _("类别"),
            _("学段"),
            _("馆藏（册）"),
            _("借阅（册次）"),
        ],
        [8, 40, 20, 16, 14, 12, 10, 10],
    )
    for e in found["entries"]:
        spreadsheet.append_text_row(
            ws,
            [
                e["position"],
                e["title"],
                e["author"],
                e["isbn"],
                e["category"],
                e["level"],
                e["copies"],
                e["loans"],
            ],
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
