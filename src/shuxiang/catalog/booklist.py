"""Spreadsheet book lists (书单: 书名, 著者, 出版社, ISBN, 定价, 分类号, 册数) from xlsx or
csv, for schools without MARC data. Headers are recognised by their usual names in any
order; every bad row is reported with its row number and reason. A real import creates
the titles and copies (barcodes from the range, call numbers, accession numbers) of the
good rows in one transaction; a dry run writes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog import cataloging, rules
from shuxiang.core import spreadsheet
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError, Invalid
from shuxiang.core.models import Location
from shuxiang.core.money import Money, MoneyError

MAX_COPIES_PER_ROW = 200

# Column → the header texts that mean it (compared without spaces, case-insensitively).
HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("书名", "题名", "正题名", "图书名称", "书刊名称", "名称", "title"),
    "author": ("著者", "作者", "责任者", "编著者", "著译者", "author", "authors"),
    "publisher": ("出版社", "出版者", "出版单位", "publisher"),
    "isbn": ("isbn", "书号", "国际标准书号", "isbn号", "标准书号"),
    "price": ("定价", "单价", "价格", "定价(元)", "定价（元）", "price"),
    "clc": ("分类号", "中图分类号", "中图法分类号", "中图号", "分类", "clc"),
    "copies": ("册数", "复本数", "复本", "数量", "订数", "本数", "copies", "quantity"),
    "year": ("出版年", "出版日期", "出版时间", "出版年份", "year"),
    "call_number": ("索书号", "call number"),
    "edition": ("版次", "edition"),
}
HEADER_SCAN = 20  # a school's list may have a title and notes above the header


@dataclass(slots=True)
class BookRow:
    row: int
    title: str
    author: str = ""
    publisher: str = ""
    isbn: str = ""
    price: int | None = None
    clc: str = ""
    copies: int = 1
    year: int | None = None
    call_number: str = ""
    edition: str = ""


@dataclass(slots=True)
class RowProblem:
    row: int
    reason: str
    code: str = "invalid"  # the stable code of the (first) reason, as the API reports it


@dataclass
class BooklistReport:
    rows: int = 0
    good: list[BookRow] = field(default_factory=list)
    bad: list[RowProblem] = field(default_factory=list)
    titles_created: int = 0
    titles_existing: int = 0
    items_created: int = 0
    dry_run: bool = False
    columns: list[str] = field(default_factory=list)

    @property
    def copies(self) -> int:
        return sum(r.copies for r in self.good)


def _is_header(columns: dict[str, int]) -> bool:
    return "title" in columns and len(columns) >= 2


# What the list says, row by row, for the problems `rules.bib_check` finds: short, with
# the cell as written. Other problems keep the service's message.
def _row_reason(problem: Invalid, values: dict[str, str]) -> str:
    if problem.code == "title_required":
        return _("缺少书名")
    if problem.code == "invalid_isbn":
        return _("ISBN %(isbn)s 无效（校验位不符）") % {"isbn": values.get("isbn", "")}
    if problem.code == "invalid_clc":
        return _("分类号“%(value)s”不是有效的中图法分类号") % {"value": values.get("clc", "")}
    return problem.message


def _parse_price(text: str, problems: list[tuple[str, str]]) -> int | None:
    if not text:
        return None
    try:
        money = Money.parse(text)
    except MoneyError:
        problems.append((_("定价“%(value)s”不是金额") % {"value": text}, "invalid_price"))
        return None
    return money.fen if money else None


def _parse_copies(text: str, problems: list[tuple[str, str]]) -> int:
    if not text:
        return 1
    if not re.fullmatch(r"\d+", text) or int(text) < 1:
        problems.append((_("册数“%(value)s”应为正整数") % {"value": text}, "invalid_copies"))
    elif int(text) > MAX_COPIES_PER_ROW:
        problems.append(
            (
                _("册数 %(value)s 超过每行上限 %(max)s")
                % {"value": text, "max": MAX_COPIES_PER_ROW},
                "too_many_copies",
            )
        )
    else:
        return int(text)
    return 1


def _parse_year(text: str, problems: list[tuple[str, str]]) -> int | None:
    if not text:
        return None
    match = re.search(r"(1[5-9]\d\d|20\d\d)", text)
    if match:
        return int(match.group(1))
    problems.append((_("出版年“%(value)s”看不懂") % {"value": text}, "invalid_year"))
    return None


# The order in which a row's reasons are listed: the columns' usual order.
_REASON_ORDER = (
    "title_required",
    "invalid_isbn",
    "invalid_price",
    "invalid_clc",
    "invalid_copies",
    "too_many_copies",
    "invalid_year",
)


def _book_row(number: int, values: dict[str, str]) -> BookRow | RowProblem:
    """One row as a book to catalog, or every reason it cannot be: what does not parse,
    and what `rules.bib_check` (the check bib_create enforces) finds."""
    problems: list[tuple[str, str]] = []
    price = _parse_price(values.get("price", ""), problems)
    copies = _parse_copies(values.get("copies", ""), problems)
    year = _parse_year(values.get("year", ""), problems)
    check = rules.bib_check(
        title=values.get("title", ""),
        isbn=values.get("isbn", "") or None,
        year=year,
        price=price,
        clc_number=values.get("clc", ""),
    )
    problems += [(_row_reason(p, values), p.code) for p in check.problems]
    if problems:
        problems.sort(key=lambda p: _REASON_ORDER.index(p[1]) if p[1] in _REASON_ORDER else 99)
        return RowProblem(number, "；".join(p[0] for p in problems), problems[0][1])
    return BookRow(
        row=number,
        title=values.get("title", ""),
        author=values.get("author", ""),
        publisher=values.get("publisher", ""),
        isbn=values.get("isbn", ""),
        price=price,
        clc=check.clc,
        copies=copies,
        year=year,
        call_number=values.get("call_number", ""),
        edition=values.get("edition", ""),
    )


def parse(source: BinaryIO, filename: str = "") -> BooklistReport:
    """Read and check every row (pure apart from reading the file)."""
    report = BooklistReport()
    table = spreadsheet.read_rows(source.read(), filename)
    header = spreadsheet.find_header(table, HEADERS, accept=_is_header, scan=HEADER_SCAN)
    if header is None:
        raise Invalid(
            _("找不到表头：前 20 行中应有“书名”以及著者、出版社、ISBN、定价、分类号、册数等列。"),
            code="no_header",
        )
    columns = header.columns
    report.columns = sorted(columns, key=columns.get)
    for number, cells in enumerate(table[header.index + 1 :], start=header.line + 1):
        values = {
            key: spreadsheet.cell_text(cells[i]) if i < len(cells) else ""
            for key, i in columns.items()
        }
        if not any(values.values()):
            continue
        report.rows += 1
        book = _book_row(number, values)
        if isinstance(book, RowProblem):
            report.bad.append(book)
        else:
            report.good.append(book)
    return report


class _DryRun(Exception):
    pass


def booklist_import(
    *,
    actor: Actor,
    source: BinaryIO,
    filename: str = "",
    location_code: str = "",
    dry_run: bool = False,
    source_kind: str = "purchase",
    after_row: Any = None,
) -> BooklistReport:
    """Import a book list. The good rows are cataloged in one transaction (a dry run
    rolls it back, so its counts are what a real import would do); the bad rows are
    listed. `after_row(book_row, cataloged)` lets a caller (receiving a purchase batch)
    attach the new copies to something of its own inside the same transaction."""
    report = parse(source, filename)
    report.dry_run = dry_run
    if (
        location_code
        and not Location.objects.filter(library=actor.library, code=location_code).exists()
    ):
        raise Invalid(
            _("没有馆藏地点 %(code)s。") % {"code": location_code}, code="location_not_found"
        )
    try:
        with transaction.atomic():
            for row in report.good:
                try:
                    with transaction.atomic():
                        result = cataloging.bib_catalog(
                            actor=actor,
                            values={
                                "title": row.title,
                                "isbn": row.isbn or None,
                                "authors": [
                                    a for a in re.split(r"\s*[;；、,，]\s*", row.author) if a
                                ],
                                "publisher": row.publisher,
                                "year": row.year,
                                "clc": row.clc,
                                "price": row.price,
                                "edition": row.edition,
                            },
                            copies=[
                                cataloging.CopySpec(location_code=location_code, price=row.price)
                                for _ in range(row.copies)
                            ],
                            call_number=row.call_number,
                            source=source_kind,
                        )
                except DomainError as exc:  # a row's conflict is reported, the rest imports
                    report.bad.append(RowProblem(row.row, exc.message, exc.code))
                    continue
                if result.created_bib:
                    report.titles_created += 1
                else:
                    report.titles_existing += 1
                report.items_created += len(result.items)
                if after_row is not None:
                    after_row(row, result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    report.bad.sort(key=lambda p: p.row)
    bad_rows = {p.row for p in report.bad}
    report.good = [r for r in report.good if r.row not in bad_rows]
    return report
