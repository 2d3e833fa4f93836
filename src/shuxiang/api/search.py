"""Catalog search for any caller: GET /api/v1/search and /api/v1/search/suggest.

Reading the catalog needs no login. A caller with a valid token searches its own
library (or the one named by ?library=CODE); an anonymous caller gets the deployment's
only library, the one named by ?library=CODE, or else the public site's library
(SHUXIANG_LIBRARY), as the OPAC does (search.libraries). A token that is sent must be
valid (401)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query as QueryParams
from ninja import Schema

from shuxiang.api.api import api
from shuxiang.api.auth import BearerToken
from shuxiang.api.schemas import ErrorOut
from shuxiang.core.models import Library

ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PublicOrBearer(BearerToken):
    """No Authorization header: an anonymous reader. A header: the token must be valid."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get("Authorization"):
            request.search_anonymous = True  # type: ignore[attr-defined]
            return True
        return super().__call__(request)


class SearchParams(Schema):
    q: str = ""
    field: str = "anywhere"
    clc: str | None = None
    material_type: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    location: int | None = None
    available: bool | None = None
    page: int = 1
    per_page: int = 20
    facets: bool = True
    library: str | None = None


class HitOut(Schema):
    id: int
    title: str
    authors: list[str]
    isbn: str
    call_number: str
    year: int | None
    publisher: str
    material_type: str
    available: int
    copies: int


class FacetOut(Schema):
    value: str
    label: str
    count: int
    capped: bool


class SearchOut(Schema):
    total: int
    page: int
    per_page: int
    results: list[HitOut]
    facets: dict[str, list[FacetOut]]


class SuggestOut(Schema):
    suggestions: list[str]


def _library(request: HttpRequest, code: str | None) -> Library:
    from shuxiang.search.libraries import public_library

    anonymous = getattr(request, "search_anonymous", False)
    return public_library(code, None if anonymous else request.library)


@api.get("/search", auth=PublicOrBearer(), response={200: SearchOut, **ERRORS}, tags=["search"])
def search(request: HttpRequest, params: QueryParams[SearchParams]) -> dict:
    """Search the catalog: the words of `q` ANDed in `field` (anywhere, title, author,
    subject, series, publisher, isbn, clc), with filters (CLC main class, material type,
    years, location id, available=1 for a copy on the shelf) and facets."""
    from shuxiang.search import engine

    library = _library(request, params.library)
    filters = engine.Filters(
        clc_top=params.clc or None,
        year_from=params.year_from,
        year_to=params.year_to,
        material_type=params.material_type or None,
        location_id=params.location,
        available=params.available,
    )
    page = engine.search(
        library,
        params.q,
        field=params.field,
        filters=filters,
        page=params.page,
        per_page=params.per_page,
        facets=params.facets,
    )
    return {
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "results": [
            {
                "id": h.bib_id,
                "title": h.title,
                "authors": h.authors,
                "isbn": h.isbn,
                "call_number": h.call_number,
                "year": h.year,
                "publisher": h.publisher,
                "material_type": h.material_type,
                "available": h.available,
                "copies": h.copies,
            }
            for h in page.hits
        ],
        "facets": {
            name: [
                {"value": v.value, "label": v.label, "count": v.count, "capped": v.capped}
                for v in values
            ]
            for name, values in page.facets.items()
        },
    }


@api.get(
    "/search/suggest",
    auth=PublicOrBearer(),
    response={200: SuggestOut, **ERRORS},
    tags=["search"],
)
def search_suggest(
    request: HttpRequest, q: str = "", limit: int = 10, library: str | None = None
) -> dict:
    """Titles and authors that begin with `q` (characters, full pinyin or initials)."""
    from shuxiang.search import engine

    return {"suggestions": engine.suggest(_library(request, library), q, limit=limit)}
