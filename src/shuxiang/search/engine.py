"""The search engine's interface, used by the OPAC, the staff pages, the API and the SRU
server alike:

    search(library, query, *, field="anywhere", filters=None, page=1, per_page=20,
           staff=False, facets=True) -> SearchPage
    suggest(library, prefix, limit=10) -> list[str]
    index_bibs(bib_ids) / unindex_bibs(bib_ids) / items_changed(item_ids)
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core.errors import Invalid
from shuxiang.search import plan, tokenizer
from shuxiang.search.backends import backend
from shuxiang.search.backends.base import FacetRows, Pred
from shuxiang.search.documents import BIB_FIELDS, Holdings, build
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
    "items_changed",
    "reindex",
    "search",
    "suggest",
    "unindex_bibs",
]

MAX_PER_PAGE = 100
MAX_SUGGEST = 50
MAX_OFFSET = 10_000  # deeper pages answer empty: nobody reads page 501
KEY_TIER_LIMIT = 200  # titles looked at for the exact-title and title-prefix tiers
# Facets count every matching title up to this many; beyond, the counts are those of
# the newest FACET_LIMIT matches, shown as "at least" (FacetValue.capped).
FACET_LIMIT = 100_000
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


def _base(library_id: int, expr: object, filters: Filters, staff: bool) -> object:
    """The whole question: the words, the library, and the filters kept as tokens."""
    scope = [plan.Tok(("f",), f"l{library_id}")]
    if filters.clc_top:
        scope.append(plan.Tok(("f",), f"c{filters.clc_top.lower()}"))
    if filters.material_type:
        scope.append(plan.Tok(("f",), plan.material_token(filters.material_type)))
    whole = plan._all([*scope, expr])
    if not staff:
        whole = plan.Without(whole, plan.Tok(("f",), "w"))
    return whole


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _preds(library_id: int, filters: Filters, staff: bool, connection: Any) -> list[Pred]:
    """The filters that are SQL conditions over search_doc d."""
    preds: list[Pred] = []
    if filters.year_from is not None:
        preds.append(("d.year >= %s", [filters.year_from]))
    if filters.year_to is not None:
        preds.append(("d.year <= %s", [filters.year_to]))
    if filters.available is True:
        preds.append(("d.available > 0", []))
    elif filters.available is False:
        preds.append(("d.available = 0", []))
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


def _key_tiers(
    engine: Any, library_id: int, text: str, base: object, preds: list[Pred]
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
        matching = engine.matching(base, library_id, list(found)) if found else set()
        ranked = sorted((b for b in found if b in matching), key=lambda b: found[b])
        tiers.append(ranked)
    return tiers


def _segments(
    engine: Any,
    library_id: int,
    tree: Query | None,
    key_text: str | None,
    base: object,
    preds: list[Pred],
    filters: Filters,
) -> list[_Segment]:
    segments: list[_Segment] = []
    seen: list[int] = []
    if key_text:
        for tier in _key_tiers(engine, library_id, key_text, base, preds):
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
    shelves = [("d.available > 0", []), ("d.available = 0", [])]
    if filters.available is not None:
        shelves = [("1 = 1", [])]
    for expr in runs:
        for shelf in shelves:
            segments.append(_Segment(expr=expr, preds=[*rest, shelf]))
    return segments


def _page_ids(
    engine: Any, library_id: int, segments: list[_Segment], offset: int, need: int, total: int
) -> list[int]:
    """Walk the ranking's runs to the page at `offset`: a run before it is counted
    only when the page starts past it."""
    out: list[int] = []
    skip = offset
    passed = 0  # titles in the runs walked so far
    for segment in segments:
        if len(out) >= need or passed >= total:
            break
        if segment.ids is not None:
            size = len(segment.ids)
            out += segment.ids[skip : skip + need - len(out)]
            skip = max(0, skip - size)
            passed += size
            continue
        want = need - len(out)
        got = engine.ids(segment.expr, library_id, segment.preds, limit=want, offset=skip)
        if got:
            out += got
            passed += skip + len(got)
            skip = 0
        elif skip:
            size = engine.count(segment.expr, library_id, segment.preds)
            skip -= size
            passed += size
    return out


# -- results ------------------------------------------------------------------------


def _hits(ids: Sequence[int]) -> list[Hit]:
    from shuxiang.catalog.models import Bib, CallNumber
    from shuxiang.search.models import SearchDoc

    bibs = Bib.objects.only(
        "id", "title", "authors", "isbn", "year", "publisher", "material_type", "responsibility"
    ).in_bulk(ids)
    calls = dict(
        CallNumber.objects.filter(bib_id__in=ids, volume="").values_list("bib_id", "value")
    )
    counts = {
        b: (a, c)
        for b, a, c in SearchDoc.objects.filter(bib_id__in=ids).values_list(
            "bib_id", "available", "copies"
        )
    }
    out = []
    for bib_id in ids:
        bib = bibs.get(bib_id)
        if bib is None:
            continue
        authors = [a.get("name", "") for a in bib.authors if isinstance(a, dict) and a.get("name")]
        available, copies = counts.get(bib_id, (0, 0))
        out.append(
            Hit(
                bib_id=bib.pk,
                title=bib.title,
                authors=authors or ([bib.responsibility] if bib.responsibility else []),
                isbn=bib.isbn,
                call_number=calls.get(bib_id, ""),
                year=bib.year,
                publisher=bib.publisher,
                material_type=bib.material_type,
                available=available,
                copies=copies,
            )
        )
    return out


def _facets(rows: FacetRows, total: int, library_id: int) -> dict[str, list[FacetValue]]:
    from shuxiang.catalog import clc
    from shuxiang.catalog.models import Bib
    from shuxiang.core.models import Location

    capped = rows.scanned < total
    sums: dict[str, dict[Any, int]] = {"clc": {}, "material_type": {}, "year": {}, "available": {}}
    for top, material, year, on_shelf, n in rows.combos:
        for name, value in (
            ("clc", top or ""),
            ("material_type", material),
            ("year", year),
            ("available", "1" if on_shelf else "0"),
        ):
            if value is None:
                continue
            sums[name][value] = sums[name].get(value, 0) + n
    materials = dict(Bib.MaterialType.choices)
    out: dict[str, list[FacetValue]] = {
        "clc": [
            FacetValue(v, clc.caption(v) if v else _("未分类"), n, capped)
            for v, n in sorted(sums["clc"].items(), key=lambda kv: (kv[0] == "", kv[0]))
        ],
        "material_type": [
            FacetValue(v, str(materials.get(v, v)), n, capped)
            for v, n in sorted(sums["material_type"].items(), key=lambda kv: (-kv[1], kv[0]))
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
    names = dict(
        Location.objects.filter(
            library_id=library_id, pk__in=[loc for loc, _n in rows.locations]
        ).values_list("pk", "name")
    )
    out["location"] = [
        FacetValue(str(loc), names.get(loc, str(loc)), n, capped)
        for loc, n in sorted(rows.locations, key=lambda r: (-r[1], r[0]))
    ]
    return out


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
    base = _base(library_id, expr, filters, staff)
    preds = _preds(library_id, filters, staff, engine.connection)
    result.total = engine.count(base, library_id, preds)
    if result.total == 0:
        return result
    offset = (page - 1) * per_page
    if offset < min(result.total, MAX_OFFSET):
        segments = _segments(
            engine, library_id, tree, _key_text(query, field), base, preds, filters
        )
        ids = _page_ids(engine, library_id, segments, offset, per_page, result.total)
        result.hits = _hits(ids)
    if facets:
        rows = engine.facets(base, library_id, preds, FACET_LIMIT)
        result.facets = _facets(rows, result.total, library_id)
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
    ranked = sorted(rows, key=lambda r: (r[0] != key, r[2] != "t", len(r[0]), r[1]))
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
        engine.write(docs)
        if gone:
            engine.delete(gone)


def unindex_bibs(bib_ids: Iterable[int]) -> None:
    """Take these titles out of the index (in the caller's transaction)."""
    backend().delete(sorted({int(i) for i in bib_ids}))


def items_changed(item_ids: Iterable[int]) -> None:
    """Copies were added or changed state: their titles' counts follow; a title whose
    last copy was withdrawn (or that got one back) is indexed again."""
    engine = backend()
    bibs = engine.bibs_of_items(sorted({int(i) for i in item_ids}))
    if not bibs:
        return
    now = engine.holdings(bibs)
    stored = engine.stored_holdings(bibs)
    again = [
        b
        for b in bibs
        if b not in stored or stored[b].withdrawn != now.get(b, Holdings()).withdrawn
    ]
    counts = {b: now.get(b, Holdings()) for b in bibs if b not in again}
    if counts:
        engine.set_holdings(counts)
    if again:
        index_bibs(again)


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
    bibs = Bib.objects.all()
    docs_qs = SearchDoc.objects.all()
    if library is not None:
        bibs = bibs.filter(library=library)
        docs_qs = docs_qs.filter(library=library)
    ids = list(bibs.order_by("id").values_list("id", flat=True))
    fresh = not docs_qs.exists()
    total = len(ids)
    done = 0
    if progress:
        progress(0, total)
    for start in range(0, total, batch_size):
        part = ids[start : start + batch_size]
        docs, gone = _documents(part, engine)
        with transaction.atomic():
            engine.write(docs, fresh=fresh)
            if gone:
                engine.delete(gone)
        done += len(part)
        if progress:
            progress(done, total)
    with transaction.atomic():
        stale = (
            sorted(set(docs_qs.values_list("bib_id", flat=True)) - set(ids)) if not fresh else []
        )
        if stale:
            engine.delete(stale)
    engine.optimize()
    return total
