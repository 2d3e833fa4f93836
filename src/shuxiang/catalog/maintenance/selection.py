"""Which titles a reclassification takes, and into which class: a CLC range, a search,
or a spreadsheet of barcodes (with a new class per row, or one class for all). Reads
only; the change itself is `services.reclassify`. Every spreadsheet is read through
core.spreadsheet, which refuses oversized files before opening them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.catalog import callnumbers
from shuxiang.catalog.maintenance import finder
from shuxiang.catalog.maintenance.reclassify import in_class_range
from shuxiang.catalog.maintenance.services import MAX_RECLASSIFY, class_clean
from shuxiang.catalog.models import Bib, Item
from shuxiang.core import spreadsheet
from shuxiang.core.errors import Invalid

HEADERS = {
    "barcode": ("条码号", "条码", "条形码", "barcode"),
    "new_class": ("新分类号", "分类号", "新分类", "new_class", "class", "clc"),
}
BARCODE_CHUNK = 900  # ids per IN (...) list: SQLite's limit on parameters is 999 in old builds


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # the row as the spreadsheet shows it (1-based); 0 for the whole input
    barcode: str
    reason: str


@dataclass
class Selection:
    """The titles chosen and each one's new class; the copies the input named, and the
    rows that could not be used (nothing is changed while there are any)."""

    changes: dict[int, str] = field(default_factory=dict)
    barcodes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def bibs_in_class_range(library: Any, low: str, high: str) -> list[int]:
    """The library's titles whose (first) class number lies from `low` to `high` in CLC
    order, `high`'s subdivisions included ("TP3"–"TP3": all of TP3)."""
    low, high = (low or "").strip().upper(), (high or "").strip().upper()
    if not low and not high:
        raise Invalid(_("请填写分类号范围。"), code="range_required")
    rows = Bib.objects.filter(library=library).exclude(clc="")
    common = _common_prefix(low, high)
    if common:
        rows = rows.filter(clc__istartswith=common)
    return [
        pk
        for pk, text in rows.order_by("pk").values_list("pk", "clc")
        if in_class_range(callnumbers.class_part(text), low, high)
    ]


def _common_prefix(low: str, high: str) -> str:
    if not low or not high:
        return ""
    n = 0
    while n < min(len(low), len(high)) and low[n] == high[n]:
        n += 1
    return low[:n]


def by_range(library: Any, low: str, high: str, new_class: str) -> Selection:
    target = class_clean(new_class)
    return Selection(changes={pk: target for pk in bibs_in_class_range(library, low, high)})


def by_search(library: Any, query: str, new_class: str) -> Selection:
    target = class_clean(new_class)
    if not (query or "").strip():
        raise Invalid(_("请填写检索词。"), code="query_required")
    return Selection(changes={pk: target for pk in finder.find_bibs(library, query)})


def read_rows(content: bytes, filename: str) -> list[tuple[int, str, str]]:
    """(line, barcode, new class) of each filled row of a barcode list (xlsx or csv):
    with a header row (条码号, 新分类号) anywhere in the first rows, or without one, the
    barcode in the first column and the class, if any, in the second."""
    table = spreadsheet.read_rows(content, filename)
    header = spreadsheet.find_header(table, HEADERS, accept=lambda cols: "barcode" in cols)
    if header is not None:
        start = header.index + 1
        barcode_col = header.columns["barcode"]
        class_col = header.columns.get("new_class")
    else:
        start, barcode_col, class_col = 0, 0, 1
    rows = []
    for index in range(start, len(table)):
        cells = table[index]
        barcode = spreadsheet.cell_text(cells[barcode_col]) if barcode_col < len(cells) else ""
        new_class = (
            spreadsheet.cell_text(cells[class_col])
            if class_col is not None and class_col < len(cells)
            else ""
        )
        if barcode or new_class:
            rows.append((index + 1, barcode, new_class))
    return rows


def by_barcodes(library: Any, rows: list[tuple[int, str, str]], new_class: str = "") -> Selection:
    """The titles of the copies listed, each into the class of its row, or `new_class`
    for rows without one. Unknown barcodes, missing or invalid classes and one title
    asked into two classes are problems, each with its line."""
    default = class_clean(new_class) if (new_class or "").strip() else ""
    found: dict[str, int] = {}
    barcodes = [b for _line, b, _c in rows if b]
    for start in range(0, len(barcodes), BARCODE_CHUNK):
        found.update(
            Item.objects.filter(
                library=library, barcode__in=barcodes[start : start + BARCODE_CHUNK]
            ).values_list("barcode", "bib_id")
        )
    selection = Selection()
    asked_by: dict[int, tuple[int, str]] = {}
    for line, barcode, raw_class in rows:
        if not barcode:
            selection.problems.append(Problem(line, "", _("没有条码号。")))
            continue
        bib_id = found.get(barcode)
        if bib_id is None:
            selection.problems.append(Problem(line, barcode, _("本馆没有这个条码号。")))
            continue
        try:
            target = class_clean(raw_class) if raw_class.strip() else default
        except Invalid as exc:
            selection.problems.append(Problem(line, barcode, exc.message))
            continue
        if not target:
            selection.problems.append(Problem(line, barcode, _("没有新的分类号。")))
            continue
        earlier = asked_by.get(bib_id)
        if earlier is not None and earlier[1] != target:
            selection.problems.append(
                Problem(
                    line,
                    barcode,
                    _("与第 %(line)s 行是同一种书，却要分到不同的类（%(a)s 和 %(b)s）。")
                    % {"line": earlier[0], "a": earlier[1], "b": target},
                )
            )
            continue
        asked_by.setdefault(bib_id, (line, target))
        selection.changes[bib_id] = target
        selection.barcodes.append(barcode)
    if len(selection.changes) > MAX_RECLASSIFY:
        raise Invalid(
            _("一次最多再分类 %(n)s 种书目，请分批进行。") % {"n": f"{MAX_RECLASSIFY:,}"},
            code="too_many_titles",
        )
    return selection


# -- merge candidates --------------------------------------------------------------------

MAX_GROUPS_SHOWN = 100
IMPORTS_LOOKED_AT = 50  # the latest MARC imports whose doubtful matches are offered


def imported_doubtful_pairs(library: Any) -> list[tuple[int, int]]:
    """The doubtful matches the library's latest MARC imports reported: [new title,
    the title it may duplicate] pairs, kept in each import's audit event
    (`ImportReport.doubtful_pairs()`, under "doubtful_pairs"). Pairs whose titles are
    gone (merged since) drop out when the groups are made."""
    from shuxiang.core.models import AuditEvent

    pairs: list[tuple[int, int]] = []
    events = AuditEvent.objects.filter(library=library, action="marc.import").order_by("-pk")
    for after in events.values_list("after", flat=True)[:IMPORTS_LOOKED_AT]:
        found = (after or {}).get("doubtful_pairs") if isinstance(after, dict) else None
        for pair in found if isinstance(found, list) else []:
            if (
                isinstance(pair, list | tuple)
                and len(pair) == 2
                and all(isinstance(i, int) for i in pair)
            ):
                pairs.append((pair[0], pair[1]))
    return pairs


@dataclass
class CandidateTitle:
    id: int
    title: str
    author: str
    isbn: str
    publisher: str
    year: int | None
    clc: str
    call_number: str
    copies: int
    has_marc: bool


@dataclass
class Candidates:
    groups: list[tuple[Any, list[CandidateTitle]]]  # (merge.CandidateGroup, its titles)
    total: int


def merge_candidates(
    library: Any, *, imported: list[tuple[int, int]] | None = None, limit: int = MAX_GROUPS_SHOWN
) -> Candidates:
    """The library's groups of titles that look like duplicates (maintenance.merge), the
    first `limit` of them with what a librarian compares (author, ISBN, publisher, year,
    call number, copies); `imported` adds the doubtful matches an import reported."""
    from django.db.models import Count

    from shuxiang.catalog.maintenance import merge
    from shuxiang.catalog.models import CallNumber

    facts = [
        merge.BibFacts(
            id=pk,
            title=title,
            first_author=authors[0].get("name", "") if authors else "",
            isbns=tuple(isbns or ([isbn] if isbn else [])),
            year=year,
            publisher=publisher,
            edition=edition,
        )
        for pk, title, authors, isbn, isbns, year, publisher, edition in Bib.objects.filter(
            library=library
        ).values_list("pk", "title", "authors", "isbn", "isbns", "year", "publisher", "edition")
    ]
    groups = merge.candidate_groups(facts, imported=imported or ())
    shown = groups[:limit]
    ids = {i for g in shown for i in g.bib_ids}
    rows = {
        b.pk: b
        for b in Bib.objects.filter(library=library, pk__in=ids).annotate(n_items=Count("items"))
    }
    calls = dict(
        CallNumber.objects.filter(library=library, bib_id__in=ids, volume="").values_list(
            "bib_id", "value"
        )
    )
    result = []
    for group in shown:
        titles = [
            CandidateTitle(
                id=pk,
                title=rows[pk].title,
                author=rows[pk].first_author,
                isbn=rows[pk].isbn,
                publisher=rows[pk].publisher,
                year=rows[pk].year,
                clc=rows[pk].clc,
                call_number=calls.get(pk, ""),
                copies=rows[pk].n_items,
                has_marc=rows[pk].marc_record is not None,
            )
            for pk in group.bib_ids
            if pk in rows
        ]
        result.append((group, titles))
    return Candidates(groups=result, total=len(groups))
