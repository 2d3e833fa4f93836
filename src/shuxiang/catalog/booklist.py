"""Spreadsheet book lists (书单: 书名, 著者, 出版社, ISBN, 定价, 分类号, 册数) from xlsx or
csv, for schools without MARC data. Headers are recognised by their usual names in any
order; every bad row is reported with its row number and reason. A real import creates
the titles and copies (barcodes from the range, call numbers, accession numbers) of the
good rows in one transaction; a dry run writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog import cataloging, clc
from shuxiang.catalog import isbn as isbn_rules
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
_LOOKUP = {name.lower().replace(" ", ""): key for key, names in HEADERS.items() for name in names}


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


def read_rows(source: BinaryIO, filename: str = "") -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, cells) for an xlsx or csv file."""
    yield from enumerate(spreadsheet.read_rows(source.read(), filename), start=1)


def find_columns(cells: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _LOOKUP.get(
            spreadsheet.cell_text(cell).lower().replace(" ", "").replace("\u3000", "")
        )
        if key and key not in columns:
            columns[key] = index
    return columns


def parse(source: BinaryIO, filename: str = "") -> BooklistReport:
    """Read and check every row (pure apart from reading the file)."""
    report = BooklistReport()
    rows = read_rows(source, filename)
    columns: dict[str, int] = {}
    for number, cells in rows:
        found = find_columns(cells)
        if "title" in found and len(found) >= 2:
            columns = found
            break
        if number >= 20:
            break
    if not columns:
        raise Invalid(
            _("找不到表头：前 20 行中应有“书名”以及著者、出版社、ISBN、定价、分类号、册数等列。"),
            code="no_header",
        )
    report.columns = sorted(columns, key=columns.get)
    for number, cells in rows:
        values = {
            key: spreadsheet.cell_text(cells[i]) if i < len(cells) else ""
            for key, i in columns.items()
        }
        if not any(values.values()):
            continue
        report.rows += 1
        reasons: list[str] = []
        title = values.get("title", "")
        if not title:
            reasons.append(_("缺少书名"))
        isbn = values.get("isbn", "")
        if isbn and not isbn_rules.normalize(isbn):
            reasons.append(_("ISBN %(isbn)s 无效（校验位不符）") % {"isbn": isbn})
        price = None
        if values.get("price"):
            try:
                money = Money.parse(values["price"])
                price = money.fen if money else None
            except MoneyError:
                reasons.append(_("定价“%(value)s”不是金额") % {"value": values["price"]})
        number_text = values.get("clc", "")
        clc_value = ""
        if number_text:
            check = clc.validate(number_text)
            if check.valid:
                clc_value = check.normalized
            else:
                reasons.append(
                    _("分类号“%(value)s”不是有效的中图法分类号") % {"value": number_text}
                )
        copies = 1
        if values.get("copies"):
            text = values["copies"]
            if not re.fullmatch(r"\d+", text) or int(text) < 1:
                reasons.append(_("册数“%(value)s”应为正整数") % {"value": text})
            elif int(text) > MAX_COPIES_PER_ROW:
                reasons.append(
                    _("册数 %(value)s 超过每行上限 %(max)s")
                    % {"value": text, "max": MAX_COPIES_PER_ROW}
                )
            else:
                copies = int(text)
        year = None
        if values.get("year"):
            match = re.search(r"(1[5-9]\d\d|20\d\d)", values["year"])
            if match:
                year = int(match.group(1))
            else:
                reasons.append(_("出版年“%(value)s”看不懂") % {"value": values["year"]})
        if reasons:
            report.bad.append(RowProblem(number, "；".join(reasons)))
            continue
        report.good.append(
            BookRow(
                row=number,
                title=title,
                author=values.get("author", ""),
                publisher=values.get("publisher", ""),
                isbn=isbn,
                price=price,
                clc=clc_value,
                copies=copies,
                year=year,
                call_number=values.get("call_number", ""),
                edition=values.get("edition", ""),
            )
        )
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
                    report.bad.append(RowProblem(row.row, exc.message))
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
