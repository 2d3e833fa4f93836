"""The search engine's interface, used by the OPAC, the staff pages, the API and the SRU
server alike:

    search(library, query, *, field="anywhere", filters=None, page=1, per_page=20,
           staff=False, facets=True) -> SearchPage
    suggest(library, prefix, limit=10) -> list[str]
    index_bibs(bib_ids) / unindex_bibs(bib_ids) / holdings_changed(bib_ids)
    reindex(library=None, progress=callback)

Ranking: an exact ISBN first, then an exact title (characters, full pinyin or
initials), then titles that begin with the query, then the rest by where the whole
query matched: title, then author, then subject, then elsewhere. Within each of these,
titles with a copy on the shelf come before those without; then, among exact and
prefix matches, the shorter title and the one with more copies; else the newest first.
Withdrawn copies are never counted; a title whose every copy is withdrawn is found only
by staff searches.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core.errors import Invalid
from shuxiang.search import facet_values, plan, tokenizer
from shuxiang.search.backends import backend
from shuxiang.search.backends.base import FacetRows, Pred, Rows
from shuxiang.search.documents import BIB_FIELDS, Holdings, build, build_rows
from shuxiang.search.query import FIELDS, And, Filters, Not, Or, Query, Term, parse_box

__all__ = [
    "And",
    "FacetValue",
    "Filters",
    "Hit",
    "Not",
    "Or",
    "SearchPage",
    "Term",
    "index_bibs",
    "holdings_changed",
    "reindex",
    "search",
    "suggest",
    "unindex_bibs",
]

MAX_PER_PAGE = 100
MAX_SUGGEST = 50
MAX_OFFSET = 10_000  # deeper pages answer empty: nobody reads page 501
KEY_TIER_LIMIT = 200  # titles looked at for the exact-title and title-prefix tiers
KEY_TIER_KEEP = 60  # for a match too large to read whole: titles kept in each of those tiers
WHOLE_MATCH_UP_TO = 30_000  # a match up to this size is read whole rather than sought
KEY_TIER_CHECK = 30  # candidates checked against the whole query at a time
SPLIT_READ = 200  # a ranking run with fewer titles is read whole, then put in order
# Facets count every matching title in a library of up to EXACT_FACETS_UP_TO titles (a
# large school has 150,000 copies). In a larger catalog (a district's union catalog)
# they count the newest FACET_LIMIT matches, and say so: the counts are then lower
# bounds, shown as "at least" (FacetValue.capped), never too high.
EXACT_FACETS_UP_TO = 200_000
FACET_LIMIT = 2_000
_sizes: dict[int, tuple[float, int]] = {}  # library id -> (when counted, titles)
ITEM_STATUSES = (
    "available",
    "on_loan",
    "on_hold_shelf",
    "in_transit",
    "in_repair",
    "missing",
    "lost",
    "withdrawn",
)


@dataclass
class Hit:
    bib_id: int
    title: str
    authors: list[str]
    isbn: str
    call_number: str
    year: int | None
    publisher: str
    material_type: str
    available: int  # copies on the shelf
    copies: int  # copies not withdrawn


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    capped: bool = False  # count is a lower bound ("1000+"): the facets were capped


@dataclass
class SearchPage:
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20


# -- the query ----------------------------------------------------------------------


def _check(filters: Filters, field_name: str, page: int, per_page: int) -> None:
    from shuxiang.catalog.clc import MAIN_CLASSES
    from shuxiang.catalog.models import Bib

    if field_name not in FIELDS:
        raise Invalid(_("未知的检索字段：%(value)s") % {"value": field_name}, code="invalid_field")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise Invalid(
            _("页码应从 1 开始，每页 1 到 %(n)s 条。") % {"n": MAX_PER_PAGE}, code="invalid_page"
        )
    if filters.clc_top and (
        len(filters.clc_top) != 1 or filters.clc_top.upper() not in MAIN_CLASSES
    ):
        raise Invalid(
            _("中图法大类应为 22 个大类字母之一：%(value)s") % {"value": filters.clc_top},
            code="invalid_clc",
        )
    if filters.material_type and filters.material_type not in Bib.MaterialType.values:
        raise Invalid(
            _("未知的资料类型：%(value)s") % {"value": filters.material_type},
            code="invalid_material_type",
        )
    if filters.item_status and filters.item_status not in ITEM_STATUSES:
        raise Invalid(
            _("未知的单册状态：%(value)s") % {"value": filters.item_status}, code="invalid_status"
        )


# A title without a copy on the shelf carries this token: the availability filter, and
# the ranking's "on the shelf first", are answered by the index alone. Most titles have
# a copy on the shelf, so "on the shelf" is asked as "without it" (plan.OFF_SHELF).
OFF_SHELF = plan.Tok(("f",), plan.OFF_SHELF)
NOT_BOOK = plan.Tok(("f",), plan.NOT_BOOK)
WITHDRAWN = plan.Tok(("f",), "w")


def _on_shelf(expr: object) -> object:
    return plan.Without(expr, OFF_SHELF)


def _off_shelf(expr: object) -> object:
    return plan._all([expr, OFF_SHELF])


def _base(
    library_id: int, expr: object, filters: Filters, staff: bool, *, alone: bool = False
) -> object:
    """The whole question: the words, the library (left out when it is alone in the
    index), and the filters kept as tokens."""
    scope = [] if alone else [plan.Tok(("f",), f"l{library_id}")]
    without = []  # filters that most titles pass: the few that fail them are left out
    if filters.clc_top:
        scope.append(plan.Tok(("f",), f"c{filters.clc_top.lower()}"))
    if filters.material_type == "book":
        without.append(NOT_BOOK)
    elif filters.material_type:
        scope.append(plan.Tok(("f",), plan.material_token(filters.material_type)))
    if filters.location_id is not None:
        scope.append(plan.Tok(("f",), f"o{int(filters.location_id)}"))
    if filters.available is True:
        without.append(OFF_SHELF)
    elif filters.available is False:
        scope.append(OFF_SHELF)
    if not staff:
        without.append(WITHDRAWN)
    whole = plan._all([*scope, expr])
    if whole is None:  # everything, in the only library: FTS5 needs a token to look for
        whole = plan.Tok(("f",), f"l{library_id}")
    return plan.Without(whole, plan._any(without)) if without else whole


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _preds(library_id: int, filters: Filters, staff: bool, connection: Any) -> list[Pred]:
    """The filters that are SQL conditions over search_doc d."""
    preds: list[Pred] = []
    if filters.year_from is not None:
        preds.append(("d.year >= %s", [filters.year_from]))
    if filters.year_to is not None:
        preds.append(("d.year <= %s", [filters.year_to]))
    items = "d.bib_id IN (SELECT i.bib_id FROM catalog_item i WHERE i.library_id = %s AND "
    if filters.location_id is not None:
        preds.append(
            (
                items + "i.location_id = %s AND i.status <> 'withdrawn')",
                [library_id, filters.location_id],
            )
        )
    if not staff:
        return preds
    if filters.item_status:
        preds.append((items + "i.status = %s)", [library_id, filters.item_status]))
    if filters.accession_number:
        preds.append(
            (items + "i.accession_number = %s)", [library_id, filters.accession_number.strip()])
        )
    if filters.barcode_prefix:
        prefix = filters.barcode_prefix.strip()
        preds.append((items + "substr(i.barcode, 1, %s) = %s)", [library_id, len(prefix), prefix]))
    bibs = "d.bib_id IN (SELECT b.id FROM catalog_bib b WHERE b.library_id = %s AND "
    if filters.catalogued_from:
        stamp = connection.ops.adapt_datetimefield_value(_day_start(filters.catalogued_from))
        preds.append((bibs + "b.created_at >= %s)", [library_id, stamp]))
    if filters.catalogued_to:
        end = _day_start(filters.catalogued_to + dt.timedelta(days=1))
        stamp = connection.ops.adapt_datetimefield_value(end)
        preds.append((bibs + "b.created_at < %s)", [library_id, stamp]))
    return preds


def _key_text(query: str | Query | None, field_name: str) -> str | None:
    """The text that exact-title and title-prefix matching compare, when the query is a
    plain phrase in the title or anywhere."""
    if isinstance(query, str):
        return query if field_name in ("anywhere", "title") else None
    if isinstance(query, Term) and not query.exact and query.field in ("anywhere", "title"):
        return query.text
    return None


# -- ranking and paging -------------------------------------------------------------


@dataclass
class _Segment:
    """A run of the ranking: either a list of ids, or a match expression whose titles
    come newest first."""

    ids: list[int] | None = None
    expr: object = None
    preds: list[Pred] = field(default_factory=list)
    split: bool = False  # its titles on the shelf first, then the rest (each newest first)


class _Whole:
    """The whole match of a search, when it is read at once: in a school's catalog the
    ids of every matching title come as one string (about 1 ms for 5,000), and then
    give the count, the key tiers' check and the facets without asking the index again."""

    def __init__(self, engine: Any, library_id: int, base: object, read: bool) -> None:
        self.engine, self.library_id, self.base = engine, library_id, base
        self.ids = engine.match_ids_text(base, library_id).split() if read else None
        self._set: set[str] | None = None
        self.total = 0

    @property
    def readable(self) -> bool:
        """Read (or cheap to read) whole: checking candidates against it costs nothing
        more. Otherwise each candidate is a seek in the index (about 0.1 ms)."""
        return self.ids is not None or self.total <= WHOLE_MATCH_UP_TO

    def among(self, found: Iterable[int]) -> set[int]:
        """Those of `found` that match the whole query (without the SQL filters: the
        candidates were found with them)."""
        if not self.readable:
            return self.engine.matching(self.base, self.library_id, list(found))
        if self._set is None:
            ids = self.ids
            if ids is None:  # read once for every tier's check, not once per check
                ids = self.engine.match_ids_text(self.base, self.library_id).split()
            self._set = set(ids)
        return {b for b in found if str(b) in self._set}


def _key_tiers(
    engine: Any, library_id: int, text: str, base: object, preds: list[Pred], whole: _Whole
) -> list[list[int]]:
    """The exact-ISBN, exact-title and title-prefix tiers (each a short list of ids)."""
    tiers: list[list[int]] = []
    isbn = tokenizer.isbn_of(text)
    if isbn is not None:
        tokens = [t for t in dict.fromkeys(isbn) if t]
        expr = plan._all([base, plan._any([plan.Tok(("n",), t) for t in tokens])])
        tiers.append(engine.ids(expr, library_id, preds, limit=KEY_TIER_LIMIT))
        return tiers
    key = tokenizer.key(text)
    if not key:
        return tiers
    latin = key.isascii()
    columns = ["title_key", "title_py", "title_in"] if latin else ["title_key"]
    for prefix in (False, True):
        if prefix and latin and len(key) < 2:
            break
        found: dict[int, tuple[bool, int, int, int]] = {}
        for column in columns:
            for bib_id, available, length, copies in engine.keyed(
                library_id, column, key, prefix=prefix, preds=preds, limit=KEY_TIER_LIMIT
            ):
                # None on the shelf last; then the shorter title; then the title the
                # library holds more copies of (the one readers ask for); then newest.
                found.setdefault(bib_id, (available == 0, length, -copies, -bib_id))
        ordered = sorted(found, key=lambda b: found[b])
        if whole.readable:
            matching = whole.among(ordered)
            tiers.append([b for b in ordered if b in matching])
            continue
        # A large catalog: each candidate is checked by a seek in the index (about
        # 0.1 ms each), so only until the tier has KEY_TIER_KEEP titles, in rank order;
        # the rest come in the later runs. The same for every page, so paging is stable.
        ranked: list[int] = []
        for start in range(0, len(ordered), KEY_TIER_CHECK):
            part = ordered[start : start + KEY_TIER_CHECK]
            matching = whole.among(part)
            ranked += [b for b in part if b in matching]
            if len(ranked) >= KEY_TIER_KEEP:
                break
        tiers.append(ranked[:KEY_TIER_KEEP])
    return tiers


def _segments(
    engine: Any,
    library_id: int,
    tree: Query | None,
    key_text: str | None,
    base: object,
    preds: list[Pred],
    filters: Filters,
    whole: _Whole,
) -> list[_Segment]:
    segments: list[_Segment] = []
    seen: list[int] = []
    if key_text:
        for tier in _key_tiers(engine, library_id, key_text, base, preds, whole):
            fresh = [b for b in tier if b not in set(seen)]
            seen += fresh
            segments.append(_Segment(ids=fresh))
    rest = list(preds)
    if seen:
        rest.append((f"d.bib_id NOT IN ({', '.join(['%s'] * len(seen))})", list(seen)))
    tiers: list[object] = []
    if tree is not None:
        for columns in (plan.TITLE_COLUMNS, plan.AUTHOR_COLUMNS, plan.SUBJECT_COLUMNS):
            tier = plan.compile_query(tree, columns)
            if not plan.is_nothing(tier) and tier is not None:
                tiers.append(tier)
    runs: list[object] = []
    earlier: list[object] = []
    for tier in tiers:
        expr = plan._all([base, tier])
        runs.append(plan.Without(expr, plan._any(earlier)) if earlier else expr)
        earlier.append(tier)
    runs.append(plan.Without(base, plan._any(earlier)) if earlier else base)
    for expr in runs:
        segments.append(_Segment(expr=expr, preds=rest, split=filters.available is None))
    return segments


def _page_ids(
    engine: Any, library_id: int, segments: list[_Segment], offset: int, need: int, total: int
) -> list[int]:
    """Walk the ranking's runs to the page at `offset`: a run before it is counted
    only when the page starts past it."""
    out: list[int] = []
    skip = offset
    passed = 0  # titles in the runs walked so far

    def take(ids: list[int]) -> None:
        nonlocal skip, passed
        out.extend(ids[skip : skip + need - len(out)])
        skip = max(0, skip - len(ids))
        passed += len(ids)

    for segment in segments:
        if len(out) >= need or passed >= total:
            break
        if segment.ids is not None:
            take(segment.ids)
            continue
        halves = [segment.expr]
        if segment.split:
            # A run of a few titles is read whole at once and put in order here: its
            # halves (on the shelf, not) would each walk the whole match to find them.
            rows = engine.ids_on_shelf(segment.expr, library_id, segment.preds, limit=SPLIT_READ)
            if len(rows) < SPLIT_READ:
                take([b for b, on in rows if on] + [b for b, on in rows if not on])
                continue
            halves = [_on_shelf(segment.expr), _off_shelf(segment.expr)]
        for expr in halves:
            if len(out) >= need or passed >= total:
                break
            want = need - len(out)
            got = engine.ids(expr, library_id, segment.preds, limit=want, offset=skip)
            if got:
                out += got
                passed += skip + len(got)
                skip = 0
            elif skip:
                size = engine.count(expr, library_id, segment.preds)
                skip -= size
                passed += size
    return out


# -- results ------------------------------------------------------------------------


def _hits(engine: Any, ids: Sequence[int]) -> list[Hit]:
    """The page's titles, in order: one statement (the ORM took longer than the search)."""
    if not ids:
        return []
    rows = {
        r[0]: r
        for r in engine._rows(
            "SELECT b.id, b.title, b.authors, b.responsibility, b.isbn, b.year, b.publisher, "
            "b.material_type, d.available, d.copies, "
            "(SELECT c.value FROM catalog_callnumber c WHERE c.bib_id = b.id "
            "AND c.volume = '' LIMIT 1) "
            "FROM catalog_bib b LEFT JOIN search_doc d ON d.bib_id = b.id "
            f"WHERE b.id IN ({', '.join(['%s'] * len(ids))})",
            list(ids),
        )
    }
    out = []
    for bib_id in ids:
        row = rows.get(bib_id)
        if row is None:
            continue
        (
            _id,
            title,
            authors,
            responsibility,
            isbn,
            year,
            publisher,
            material,
            available,
            copies,
            call,
        ) = row
        if isinstance(authors, str):
            authors = json.loads(authors or "[]")
        names = [a.get("name", "") for a in authors or [] if isinstance(a, dict) and a.get("name")]
        out.append(
            Hit(
                bib_id=bib_id,
                title=title,
                authors=names or ([responsibility] if responsibility else []),
                isbn=isbn,
                call_number=call or "",
                year=year,
                publisher=publisher,
                material_type=material,
                available=available or 0,
                copies=copies or 0,
            )
        )
    return out


def _sums(rows: FacetRows) -> dict[str, dict[Any, int]]:
    sums: dict[str, dict[Any, int]] = {
        "clc": {},
        "material_type": {},
        "year": {},
        "available": {},
        "location": {},
    }
    for top, material, year, on_shelf, locations, n in rows.combos:
        pairs = [
            ("clc", top or ""),
            ("material_type", material),
            ("year", year),
            ("available", "1" if on_shelf else "0"),
        ]
        pairs += [("location", int(x)) for x in locations.split()]
        for name, value in pairs:
            if value is not None:
                sums[name][value] = sums[name].get(value, 0) + n
    return sums


def _facets(
    sums: dict[str, dict[Any, int]], capped: bool, library_id: int
) -> dict[str, list[FacetValue]]:
    from shuxiang.catalog import clc
    from shuxiang.catalog.models import Bib
    from shuxiang.core.models import Location

    materials = dict(Bib.MaterialType.choices)
    # One plain statement: the ORM's query building cost more than the facets' count.
    places = sorted(sums["location"])
    names = (
        dict(
            backend()._rows(
                f"SELECT id, name FROM {Location._meta.db_table} WHERE library_id = %s "
                f"AND id IN ({', '.join(['%s'] * len(places))})",
                [library_id, *places],
            )
        )
        if places
        else {}
    )
    return {
        "clc": [
            FacetValue(v, clc.caption(v) if v else _("未分类"), n, capped)
            for v, n in sorted(sums["clc"].items(), key=lambda kv: (kv[0] == "", kv[0]))
        ],
        "material_type": [
            FacetValue(v, str(materials.get(v, v)), n, capped)
            for v, n in sorted(sums["material_type"].items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "location": [
            FacetValue(str(v), names.get(v, str(v)), n, capped)
            for v, n in sorted(sums["location"].items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "year": [
            FacetValue(str(v), str(v), n, capped)
            for v, n in sorted(sums["year"].items(), key=lambda kv: -kv[0])
        ],
        "available": [
            FacetValue(
                v, _("在架可借") if v == "1" else _("暂无在架"), sums["available"][v], capped
            )
            for v in ("1", "0")
            if v in sums["available"]
        ],
    }


def _facet_sums(
    engine: Any, library_id: int, base: object, preds: list[Pred], filters: Filters, whole: _Whole
) -> tuple[dict[str, dict[Any, int]], bool]:
    """The facet counts of a result, and whether they were capped. In a school's catalog
    with no SQL filter the values kept in memory count them (facet_values); availability,
    which every loan changes, is counted from the index."""
    cap = _facet_limit(engine, library_id)
    total = whole.total
    if whole.ids is not None:
        sums = facet_values.sums(engine, library_id, whole.ids)
        if sums is not None:
            if filters.available is None:
                on = total - engine.count(_off_shelf(base), library_id, [])
            else:
                on = total if filters.available else 0
            sums["available"] = {k: n for k, n in (("1", on), ("0", total - on)) if n}
            return sums, False
    rows = engine.facets(base, library_id, preds, cap)
    return _sums(rows), rows.scanned < total


def _facet_limit(engine: Any, library_id: int) -> int:
    """How many matches the facets count: all of them in a school's catalog."""
    import time

    counted, titles = _sizes.get(library_id, (0.0, 0))
    if time.monotonic() - counted > 60:  # the size only picks the rule: a minute is fine
        titles = engine.library_size(library_id, EXACT_FACETS_UP_TO + 1)
        _sizes[library_id] = (time.monotonic(), titles)
    return EXACT_FACETS_UP_TO if titles <= EXACT_FACETS_UP_TO else FACET_LIMIT


def search(
    library: Any,
    query: str | Query | None,
    *,
    field: str = "anywhere",
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = 20,
    staff: bool = False,
    facets: bool = True,
) -> SearchPage:
    """One page of the library's titles that match `query` (a box's text, its words
    ANDed in `field`, or a Term/And/Or/Not tree), ranked as the module says, with the
    facets of the whole result. Staff searches also see titles whose every copy is
    withdrawn and may use the staff filters."""
    filters = filters or Filters()
    _check(filters, field, page, per_page)
    library_id = library.pk if hasattr(library, "pk") else int(library)
    tree = parse_box(query, field) if isinstance(query, str) or query is None else query
    result = SearchPage(total=0, page=page, per_page=per_page)
    expr = plan.compile_query(tree)
    if plan.is_nothing(expr):
        return result
    engine = backend()
    alone = engine.library_ids() == (library_id, library_id)
    base = _base(library_id, expr, filters, staff, alone=alone)
    preds = _preds(library_id, filters, staff, engine.connection)
    # Reading the whole match pays when the facets are wanted and a school's catalog
    # has them counted exactly with no SQL filter (facet_values).
    read = facets and not preds and _facet_limit(engine, library_id) == EXACT_FACETS_UP_TO
    whole = _Whole(engine, library_id, base, read)
    result.total = whole.total = (
        len(whole.ids) if whole.ids is not None else engine.count(base, library_id, preds)
    )
    if result.total == 0:
        return result
    offset = (page - 1) * per_page
    if offset < min(result.total, MAX_OFFSET):
        segments = _segments(
            engine, library_id, tree, _key_text(query, field), base, preds, filters, whole
        )
        ids = _page_ids(engine, library_id, segments, offset, per_page, result.total)
        result.hits = _hits(engine, ids)
    if facets:
        result.facets = _facets(
            *_facet_sums(engine, library_id, base, preds, filters, whole), library_id
        )
    return result


def suggest(library: Any, prefix: str, limit: int = 10) -> list[str]:
    """Titles and authors that begin with what was typed: characters, full pinyin or
    pinyin initials ("xyj", "xiyou", "西游" all suggest 西游记)."""
    if not 1 <= limit <= MAX_SUGGEST:
        raise Invalid(_("建议条数应为 1 到 %(n)s。") % {"n": MAX_SUGGEST}, code="invalid_limit")
    key = tokenizer.key(prefix or "")
    if not key:
        return []
    library_id = library.pk if hasattr(library, "pk") else int(library)
    rows = backend().suggest_rows(library_id, key, KEY_TIER_LIMIT)
    # A whole match first, but two typed letters matching a two-character name's initials
    # say little ("xy" is 徐勇 and 向悦 and …): there titles come first (西游记).
    telling = len(key) >= 3 or not key.isascii()
    ranked = sorted(
        rows, key=lambda r: (not (telling and r[0] == key), r[2] != "t", len(r[0]), r[1])
    )
    out: list[str] = []
    for _key, text, _kind in ranked:
        if text not in out:
            out.append(text)
            if len(out) == limit:
                break
    return out


# -- keeping the index in step ------------------------------------------------------

BATCH = 500


def _documents(bib_ids: Sequence[int], engine: Any) -> tuple[list[Any], list[int]]:
    """The documents of these titles, and the ids that are no longer titles."""
    from shuxiang.catalog.models import Bib

    rows = list(Bib.objects.filter(pk__in=bib_ids).values(*BIB_FIELDS))
    holdings = engine.holdings([r["id"] for r in rows])
    docs = [build(r, holdings.get(r["id"], Holdings())) for r in rows]
    gone = sorted(set(bib_ids) - {r["id"] for r in rows})
    return docs, gone


def index_bibs(bib_ids: Iterable[int]) -> None:
    """Index these titles again (made or changed). Runs in the caller's transaction,
    so the index changes with the record or not at all."""
    ids = sorted({int(i) for i in bib_ids})
    engine = backend()
    for start in range(0, len(ids), BATCH):
        docs, gone = _documents(ids[start : start + BATCH], engine)
        libraries = {d.library_id for d in docs} | engine.libraries_of(gone)
        engine.write(docs)
        if gone:
            engine.delete(gone)
        engine.new_generation(libraries)


def unindex_bibs(bib_ids: Iterable[int]) -> None:
    """Take these titles out of the index (in the caller's transaction)."""
    engine = backend()
    ids = sorted({int(i) for i in bib_ids})
    libraries = engine.libraries_of(ids)
    engine.delete(ids)
    engine.new_generation(libraries)


def holdings_changed(bib_ids: Iterable[int]) -> None:
    """These titles' copies were added or changed state: their counts follow, and where that
    changes a filter token (the last copy lent or the first one back, every copy
    withdrawn, a new location) those tokens are replaced, without making the whole
    document again: this runs in the desk's check-out and check-in."""
    from shuxiang.search.documents import filter_tokens

    engine = backend()
    bibs = sorted({int(b) for b in bib_ids})
    if not bibs:
        return
    now = engine.holdings(bibs)
    stored = engine.stored_holdings(bibs)

    def signature(h: Holdings) -> tuple:
        return (h.withdrawn, h.available > 0, h.locations)

    counts = {b: now.get(b, Holdings()) for b in bibs if b in stored}
    if counts:
        engine.set_holdings(counts)
    retag = {
        b: filter_tokens(*stored[b][1], h)
        for b, h in counts.items()
        if signature(stored[b][0]) != signature(h)
    }
    if retag:
        engine.set_filter_tokens(retag)
        moved = {
            stored[b][1][0] for b, h in counts.items() if stored[b][0].locations != h.locations
        }
        if moved:  # a location is a facet value: the facets' copy of them is stale
            engine.new_generation(moved)
    missing = [b for b in bibs if b not in stored]
    if missing:
        index_bibs(missing)


def _bib_rows(engine: Any, library_id: int | None, after: int, limit: int) -> list[tuple]:
    """The next titles after bib id `after` (all libraries, or one): rows of BIB_FIELDS
    as SQL gives them (JSON as text, decoded where the documents are made)."""
    where = "b.id > %s" + (" AND b.library_id = %s" if library_id is not None else "")
    params: list[Any] = [after] + ([library_id] if library_id is not None else [])
    columns = ", ".join(f"b.{name}" for name in BIB_FIELDS)
    return engine._rows(
        f"SELECT {columns} FROM catalog_bib b WHERE {where} ORDER BY b.id LIMIT %s",
        [*params, limit],
    )


def _prepare(kind: type, bib_rows: list[tuple], items: list[tuple]) -> Rows:
    """A batch's rows for the backend `kind` (what a worker process runs)."""
    return kind.rows_of(build_rows(bib_rows, items))


POOL_FROM = 20_000  # titles from which a rebuild makes its documents in worker processes


def _workers(total: int) -> Any:
    """A pool of processes that make documents while this one writes them: for a large
    rebuild, where a second core makes it faster (pypinyin is the bulk of the work)."""
    import multiprocessing
    import os

    cores = os.cpu_count() or 1
    if total < POOL_FROM or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None  # (Windows has no fork; spawn would run the caller's script again)
    from concurrent.futures import ProcessPoolExecutor

    # A forked worker only makes documents: it never touches the database connection
    # it inherits, and leaves through os._exit, so that connection is not closed there.
    return ProcessPoolExecutor(min(cores, 4), mp_context=multiprocessing.get_context("fork"))


def reindex(
    library: Any = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    batch_size: int = 2000,
) -> int:
    """Build the index again from the catalog (one library, or all): each batch of
    titles in a transaction of its own, so the desks are never kept waiting long, and
    the search keeps answering meanwhile. progress(done, total) after each batch.
    Returns the number of titles indexed."""
    from shuxiang.catalog.models import Bib
    from shuxiang.search.models import SearchDoc

    engine = backend()
    kind = type(engine)
    library_id = (
        None if library is None else (library.pk if hasattr(library, "pk") else int(library))
    )
    bibs = Bib.objects.all()
    docs_qs = SearchDoc.objects.all()
    if library_id is not None:
        bibs = bibs.filter(library_id=library_id)
        docs_qs = docs_qs.filter(library_id=library_id)
    total = bibs.count()
    fresh = not docs_qs.exists()
    done = 0
    if progress:
        progress(0, total)
    # An empty index, filled in bulk (not inside a caller's transaction, where
    # PostgreSQL keeps the deferred key checks pending and would refuse the index).
    outside = not engine.connection.in_atomic_block
    bulk = outside and not SearchDoc.objects.exists()
    if outside and not bulk:  # what a bulk fill that was cut short left undone
        engine.bulk_end()
    pool = _workers(total)
    pending: list[Any] = []
    last = 0
    if bulk:
        engine.bulk_start()

    def write(rows: Rows) -> None:
        nonlocal done
        with transaction.atomic():
            engine.write_rows(rows, fresh=fresh)
            engine.new_generation(rows.library_ids)
        done += len(rows.bib_ids)
        if progress:
            progress(done, total)

    try:
        while True:
            rows = _bib_rows(engine, library_id, last, batch_size)
            if not rows:
                break
            first, last = rows[0][0], rows[-1][0]
            items = engine.item_rows(first, last)
            if pool is None:
                write(_prepare(kind, rows, items))
                continue
            pending.append(pool.submit(_prepare, kind, rows, items))
            while len(pending) > 2:  # keep the workers busy while this one writes
                write(pending.pop(0).result())
        for future in pending:
            write(future.result())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if bulk:
            engine.bulk_end()
    if not fresh:
        with transaction.atomic():
            kept = set(bibs.values_list("id", flat=True))
            stale = sorted(set(docs_qs.values_list("bib_id", flat=True)) - kept)
            if stale:
                libraries = engine.libraries_of(stale)
                engine.delete(stale)
                engine.new_generation(libraries)
    engine.optimize()
    return total
