"""Recall lists (下架清单): titles a school must take off its shelves, as the education
bureau sends them (xlsx or CSV: title, author, ISBN, publisher, reason). Pure: the
rows of a table in, the list's entries and their problems out; entries and the
library's titles in, the matches out.

A title matches an entry by ISBN (10 or 13 digits, with or without hyphens, as
`catalog.isbn` normalizes them) or by title and author compared folded (full-width,
traditional characters, punctuation and case aside; 曹文轩 著 = 曹文轩, as the
catalog's duplicate finder compares them). A set ISBN is shared by different books
(DESIGN, known traps), so an ISBN match whose title differs from the list's is kept
but marked for the librarian to check; so is a match by title alone, when the list
names no author."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.maintenance.merge import author_key, title_key
from shuxiang.catalog.selectors import ListedTitle
from shuxiang.core import spreadsheet

HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("书名", "题名", "正题名", "图书名称", "书刊名称", "名称", "title"),
    "author": ("著者", "作者", "责任者", "编著者", "著译者", "author", "authors"),
    "isbn": ("isbn", "书号", "国际标准书号", "isbn号", "标准书号"),
    "publisher": ("出版社", "出版者", "出版单位", "publisher"),
    "reason": ("原因", "下架原因", "理由", "说明", "备注", "问题", "reason"),
}
HEADER_SCAN = 20  # a bureau's list has a title and a document number above the header

BY_ISBN = "isbn"
BY_TITLE = "title"
TITLES_DIFFER = "titles_differ"
TITLE_ONLY = "title_only"


@dataclass(slots=True)
class Entry:
    row: int
    title: str = ""
    author: str = ""
    isbn: str = ""  # ISBN-13, or "" when none was given or it did not validate
    isbn_text: str = ""  # as written
    publisher: str = ""
    reason: str = ""
    warning: str = ""


@dataclass(slots=True)
class RowProblem:
    row: int
    reason: str


@dataclass
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _is_header(columns: dict[str, int]) -> bool:
    return ("title" in columns or "isbn" in columns) and len(columns) >= 2


def parse(table: Sequence[Sequence[Any]]) -> Parsed:
    """The entries of a recall list's table (the rows `core.spreadsheet.read_rows`
    gives), every row that cannot be one listed with its row number and reason."""
    header = spreadsheet.find_header(table, HEADERS, accept=_is_header, scan=HEADER_SCAN)
    if header is None:
        raise spreadsheet.SpreadsheetError(
            _("找不到表头：前 20 行中应有“书名”或“ISBN”，以及著者、出版社、原因等列。"),
            code="no_header",
        )
    parsed = Parsed()
    for number, cells in enumerate(table[header.index + 1 :], start=header.line + 1):
        values = {
            key: spreadsheet.cell_text(cells[i])[:500] if i < len(cells) else ""
            for key, i in header.columns.items()
        }
        if not any(values.values()):
            continue
        entry = Entry(
            row=number,
            title=values.get("title", "")[:500],
            author=values.get("author", "")[:200],
            isbn_text=values.get("isbn", "")[:40],
            publisher=values.get("publisher", "")[:200],
            reason=values.get("reason", "")[:200],
        )
        if entry.isbn_text:
            entry.isbn = isbn_rules.normalize(entry.isbn_text) or ""
        if not entry.isbn and not title_key(entry.title):
            reason = (
                _("ISBN %(isbn)s 无效（校验位不符），且没有书名") % {"isbn": entry.isbn_text}
                if entry.isbn_text
                else _("缺少书名和 ISBN")
            )
            parsed.problems.append(RowProblem(number, reason))
            continue
        if entry.isbn_text and not entry.isbn:
            entry.warning = _("ISBN %(isbn)s 无效，只按书名和著者匹配") % {"isbn": entry.isbn_text}
        parsed.entries.append(entry)
    return parsed


# A title of the library as matching needs it (bib_id, title, authors, isbns).
BibFacts = ListedTitle


@dataclass(frozen=True, slots=True)
class Match:
    entry: int  # index into the entries given
    bib_id: int
    by: str  # BY_ISBN or BY_TITLE
    doubt: str = ""  # TITLES_DIFFER, TITLE_ONLY or ""


def _same_title(a: str, b: str) -> bool:
    """Folded, one title the other's beginning: 哈利·波特与魔法石 and 哈利波特与魔法石
    （注音版）; an empty title says nothing against."""
    a, b = title_key(a), title_key(b)
    return not a or not b or a.startswith(b) or b.startswith(a)


def _authors(text: str) -> set[str]:
    """The authors a list names in one cell (曹文轩 著；王某 绘), each as compared."""
    return {key for part in re.split(r"[;；、,，/]", text) if (key := author_key(part))}


def match(entries: Sequence[Entry], bibs: Iterable[BibFacts]) -> list[Match]:
    """Each title of the library that an entry names, once per entry (by ISBN when
    both would match)."""
    by_isbn: dict[str, list[int]] = {}
    by_title: dict[str, list[int]] = {}
    for n, entry in enumerate(entries):
        if entry.isbn:
            by_isbn.setdefault(entry.isbn, []).append(n)
        key = title_key(entry.title)
        if key:
            by_title.setdefault(key, []).append(n)
    found: dict[tuple[int, int], Match] = {}
    for bib in bibs:
        for isbn in bib.isbns:
            for n in by_isbn.get(isbn, ()):
                doubt = "" if _same_title(entries[n].title, bib.title) else TITLES_DIFFER
                found[(n, bib.bib_id)] = Match(n, bib.bib_id, BY_ISBN, doubt)
        for n in by_title.get(title_key(bib.title), ()):
            if (n, bib.bib_id) in found:
                continue
            wanted = _authors(entries[n].author)
            if not wanted:
                found[(n, bib.bib_id)] = Match(n, bib.bib_id, BY_TITLE, TITLE_ONLY)
            elif wanted & {author_key(a) for a in bib.authors}:
                found[(n, bib.bib_id)] = Match(n, bib.bib_id, BY_TITLE)
    return sorted(found.values(), key=lambda m: (m.entry, m.bib_id))
