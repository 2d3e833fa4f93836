"""The public search page's address, read and written (pure: no request, no ORM).

Everything a results page shows comes from its query string, so that a result can be
bookmarked, shared and paged:

    q       the words typed in the box
    field   where to look (anywhere, title, author, subject, series, publisher, isbn, clc)
    clc     a CLC main class letter (中图法大类)
    type    a material type (图书, 期刊 ...)
    year    a publication year; year_from / year_to a range
    loc     a location's id (馆藏地点)
    avail   1: a copy is on the shelf; 0: none is
    page    the page, from 1

Anyone can type anything into an address. A value that cannot be used is dropped with a
message saying which and why (the page answers 400 and shows the rest); it never reaches
the engine, whose own refusals would otherwise be the reader's first hint.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from shuxiang.search.query import FIELDS, Filters

MAX_QUERY = 200  # characters of the box that are searched
MAX_PAGE = 10_000
PER_PAGE = 20
YEARS = (1000, 2100)
# The query string's keys, in the order an address is written.
KEYS = ("q", "field", "clc", "type", "year", "year_from", "year_to", "loc", "avail", "page")
# The engine's facet names and the filter each adds.
FACET_KEYS = {
    "clc": "clc",
    "material_type": "type",
    "year": "year",
    "available": "avail",
    "location": "loc",
}
# Filters a chip can remove (the box's words and field are changed in the box).
FILTER_KEYS = ("clc", "type", "year", "year_from", "year_to", "loc", "avail")


@dataclass
class SearchRequest:
    q: str = ""
    field: str = "anywhere"
    clc: str = ""
    material_type: str = ""
    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    location_id: int | None = None
    available: bool | None = None
    page: int = 1
    problems: list[str] = dataclass_field(default_factory=list)

    @property
    def params(self) -> dict[str, str]:
        """The address's values that were understood (the bad ones left out)."""
        values = {
            "q": self.q,
            "field": "" if self.field == "anywhere" else self.field,
            "clc": self.clc,
            "type": self.material_type,
            "year": _text(self.year),
            "year_from": _text(self.year_from),
            "year_to": _text(self.year_to),
            "loc": _text(self.location_id),
            "avail": "" if self.available is None else ("1" if self.available else "0"),
            "page": "" if self.page == 1 else str(self.page),
        }
        return {k: v for k, v in values.items() if v}

    @property
    def filters(self) -> Filters:
        year_from = self.year if self.year is not None else self.year_from
        year_to = self.year if self.year is not None else self.year_to
        return Filters(
            clc_top=self.clc or None,
            year_from=year_from,
            year_to=year_to,
            material_type=self.material_type or None,
            location_id=self.location_id,
            available=self.available,
        )

    @property
    def has_filters(self) -> bool:
        return any(k in self.params for k in FILTER_KEYS)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _whole(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text or len(text) > 12 or not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse(
    query: Mapping[str, str],
    *,
    main_classes: str,
    material_types: Collection[str],
    location_ids: Collection[int],
) -> SearchRequest:
    """A search request from a query string (a mapping of its last values). What is
    allowed comes from the caller: the CLC main classes, the material types, and the
    ids of the library's locations."""
    found = SearchRequest()
    problems = found.problems
    found.q = " ".join((query.get("q") or "").split())[:MAX_QUERY]

    field_name = (query.get("field") or "anywhere").strip()
    if field_name in FIELDS:
        found.field = field_name
    else:
        problems.append(_("未知的检索字段：%(value)s") % {"value": field_name[:40]})

    clc = (query.get("clc") or "").strip().upper()
    if clc:
        if len(clc) == 1 and clc in main_classes:
            found.clc = clc
        else:
            problems.append(_("中图法大类应为 22 个大类字母之一：%(value)s") % {"value": clc[:40]})

    material = (query.get("type") or "").strip()
    if material:
        if material in material_types:
            found.material_type = material
        else:
            problems.append(_("未知的资料类型：%(value)s") % {"value": material[:40]})

    for key in ("year", "year_from", "year_to"):
        raw = query.get(key) or ""
        if not raw.strip():
            continue
        year = _whole(raw, *YEARS)
        if year is None:
            problems.append(
                _("出版年应为 %(low)s 到 %(high)s 之间的年份：%(value)s")
                % {"low": YEARS[0], "high": YEARS[1], "value": raw[:40]}
            )
        else:
            setattr(found, key, year)
    if found.year_from and found.year_to and found.year_from > found.year_to:
        found.year_from, found.year_to = found.year_to, found.year_from

    raw_loc = query.get("loc") or ""
    if raw_loc.strip():
        loc = _whole(raw_loc, 1, 2**63 - 1)
        if loc is not None and loc in location_ids:
            found.location_id = loc
        else:
            problems.append(_("没有这个馆藏地点：%(value)s") % {"value": raw_loc[:40]})

    avail = (query.get("avail") or "").strip()
    if avail:
        if avail in ("0", "1"):
            found.available = avail == "1"
        else:
            problems.append(_("在架筛选应为 1 或 0：%(value)s") % {"value": avail[:40]})

    raw_page = query.get("page") or ""
    if raw_page.strip():
        page = _whole(raw_page, 1, MAX_PAGE)
        if page is None:
            problems.append(
                _("页码应为 1 到 %(max)s 之间的整数：%(value)s")
                % {"max": MAX_PAGE, "value": raw_page[:40]}
            )
        else:
            found.page = page
    return found


def address(params: Mapping[str, str], **changes: str | None) -> str:
    """The query string of `params` with some values changed (None or "": removed),
    starting with "?". Any change other than the page goes back to page 1."""
    values = dict(params)
    if any(k != "page" for k in changes):
        values.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            values.pop(key, None)
        else:
            values[key] = str(value)
    ordered = [(k, values[k]) for k in KEYS if values.get(k)]
    return "?" + urlencode(ordered) if ordered else "?"


def last_page(total: int, per_page: int = PER_PAGE, max_offset: int = 10_000) -> int:
    """The last page there is to show: the engine answers no deeper than `max_offset`."""
    reachable = min(total, max_offset)
    return max(1, -(-reachable // per_page))


def pages_around(page: int, last: int, width: int = 2) -> list[int | None]:
    """Page numbers for the pager: the first, the last and those near the current one,
    None where a run is left out (1 … 4 5 6 … 20)."""
    wanted = {1, last, *range(page - width, page + width + 1)}
    shown = sorted(p for p in wanted if 1 <= p <= last)
    out: list[int | None] = []
    for number in shown:
        if out and out[-1] is not None and number - out[-1] > 1:
            out.append(None)
        out.append(number)
    return out


@dataclass
class FacetLink:
    label: str
    count: str  # "12", or "1000+" where the engine capped its counting
    url: str  # "" for a value that cannot be chosen (titles without a class)
    active: bool = False


@dataclass
class FacetGroup:
    name: str
    title: str
    links: list[FacetLink]

    SHOWN = 8  # values shown before "more"

    @property
    def first(self) -> list[FacetLink]:
        return self.links[: self.SHOWN]

    @property
    def more(self) -> list[FacetLink]:
        return self.links[self.SHOWN :]


@dataclass
class Chip:
    label: str
    url: str  # the address without this filter


def _facet_titles() -> dict[str, str]:
    return {
        "available": _("在架情况"),
        "clc": _("中图法大类"),
        "location": _("馆藏地点"),
        "material_type": _("资料类型"),
        "year": _("出版年"),
    }


def facet_groups(facets: Mapping[str, list[Any]], params: Mapping[str, str]) -> list[FacetGroup]:
    """The engine's facets as links that add their filter to the address (a value
    already chosen is marked, not linked). A facet with a single value says nothing
    and is left out unless it is the chosen one."""
    groups = []
    for name, title in _facet_titles().items():
        key = FACET_KEYS[name]
        values = facets.get(name) or []
        chosen = params.get(key, "")
        if len(values) < 2 and not chosen:
            continue
        links = []
        for value in values:
            count = f"{value.count}+" if value.capped else str(value.count)
            active = chosen == str(value.value) or (key == "clc" and chosen == value.value)
            url = "" if value.value == "" else address(params, **{key: str(value.value)})
            links.append(FacetLink(str(value.label), count, "" if active else url, active))
        groups.append(FacetGroup(key, title, links))
    return groups


def chips(
    request: SearchRequest,
    *,
    clc_caption: Any,
    material_labels: Mapping[str, str],
    location_labels: Mapping[int, str],
) -> list[Chip]:
    """One removable chip per filter in use, saying what it keeps."""
    params = request.params
    out = []
    if request.clc:
        caption = clc_caption(request.clc)
        out.append(Chip(f"{request.clc} {caption}".strip(), address(params, clc=None)))
    if request.material_type:
        label = material_labels.get(request.material_type, request.material_type)
        out.append(Chip(str(label), address(params, type=None)))
    if request.year is not None:
        out.append(Chip(_("%(year)s 年出版") % {"year": request.year}, address(params, year=None)))
    if request.year_from is not None:
        out.append(
            Chip(
                _("%(year)s 年及以后出版") % {"year": request.year_from},
                address(params, year_from=None),
            )
        )
    if request.year_to is not None:
        out.append(
            Chip(
                _("%(year)s 年及以前出版") % {"year": request.year_to},
                address(params, year_to=None),
            )
        )
    if request.location_id is not None:
        label = location_labels.get(request.location_id, str(request.location_id))
        out.append(Chip(_("馆藏地点：%(name)s") % {"name": label}, address(params, loc=None)))
    if request.available is not None:
        label = _("在架可借") if request.available else _("暂无在架")
        out.append(Chip(label, address(params, avail=None)))
    return out
