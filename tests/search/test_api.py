"""GET /api/v1/search and /api/v1/search/suggest over HTTP: anonymous callers and
callers with any valid token get the same answers."""

from __future__ import annotations

import pytest

from .conftest import XIYOUJI_ISBN


@pytest.fixture
def reader(make_user):
    return make_user("student", username="student1")


def test_anonymous_search_in_a_one_school_deployment(corpus, client):
    response = client.get("/api/v1/search", {"q": "xyj"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    first = body["results"][0]
    assert first["title"] == "西游记"
    assert first["isbn"] == XIYOUJI_ISBN
    assert (first["available"], first["copies"]) == (3, 3)
    assert set(first) >= {"id", "title", "authors", "isbn", "call_number", "available", "copies"}
    assert {"clc", "material_type", "location", "year", "available"} <= set(body["facets"])
    assert body["facets"]["clc"][0] == {"value": "I", "label": "文学", "count": 4, "capped": False}


def test_any_valid_token_gets_the_same_answer(corpus, client, api, librarian, reader):
    anonymous = client.get("/api/v1/search?q=西游&available=1").json()
    assert api(librarian).get("/api/v1/search?q=西游&available=1").json() == anonymous
    assert api(reader).get("/api/v1/search?q=西游&available=1").json() == anonymous
    assert [r["title"] for r in anonymous["results"]] == ["西游记", "西游记故事"]


def test_a_wrong_token_is_refused(corpus, client):
    response = client.get("/api/v1/search?q=x", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_fields_filters_and_pages(corpus, client):
    body = client.get("/api/v1/search", {"q": "鲁迅", "field": "author"}).json()
    assert [r["title"] for r in body["results"]] == ["朝花夕拾"]
    body = client.get("/api/v1/search", {"clc": "K", "per_page": 2, "page": 2}).json()
    assert body["total"] == 3 and len(body["results"]) == 1 and body["page"] == 2
    body = client.get("/api/v1/search", {"q": "西游", "facets": "false"}).json()
    assert body["facets"] == {}


@pytest.mark.parametrize(
    "query, code",
    [
        ({"q": "x", "field": "nowhere"}, "invalid_field"),
        ({"q": "x", "clc": "W"}, "invalid_clc"),
        ({"q": "x", "page": "zero"}, "invalid"),
        ({"q": "x", "per_page": "500"}, "invalid_page"),
    ],
)
def test_bad_queries_answer_422_with_a_code(corpus, client, query, code):
    response = client.get("/api/v1/search", query)
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_several_libraries_are_named_by_code(corpus, client, settings):
    from shuxiang.catalog.services import bib_create
    from shuxiang.core.audit import Actor
    from shuxiang.core.models import AuditEvent
    from shuxiang.core.services import library_setup

    other = library_setup(code="second", name="第二小学图书室", school_name="第二小学")
    bib_create(
        actor=Actor(library=other, user=None, channel=AuditEvent.Channel.CLI), title="草房子"
    )
    settings.SHUXIANG_DEFAULT_LIBRARY = ""
    response = client.get("/api/v1/search", {"q": "草房子"})
    assert response.status_code == 422
    assert response.json()["code"] == "library_required"
    body = client.get("/api/v1/search", {"q": "草房子", "library": "second"}).json()
    assert [r["title"] for r in body["results"]] == ["草房子"]
    assert client.get("/api/v1/search", {"q": "x", "library": "nope"}).status_code == 404
    settings.SHUXIANG_DEFAULT_LIBRARY = "second"  # as the public site picks its library
    assert client.get("/api/v1/search", {"q": "草房子"}).json()["total"] == 1


def test_a_token_searches_its_own_library(corpus, api, librarian):
    body = api(librarian).get("/api/v1/search", data={"q": "西游记"}).json()
    assert body["results"][0]["title"] == "西游记"


def test_suggest(corpus, client):
    response = client.get("/api/v1/search/suggest", {"q": "xy"})
    assert response.status_code == 200
    assert response.json()["suggestions"][0] == "西游记"
    assert client.get("/api/v1/search/suggest", {"q": ""}).json() == {"suggestions": []}
    assert client.get("/api/v1/search/suggest", {"q": "x", "limit": 0}).status_code == 422


def test_openapi_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/search" in paths and "/api/v1/search/suggest" in paths
