"""Recommended reading lists (推荐书目, e.g. the 2020 《中小学生阅读指导目录》): reading a
list from a spreadsheet, matching its titles to the catalog, and how much of it the
library holds and lends.

Reading: the project's one spreadsheet reader (`core.spreadsheet`: sizes and row caps
checked before anything is read), a header row found among the first rows by its names
(书名 / 题名, 作者, ISBN, 类别, 学段 ...).

Matching a list's title to the catalog's titles:
- by ISBN when the list gives a valid one: a title of the catalog with that ISBN among
  its ISBNs — and, because a set ISBN (套书) is shared by different books, only when the
  two titles agree (one folded title holds the other: 西游记 and 西游记（上）);
- otherwise (no ISBN, or no title with it) by title: the same folded title (full- and
  half-width, traditional and simplified characters, punctuation and case ignored:
  《哈利·波特与魔法石》 = 哈利波特与魔法石) and, when the list names an author, a title
  of the catalog by that author (or that records no author at all).
Every title of the catalog that matches counts (several editions of one book).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.maintenance.merge import author_key, fold, title_key
from shuxiang.catalog.models import Item
from shuxiang.catalog.selectors import titles_named
from shuxiang.circulation.models import Loan
from shuxiang.core import spreadsheet
from shuxiang.core.errors import Invalid
from shuxiang.core.models import Library

HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("书名", "题名", "正题名", "图书名称", "书目名称", "作品名称", "名称", "title"),
    "author": ("作者", "著者", "责任者", "编著者", "作者/译者", "author", "authors"),
    "isbn": ("isbn", "书号", "国际标准书号", "标准书号", "isbn号"),
    "category": ("类别", "分类", "类型", "门类", "学科", "主题", "category"),
    "level": ("学段", "适用学段", "年级", "适用年级", "适读年级", "阅读层次", "level", "grade"),
}
HEADER_SCAN = 20  # a list copied from a document may have its title and notes above
# Copies held: every state but withdrawn (已注销) and lost (遗失).
HELD = tuple(s for s in Item.Status.values if s not in (Item.Status.WITHDRAWN, Item.Status.LOST))
NO_CATEGORY = "—"


@dataclass
class ListRow:
    """One title of the list as read, with its place in the file."""

    row: int
    title: str
    author: str = ""
    isbn: str = ""
    category: str = ""
    level: str = ""

    @property
    def title_key(self) -> str:
        return title_key(self.title)

    @property
    def author_key(self) -> str:
        return author_key(self.author)


@dataclass
class ListFile:
    """What a file holds: the rows kept, the rows refused (row number, reason), and the
    notes on rows kept (an ISBN that does not validate is matched by title instead)."""

    rows: list[ListRow] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)


def _is_header(columns: dict[str, int]) -> bool:
    return "title" in columns


def read_list(content: bytes, filename: str = "") -> ListFile:
    """A reading list from an xlsx or csv file: a title on every row (author, ISBN,
    category and level optional); empty rows are passed over, a row without a title or
    repeating one already read is refused with its row number."""
    table = spreadsheet.read_rows(content, filename)
    header = spreadsheet.find_header(table, HEADERS, accept=_is_header, scan=HEADER_SCAN)
    if header is None:
        raise Invalid(
            _(
                "找不到表头：前 20 行中应有“书名”（或“题名”）列，以及可选的作者、ISBN、类别、学段列。"
            ),
            code="no_header",
        )
    found = ListFile()
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(table[header.index + 1 :], start=header.line + 1):
        values = {
            key: spreadsheet.cell_text(cells[i]) if i < len(cells) else ""
            for key, i in header.columns.items()
        }
        if not any(values.values()):
            continue
        title = values.get("title", "").strip()
        if not title or not title_key(title):
            found.refused.append((number, _("缺少书名")))
            continue
        if len(title) > 500:
            found.refused.append((number, _("书名超过 500 个字")))
            continue
        row = ListRow(
            number,
            title,
            values.get("author", "").strip()[:300],
            "",
            values.get("category", "").strip()[:100],
            values.get("level", "").strip()[:100],
        )
        raw_isbn = values.get("isbn", "").strip()
        if raw_isbn:
            row.isbn = isbn_rules.normalize(raw_isbn) or ""
            if not row.isbn:
                found.notes.append(
                    (number, _("ISBN %(isbn)s 无效，改按书名匹配") % {"isbn": raw_isbn[:30]})
                )
        key = (row.title_key, row.author_key)
        if key in seen:
            found.refused.append(
                (number, _("与第 %(row)s 行重复（书名和作者相同）") % {"row": seen[key]})
            )
            continue
        seen[key] = number
        found.rows.append(row)
    return found


# -- matching ----------------------------------------------------------------------------


def _agree(a: str, b: str) -> bool:
    return bool(a and b) and (a in b or b in a)


def match(library: Library, rows: list[Any]) -> dict[int, list[tuple[int, str]]]:
    """{index in `rows`: [(bib id, "isbn" or "title")]}: the catalog's titles that hold
    each row of a list. `rows` carry title, author, isbn (ISBN-13 or ""), title_key and
    author_key (a ListRow or a stored entry).

    The candidates come from `catalog.selectors.titles_named`, as a recall list's do; a
    list matches by ISBN only where the titles agree (a set shares its ISBN)."""
    by_isbn: dict[str, list[int]] = defaultdict(list)
    by_title: dict[str, list[int]] = defaultdict(list)
    keys: dict[int, str] = {}
    people: dict[int, tuple[set[str], str]] = {}
    wanted_isbns = {r.isbn for r in rows if r.isbn}
    wanted_titles = {r.title_key for r in rows}
    for bib in titles_named(library, isbns=wanted_isbns, title_keys=wanted_titles):
        keys[bib.bib_id] = key = title_key(bib.title)
        people[bib.bib_id] = (
            {k for name in bib.authors if (k := author_key(name))},
            fold(bib.responsibility),
        )
        for n in bib.isbns:
            if n in wanted_isbns:
                by_isbn[n].append(bib.bib_id)
        if key in wanted_titles:
            by_title[key].append(bib.bib_id)
    found: dict[int, list[tuple[int, str]]] = {}
    for index, row in enumerate(rows):
        hits = (
            [(pk, "isbn") for pk in by_isbn.get(row.isbn, []) if _agree(keys[pk], row.title_key)]
            if row.isbn
            else []
        )
        if not hits:
            for pk in by_title.get(row.title_key, []):
                names, responsibility = people[pk]
                if (
                    not row.author_key
                    or not (names or responsibility)
                    or row.author_key in names
                    or row.author_key in responsibility
                ):
                    hits.append((pk, "title"))
        if hits:
            found[index] = hits
    return found


# -- coverage ----------------------------------------------------------------------------


@dataclass
class CategoryRow:
    """One category of a list: its titles, those held and those lent in the period, the
    loans and the copies held."""

    category: str
    titles: int = 0
    held: int = 0
    lent: int = 0
    loans: int = 0
    copies: int = 0

    def add(self, entry: dict) -> None:
        self.titles += 1
        self.held += entry["copies"] > 0
        self.lent += entry["loans"] > 0
        self.loans += entry["loans"]
        self.copies += entry["copies"]


def coverage(
    library: Library, reading_list: Any, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """How much of a list the library holds (a title of it with at least one copy
    neither withdrawn nor lost) and lends (a copy of it lent in [start, end)), by
    category and in all, each entry with its copies and loans, and the titles missing
    (the purchase list). Two grouped queries, whatever the size of the collection."""
    from shuxiang.reports.models import ReadingListEntry

    entries = list(
        ReadingListEntry.objects.filter(reading_list=reading_list)
        .annotate(matched=Count("matches"))
        .values("id", "position", "title", "author", "isbn", "category", "level", "matched")
        .order_by("position")
    )
    copies = dict(
        Item.objects.filter(
            library=library,
            status__in=HELD,
            bib__reading_list_matches__entry__reading_list=reading_list,
        )
        .values_list("bib__reading_list_matches__entry_id")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    loans = dict(
        Loan.objects.filter(
            library=library,
            checked_out_at__gte=start,
            checked_out_at__lt=end,
            item__bib__reading_list_matches__entry__reading_list=reading_list,
        )
        .values_list("item__bib__reading_list_matches__entry_id")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    categories: dict[str, CategoryRow] = {}
    total = CategoryRow(_("合计"))
    for entry in entries:
        entry["copies"] = copies.get(entry["id"], 0)
        entry["loans"] = loans.get(entry["id"], 0)
        name = entry["category"] or NO_CATEGORY
        categories.setdefault(name, CategoryRow(name)).add(entry)
        total.add(entry)
    return {
        "entries": entries,
        "categories": list(categories.values()),
        "total": total,
        "missing": [e for e in entries if not e["copies"]],
    }
