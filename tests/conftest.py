"""Shared fixtures. Tests run against a real SQLite file (and, in the PostgreSQL pass,
a real PostgreSQL server)."""

from __future__ import annotations

import os

import pytest
from django.utils import translation

from shuxiang.core.audit import Actor
from shuxiang.core.models import AuditEvent

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_PASS = os.environ.get("SHUXIANG_PG_PASS") == "1"
DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_cjk_font: renders a PDF, which needs a TrueType CJK font"
    )
    if os.environ.get("SHUXIANG_TEST_WITHOUT_CJK_FONT") == "1":
        # As on a fresh machine without fonts-wqy-microhei: the PDF tests must skip.
        from shuxiang.core import pdf

        pdf.CANDIDATE_FONTS[:] = []
        os.environ.pop("SHUXIANG_CJK_FONT", None)


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_cjk_font"):
        from shuxiang.core.pdf import find_cjk_font

        if find_cjk_font() is None:
            pytest.skip(
                "needs a TrueType CJK font to render PDFs: apt-get install fonts-wqy-microhei "
                "(or point SHUXIANG_CJK_FONT at a .ttf/.ttc)"
            )


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass runs the database tests only; browser tests, and tests of
    SQLite itself (marked sqlite_only), stay on SQLite."""
    if not PG_PASS:
        return
    keep, drop = [], []
    for item in items:
        uses_db = bool(
            DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        ) or item.get_closest_marker("django_db")
        is_browser = item.get_closest_marker("browser") is not None
        is_sqlite = item.get_closest_marker("sqlite_only") is not None
        (keep if uses_db and not is_browser and not is_sqlite else drop).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI=true a test that would skip (no server, browser or font) fails instead."""
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true: {report.longrepr}"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-Hans). The test client leaves the
    last request's language active in its thread, so an English request in one test
    would otherwise turn a later test's CLI output English."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Tests make many logins; password strength is not what they are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def library(db):
    from shuxiang.core.services import library_setup

    return library_setup(code="main", name="实验中学图书馆", school_name="实验中学")


@pytest.fixture
def make_user(library):
    from shuxiang.core.services import user_create

    def make(role: str = "librarian", username: str | None = None, password: str = "secret123"):
        return user_create(
            library=library, username=username or f"{role}1", role=role, password=password
        )

    return make


@pytest.fixture
def librarian(make_user):
    return make_user("librarian")


@pytest.fixture
def actor(library, librarian):
    return Actor(library=library, user=librarian, channel=AuditEvent.Channel.WEB)


@pytest.fixture
def api(client):
    """api(user).get/post(...) with a Bearer token made for that user."""
    from django.test import Client

    from shuxiang.core.services import token_create

    class Api:
        def __init__(self, user=None):
            self.client = Client()
            self.headers = {}
            if user is not None:
                self.headers["HTTP_AUTHORIZATION"] = (
                    f"Bearer {token_create(username=user.username)}"
                )

        def get(self, path, **kw):
            return self.client.get(path, **self.headers, **kw)

        def delete(self, path, **kw):
            return self.client.delete(path, **self.headers, **kw)

        def post(self, path, data=None, raw=None, **kw):
            if raw is not None:
                return self.client.post(
                    path, raw, content_type="application/json", **self.headers, **kw
                )
            return self.client.post(
                path, data or {}, content_type="application/json", **self.headers, **kw
            )

    return Api


@pytest.fixture
def school_class(library):
    from shuxiang.patrons.models import SchoolClass

    return SchoolClass.objects.create(
        library=library,
        school_year=library.current_school_year,
        grade=7,
        number=3,
        name="七年级3班",
    )


@pytest.fixture
def make_bib(actor):
    from shuxiang.catalog.services import bib_create

    def make(title: str = "朝花夕拾", **kw):
        return bib_create(actor=actor, title=title, **kw)

    return make


@pytest.fixture
def make_item(actor, make_bib):
    from shuxiang.catalog.services import item_create

    counter = {"n": 0}

    def make(barcode: str | None = None, bib=None, **kw):
        counter["n"] += 1
        bib = bib or make_bib(f"测试图书{counter['n']}")
        return item_create(
            actor=actor, bib_id=bib.pk, barcode=barcode or f"{10000000 + counter['n']}", **kw
        )

    return make


@pytest.fixture
def make_patron(actor):
    from shuxiang.patrons.services import patron_create

    counter = {"n": 0}

    def make(card: str | None = None, name: str = "张小明", **kw):
        counter["n"] += 1
        return patron_create(actor=actor, card=card or f"R{100000 + counter['n']}", name=name, **kw)

    return make


@pytest.fixture
def staff_client(client, librarian):
    client.force_login(librarian)
    return client


@pytest.fixture
def stacks(library):
    from shuxiang.core.models import Location

    return Location.objects.get(library=library, code="stacks")
