"""The permission matrix: every URL of the URL conf and every operation of the API's
OpenAPI document, asked by every role, against the table below.

A new view or API operation without a row fails `test_every_url_and_operation_has_a_row`
(decide who may use it, and write the row); a row whose URL or operation is gone fails
it too. The Django admin's own URLs are left out by one rule (`_skipped_by_rule`), with a
few rows of their own (ADMIN_PAGES).

Each row names its objects once, as a function of a school (tests/core/
permission_world.py builds two alike). The roles act in the first school; every row with
an object is asked again with the second school's twin, which must be out of reach.

Outcome tokens, in role order (ROLES):

- `200`, `204`: that status; a 200 of a row with `shows` contains that text
- `hidden`: 200, and the row's `shows` text is not in it (a list cut to the role's class)
- `login`: redirect to the staff login page; `admin-login`: to the Django admin's login
- `→/path`: redirect there (a reader is sent to their own page)
- `401`, `403`, `404`, `405`: that status, and the `shows` text is not in the answer
- `may`: a write the role may make: not 401, 403, a login redirect or a server error.
  It is sent with the row's harmless body (or `safe_args`), which writes nothing.
- `refused`: a write the view takes but refuses with a message (200 or a redirect
  back), without the `shows` text.

Writes are sent to the roles that may not with a body that would change something
(`body`), and the database must be the same afterwards; roles that may get the
`harmless` body, which must change nothing either (audit events of reads aside).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.core.permission_world import ROLES, School, World, build_world

Args = Callable[[School], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    route: str  # as in the URL conf, or the OpenAPI path of an API operation
    expect: str  # one token per role, in ROLES order
    method: str = "GET"
    case: str = ""
    api: bool = False
    args: Args | None = None  # path parameters
    safe_args: Args | None = None  # path parameters for roles that may (a write)
    query: Args | None = None
    body: Args | None = None  # a write that would change something
    harmless: Args | None = None  # a write that changes nothing
    shows: Callable[[School], str] | None = None
    # What the other school's twin gets: a token for the roles the row allows (the roles
    # it refuses must stay refused, or get 404), or all 8 tokens; "404" by default for a
    # row with path parameters; "-" for no such check.
    cross: str | None = None
    cross_keeps_path: bool = False  # the twin goes in the body only
    fresh_client: bool = False  # logs out or changes the language: a client of its own
    pdf: bool = False

    @property
    def label(self) -> str:
        case = f" [{self.case}]" if self.case else ""
        return f"{self.method} /{self.route.lstrip('/')}{case}"

    def tokens(self) -> dict[str, str]:
        tokens = self.expect.split()
        if tokens[:1] == ["all"]:
            tokens = tokens[1:] * len(ROLES)
        assert len(tokens) == len(ROLES), self.label
        return dict(zip(ROLES, tokens, strict=True))

    @property
    def cross_token(self) -> str | None:
        if self.cross == "-":
            return None
        if self.cross is None and self.args is not None and not self.route.startswith("^"):
            return "404"
        return self.cross

    def cross_tokens(self) -> dict[str, set[str]]:
        cross = self.cross_token
        assert cross is not None
        given = cross.split()
        if given[:1] == ["all"]:
            given = given[1:] * len(ROLES)
        if len(given) == len(ROLES):
            return {role: {token} for role, token in zip(ROLES, given, strict=True)}
        out = {}
        for role, token in self.tokens().items():
            if token in ("login", "admin-login", "401", "405", "422"):
                out[role] = {token}
            elif token in ("403", "404"):
                out[role] = {token, "404"}
            elif token == "refused":
                out[role] = {"refused", "403", "404", cross}
            else:
                out[role] = {cross}
        return out


def page(route: str, expect: str, **kw: Any) -> Row:
    return Row(route=route, expect=expect, **kw)


def op(method: str, path: str, expect: str, **kw: Any) -> Row:
    return Row(route=path, expect=expect, method=method, api=True, **kw)


def post(route: str, expect: str, **kw: Any) -> Row:
    return Row(route=route, expect=expect, method="POST", **kw)


# Objects of a school, as path parameters, bodies and texts.
def reader1(s: School) -> dict[str, Any]:
    return {"patron_id": s.reader1.pk}


def reader2(s: School) -> dict[str, Any]:
    return {"patron_id": s.reader2.pk}


def card1(s: School) -> dict[str, Any]:
    return {"card": s.reader1.card_number}


def card2(s: School) -> dict[str, Any]:
    return {"card": s.reader2.card_number}


def class1(s: School) -> dict[str, Any]:
    return {"class_id": s.class1.pk}


def class2(s: School) -> dict[str, Any]:
    return {"class_id": s.class2.pk}


def name1(s: School) -> str:
    return s.reader1.name


def name2(s: School) -> str:
    return s.reader2.name


def nothing(s: School) -> dict[str, Any]:
    return {}


NO_SUCH_CARD = "R0000000"
NO_SUCH_BARCODE = "00000000"
NO_SUCH_ID = 999_999_999

# fmt: off
# Roles:                anonymous student teacher assistant leader  librarian admin   superuser
DESK                = "login     403     403     200       403     200       200     200"  # circulate
DESK_WRITE          = "login     403     403     may       403     may       may     may"
LIBRARIAN           = "login     403     403     403       403     200       200     200"  # catalog, manage_patrons ...
LIBRARIAN_WRITE     = "login     403     403     403       403     may       may     may"
SCHOOL_ADMIN        = "login     403     403     403       403     403       200     200"  # manage_library
API_DESK            = "401       403     403     200       403     200       200     200"
API_DESK_WRITE      = "401       403     403     may       403     may       may     may"
API_LIBRARIAN       = "401       403     403     403       403     200       200     200"
# Another class's reader: to an assistant the card does not exist (nothing confirmed).
API_OTHER_CLASS     = "401       403     403     404       403     200       200     200"
API_LIBRARIAN_WRITE = "401       403     403     403       403     may       may     may"
API_ANY_LOGIN       = "401       200     200     200       200     200       200     200"  # any token
PUBLIC              = "all 200"
# fmt: on

PAGES: list[Row] = [
    # -- the staff shell, logins and the audit log (core) --
    page("staff/", "login →/my/ →/my/ 200 200 200 200 200"),
    page("staff/login/", "200 →/my/ →/my/ →/staff/ →/staff/ →/staff/ →/staff/ →/staff/"),
    post("staff/logout/", "all →/staff/login/", fresh_client=True, body=nothing),
    page("staff/audit/", SCHOOL_ADMIN),
    page("staff/logins/", LIBRARIAN, shows=lambda s: s.spare_login.username),
    post(
        "staff/logins/",
        LIBRARIAN_WRITE,
        body=lambda s: {"username": "intruder", "role": "admin", "password": "secret123"},
        harmless=lambda s: {"username": "", "role": "teacher", "password": ""},
    ),
    post(
        "staff/logins/<int:user_id>/",
        LIBRARIAN_WRITE,
        case="a teacher's login",
        args=lambda s: {"user_id": s.spare_login.pk},
        body=lambda s: {"action": "deactivate"},
        harmless=lambda s: {"action": "password", "password": "x"},
        cross="refused",
    ),
    post(
        "staff/logins/<int:user_id>/",
        "login 403 403 403 403 refused may may",
        case="another admin's login",
        args=lambda s: {"user_id": s.spare_admin.pk},
        body=lambda s: {"action": "deactivate"},
        harmless=lambda s: {"action": "password", "password": "x"},
        cross="refused",
    ),
    # -- library settings (core) --
    page("staff/settings/", LIBRARIAN, shows=lambda s: s.library.name),
    post(
        "staff/settings/",
        LIBRARIAN_WRITE,
        body=lambda s: {"name": "被改名的图书馆", "school_name": "被改名"},
        harmless=lambda s: {"name": "", "school_name": ""},
    ),
    page("staff/settings/hours/", LIBRARIAN),
    post(
        "staff/settings/hours/",
        LIBRARIAN_WRITE,
        body=lambda s: {"weekday": ["0"], "opens": "07:00", "closes": "08:00", "audience": "all"},
        harmless=lambda s: {"weekday": ["0"], "opens": "", "closes": ""},
    ),
    page("staff/settings/calendar/", LIBRARIAN),
    post(
        "staff/settings/calendar/",
        LIBRARIAN_WRITE,
        body=lambda s: {"action": "day", "date": "2026-12-25", "kind": "closed", "note": "x"},
        harmless=lambda s: {"action": "no-such-action"},
    ),
    page("staff/settings/formats/", LIBRARIAN),
    post(
        "staff/settings/formats/",
        LIBRARIAN_WRITE,
        body=lambda s: {
            "confirm": "1",
            "card_pattern": r"^X\d+$",
            "barcode_pattern": r"^\d+$",
            "accept_misfits": "1",
        },
        harmless=lambda s: {"confirm": "1", "card_pattern": "(", "barcode_pattern": "("},
    ),
    page("staff/settings/locations/", LIBRARIAN),
    post(
        "staff/settings/locations/",
        LIBRARIAN_WRITE,
        body=lambda s: {"action": "deactivate", "id": s.location.pk},
        harmless=lambda s: {"action": "no-such-action"},
        cross="404",
    ),
    # -- the circulation desk --
    page("staff/circulation/", DESK),
    post(
        "staff/circulation/scan",
        DESK_WRITE,
        case="a copy lent to class1",
        body=lambda s: {"code": s.copy1.barcode},
        harmless=lambda s: {"code": ""},
        cross="refused",
    ),
    post(
        "staff/circulation/scan",
        "login 403 403 refused 403 may may may",
        case="a copy lent to class2",
        body=lambda s: {"code": s.copy2.barcode},
        harmless=lambda s: {"code": ""},
    ),
    post(
        "staff/circulation/scan",
        "login 403 403 hidden 403 200 200 200",
        case="a class2 reader's card",
        body=lambda s: {"code": s.reader2.card_number},
        harmless=lambda s: {"code": s.reader2.card_number},
        shows=name2,
        cross="hidden",
    ),
    page("staff/circulation/ping", "login 403 403 204 403 204 204 204"),
    page("staff/circulation/desk-worker.js", PUBLIC),
    page("staff/inventory/stocktakes/worker.js", PUBLIC),
    post(
        "staff/circulation/renew",
        LIBRARIAN_WRITE,
        body=lambda s: {"patron": s.reader1.card_number, "barcode": s.copy1.barcode},
        harmless=lambda s: {"patron": ""},
        cross="refused",
    ),
    page(
        "staff/circulation/receipt/<str:card>/",
        DESK,
        case="class1 reader",
        args=card1,
        shows=name1,
        cross="404",
    ),
    page(
        "staff/circulation/receipt/<str:card>/",
        "login 403 403 404 403 200 200 200",
        case="class2 reader",
        args=card2,
        shows=name2,
    ),
    page("staff/circulation/policies/", LIBRARIAN),
    post("staff/circulation/policies/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page("staff/circulation/settings/", LIBRARIAN),
    post(
        "staff/circulation/settings/",
        LIBRARIAN_WRITE,
        body=lambda s: {"hold_pickup_days": "1"},
        harmless=nothing,
    ),
    page(
        "staff/circulation/reader/<str:card>/",
        DESK,
        case="class1 reader",
        args=card1,
        shows=name1,
        cross="404",
    ),
    page(
        "staff/circulation/reader/<str:card>/",
        "login 403 403 404 403 200 200 200",
        case="class2 reader",
        args=card2,
        shows=name2,
    ),
    post(
        "staff/circulation/reader/<str:card>/",
        "login 403 403 refused 403 may may may",
        case="class1 reader pays a fee",
        args=card1,
        body=lambda s: {"action": "pay", "fee": s.fee1.pk},
        harmless=lambda s: {"action": "no-such-action"},
        cross="refused",
        cross_keeps_path=True,
    ),
    post(
        "staff/circulation/reader/<str:card>/",
        "login 403 403 refused 403 may may may",
        case="class1 reader's loan claimed returned",
        args=card1,
        body=lambda s: {"action": "claim_returned", "barcode": s.copy1.barcode},
        harmless=lambda s: {"action": "claim_returned", "barcode": NO_SUCH_BARCODE},
        cross="refused",
        cross_keeps_path=True,
    ),
    post(
        "staff/circulation/reader/<str:card>/",
        "login 403 403 404 403 may may may",
        case="class2 reader is blocked",
        args=card2,
        body=lambda s: {"action": "block", "reason": "x"},
        harmless=lambda s: {"action": "no-such-action"},
        cross="404",
    ),
    page(
        "staff/circulation/fee-receipt/<str:receipt_number>/",
        DESK,
        case="class1 reader",
        args=lambda s: {"receipt_number": s.receipt1},
        shows=name1,
        cross="404",
    ),
    page(
        "staff/circulation/fee-receipt/<str:receipt_number>/",
        "login 403 403 404 403 200 200 200",
        case="class2 reader",
        args=lambda s: {"receipt_number": s.receipt2},
        shows=name2,
    ),
    page("staff/circulation/holds/", DESK),
    post("staff/circulation/holds/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page("staff/circulation/overdue/", LIBRARIAN, shows=name2),
    page(
        "staff/circulation/overdue/class/<int:class_id>/",
        "login 404 200 200 404 200 200 200",
        case="class1",
        args=class1,
        shows=name1,
        cross="404",
    ),
    page(
        "staff/circulation/overdue/class/<int:class_id>/",
        "login 404 404 404 404 200 200 200",
        case="class2",
        args=class2,
        shows=name2,
    ),
    page(
        "staff/circulation/overdue/class/<int:class_id>/slip.pdf",
        "login 404 200 200 404 200 200 200",
        case="class1",
        args=class1,
        cross="404",
        pdf=True,
    ),
    page(
        "staff/circulation/overdue/class/<int:class_id>/slip.pdf",
        "login 404 404 404 404 200 200 200",
        case="class2",
        args=class2,
        pdf=True,
    ),
    page("staff/circulation/pick-list/", LIBRARIAN, shows=lambda s: s.hold_bib.title),
    post(
        "staff/circulation/pick-list/",
        LIBRARIAN_WRITE,
        body=lambda s: {"barcode": s.hold_copy.barcode},
        harmless=lambda s: {"barcode": NO_SUCH_BARCODE},
        cross="refused",
    ),
    page("staff/circulation/pick-list/pick-list.pdf", LIBRARIAN, pdf=True),
    page(
        "staff/circulation/class/<int:class_id>/",
        DESK,
        case="class1",
        args=class1,
        shows=lambda s: s.class1.name,
        cross="404",
    ),
    page(
        "staff/circulation/class/<int:class_id>/",
        "login 403 403 404 403 200 200 200",
        case="class2",
        args=class2,
        shows=lambda s: s.class2.name,
    ),
    post(
        "staff/circulation/class/<int:class_id>/",
        DESK_WRITE,
        case="class1",
        args=class1,
        body=lambda s: {"action": "lend", "barcodes": s.free_copy.barcode},
        harmless=lambda s: {"action": "no-such-action"},
        cross="404",
    ),
    post(
        "staff/circulation/class/<int:class_id>/",
        "login 403 403 404 403 may may may",
        case="class2",
        args=class2,
        body=lambda s: {"action": "lend", "barcodes": s.free_copy.barcode},
        harmless=lambda s: {"action": "no-such-action"},
    ),
    # -- cataloging, MARC, copy cataloging (SRU) and acquisitions --
    page("staff/cataloging/", LIBRARIAN),
    post(
        "staff/cataloging/",
        LIBRARIAN_WRITE,
        body=lambda s: {"title": "不该有的书", "copy_barcode": ["10009999"]},
        harmless=nothing,
    ),
    page(
        "staff/cataloging/done/<int:bib_id>/",
        LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.bib.title,
        cross="404",
    ),
    page("staff/cataloging/clc.json", LIBRARIAN, query=lambda s: {"q": "I2"}),
    page("staff/cataloging/isbn.json", LIBRARIAN, query=lambda s: {"isbn": "9787020002207"}),
    page("staff/cataloging/call-number.json", LIBRARIAN, query=lambda s: {"clc": "I210.4"}),
    page("staff/cataloging/labels/", LIBRARIAN),
    page("staff/cataloging/register/", LIBRARIAN),
    page("staff/cataloging/booklist/", LIBRARIAN),
    post("staff/cataloging/booklist/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page("staff/cataloging/settings/", LIBRARIAN),
    post(
        "staff/cataloging/settings/",
        LIBRARIAN_WRITE,
        body=lambda s: {"kind": "barcode", "prefix": "", "width": "8", "next_value": "50000000"},
        harmless=lambda s: {"kind": "barcode", "width": "x", "next_value": "x"},
    ),
    page("staff/cataloging/copy/", LIBRARIAN),
    page("staff/cataloging/settings/sru/", LIBRARIAN, shows=lambda s: s.sru_server.name),
    post(
        "staff/cataloging/settings/sru/",
        LIBRARIAN_WRITE,
        body=lambda s: {"toggle": str(s.sru_server.pk)},
        harmless=lambda s: {"name": "", "url": ""},
        cross="404",
    ),
    page("staff/acquisitions/", LIBRARIAN, shows=lambda s: s.batch.name),
    post(
        "staff/acquisitions/",
        LIBRARIAN_WRITE,
        body=lambda s: {"action": "vendor", "name": "不该有的供应商"},
        harmless=lambda s: {"action": "vendor", "name": ""},
    ),
    page(
        "staff/acquisitions/batches/<int:batch_id>/",
        LIBRARIAN,
        args=lambda s: {"batch_id": s.batch.pk},
        shows=lambda s: s.batch.name,
        cross="404",
    ),
    post(
        "staff/acquisitions/batches/<int:batch_id>/",
        LIBRARIAN_WRITE,
        args=lambda s: {"batch_id": s.batch.pk},
        body=lambda s: {"action": "ordered"},
        harmless=lambda s: {"action": "receive_marc"},
        cross="404",
    ),
    page("staff/acquisitions/suggestions/", LIBRARIAN, shows=lambda s: s.suggestion.title),
    page(
        "staff/acquisitions/suggestions/<int:suggestion_id>/",
        LIBRARIAN,
        args=lambda s: {"suggestion_id": s.suggestion.pk},
        shows=lambda s: s.suggestion.title,
    ),
    post(
        "staff/acquisitions/suggestions/<int:suggestion_id>/",
        LIBRARIAN_WRITE,
        args=lambda s: {"suggestion_id": s.suggestion.pk},
        body=lambda s: {"action": "decline", "reason": "x"},
        harmless=lambda s: {"action": "decline", "reason": ""},
    ),
    page("staff/acquisitions/check/", LIBRARIAN),
    post("staff/acquisitions/check/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page("staff/catalog/marc/import/", LIBRARIAN),
    post("staff/catalog/marc/import/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page("staff/catalog/marc/export/", LIBRARIAN),
    page("staff/kiosks/", LIBRARIAN, shows=lambda s: s.kiosk.username),
    # -- statistics (reports): librarians, the admin and school leaders --
    page("staff/reports/", "login 403 403 403 200 200 200 200", shows=lambda s: "借书率"),
    page("staff/reports/report.xlsx", "login 403 403 403 200 200 200 200"),
    page("staff/reports/report.pdf", "login 403 403 403 200 200 200 200", pdf=True),
    page("staff/reports/inspection.xlsx", "login 403 403 403 200 200 200 200"),
    page("staff/reports/term-summary.docx", "login 403 403 403 200 200 200 200"),
    page("staff/reports/settings/", LIBRARIAN),
    post(
        "staff/reports/settings/",
        LIBRARIAN_WRITE,
        body=lambda s: {
            "school_level": "primary",
            "standard": "national-2018",
            "borrowing_rate_basis": "readers",
            "published": "on",
        },
        harmless=lambda s: {
            "school_level": "college",
            "standard": "national-2018",
            "borrowing_rate_basis": "students",
        },
    ),
    # The ledgers (三帐一簿), read by whoever reads the statistics; not a school's object.
    page(
        "staff/reports/ledgers/<slug:name>/",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"name": "general"},
        shows=lambda s: "藏书总帐",
        cross="-",
    ),
    page(
        "staff/reports/ledgers/<slug:name>.xlsx",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"name": "losses"},
        cross="-",
    ),
    page(
        "staff/reports/ledgers/<slug:name>.pdf",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"name": "classified"},
        pdf=True,
        cross="-",
    ),
    # Rule sets (对照标准): loaded and deleted on the settings page; read by report readers.
    page(
        "staff/reports/settings/rule-set/",
        "login 403 403 403 403 →/staff/reports/settings/ →/staff/reports/settings/ "
        "→/staff/reports/settings/",
    ),
    post("staff/reports/settings/rule-set/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    post(
        "staff/reports/settings/rule-set/<slug:code>/delete/",
        LIBRARIAN_WRITE,
        args=lambda s: {"code": "no-such-rule-set"},
        body=nothing,
        harmless=nothing,
        cross="-",
    ),
    page(
        "staff/reports/standards/<slug:code>.json",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"code": "national-2018"},
        shows=lambda s: "books_per_student",
        cross="-",
    ),
    # Recommended reading lists: read by report readers, imported by whoever catalogs.
    page(
        "staff/reports/reading-lists/",
        "login 403 403 403 200 200 200 200",
        shows=lambda s: s.reading_list.name,
    ),
    post("staff/reports/reading-lists/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page(
        "staff/reports/reading-lists/<int:list_id>/",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"list_id": s.reading_list.pk},
        shows=lambda s: s.reading_list.name,
    ),
    page(
        "staff/reports/reading-lists/<int:list_id>.xlsx",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"list_id": s.reading_list.pk},
    ),
    post(
        "staff/reports/reading-lists/<int:list_id>/<str:action>/",
        LIBRARIAN_WRITE,
        args=lambda s: {"list_id": s.reading_list.pk, "action": "delete"},
        safe_args=lambda s: {"list_id": NO_SUCH_ID, "action": "delete"},
        body=nothing,
        harmless=nothing,
    ),
    # Not published in the world: nobody sees it (the published page: tests/reports).
    page("staff/reports/public/<slug:code>/", "all 404", args=lambda s: {"code": s.library.code}),
    # -- collection care (inventory): librarian and admin; school leaders read and approve --
    page(
        "staff/inventory/",
        "login 403 403 403 200 200 200 200",
        shows=lambda s: s.stocktake.name,
    ),
    post(
        "staff/inventory/",
        LIBRARIAN_WRITE,
        body=lambda s: {"name": "不该有的清点"},
        harmless=lambda s: {"name": ""},
    ),
    page(
        "staff/inventory/stocktakes/<int:stocktake_id>/",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"stocktake_id": s.stocktake.pk},
        shows=lambda s: s.stocktake.name,
    ),
    post(
        "staff/inventory/stocktakes/<int:stocktake_id>/",
        LIBRARIAN_WRITE,
        args=lambda s: {"stocktake_id": s.stocktake.pk},
        body=lambda s: {"action": "scan", "code": s.copy1.barcode},
        harmless=lambda s: {"action": "scan", "code": "坏 条码"},
    ),
    post(
        "staff/inventory/stocktakes/<int:stocktake_id>/scans",
        LIBRARIAN_WRITE,
        args=lambda s: {"stocktake_id": s.stocktake.pk},
        body=lambda s: {"barcodes": [s.copy1.barcode]},
        harmless=nothing,
    ),
    page(
        "staff/inventory/stocktakes/<int:stocktake_id>/progress",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"stocktake_id": s.stocktake.pk},
    ),
    page(
        "staff/inventory/stocktakes/<int:stocktake_id>/report.pdf",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"stocktake_id": s.closed_stocktake.pk},
        pdf=True,
    ),
    page(
        "staff/inventory/stocktakes/<int:stocktake_id>/report.xlsx",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"stocktake_id": s.closed_stocktake.pk},
    ),
    page("staff/inventory/repairs/", LIBRARIAN),
    post(
        "staff/inventory/repairs/",
        LIBRARIAN_WRITE,
        body=lambda s: {"action": "send", "code": s.copy1.barcode},
        harmless=lambda s: {"action": "send", "code": NO_SUCH_BARCODE},
    ),
    page("staff/inventory/withdrawals/", "login 403 403 403 200 200 200 200"),
    post(
        "staff/inventory/withdrawals/",
        LIBRARIAN_WRITE,
        case="propose",
        body=lambda s: {"action": "propose", "barcodes": s.copy1.barcode, "reason": "weeding"},
        harmless=lambda s: {"action": "propose", "barcodes": NO_SUCH_BARCODE, "reason": "weeding"},
    ),
    post(
        "staff/inventory/withdrawals/",
        "login 403 403 403 may refused may may",
        case="approve",
        body=lambda s: {"action": "approve", "withdrawal": str(s.withdrawal.pk)},
        harmless=lambda s: {"action": "approve", "withdrawal": str(NO_SUCH_ID)},
    ),
    page("staff/inventory/withdrawals/candidates/", LIBRARIAN),
    post(
        "staff/inventory/withdrawals/candidates/",
        LIBRARIAN_WRITE,
        body=lambda s: {"action": "import_recall", "name": "不该有的下架清单"},
        harmless=lambda s: {"action": "import_recall", "name": ""},
    ),
    page(
        "staff/inventory/withdrawals/<int:withdrawal_id>/register.pdf",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"withdrawal_id": s.withdrawal.pk},
        pdf=True,
    ),
    page(
        "staff/inventory/withdrawals/<int:withdrawal_id>/register.xlsx",
        "login 403 403 403 200 200 200 200",
        args=lambda s: {"withdrawal_id": s.withdrawal.pk},
    ),
    page("staff/catalog/maintenance/merge/", LIBRARIAN),
    post("staff/catalog/maintenance/merge/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page("staff/catalog/maintenance/reclassify/", LIBRARIAN),
    post("staff/catalog/maintenance/reclassify/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    # -- periodicals (serials): librarian and admin; the report also school leaders --
    page("staff/serials/", LIBRARIAN),
    post(
        "staff/serials/",
        LIBRARIAN_WRITE,
        body=lambda s: {"action": "scan", "code": s.subscription.title},
        harmless=lambda s: {"action": "scan", "code": "没有这种刊"},
    ),
    page(
        "staff/serials/subscriptions/",
        LIBRARIAN,
        query=lambda s: {"year": str(s.subscription.year)},
        shows=lambda s: s.subscription.title,
    ),
    post(
        "staff/serials/subscriptions/",
        LIBRARIAN_WRITE,
        body=lambda s: {
            "title": "不该有的刊",
            "frequency": "monthly",
            "year": "2026",
            "copies": "1",
        },
        harmless=lambda s: {"title": "", "frequency": "monthly", "year": "2026", "copies": "1"},
    ),
    page(
        "staff/serials/<int:subscription_id>/",
        LIBRARIAN,
        args=lambda s: {"subscription_id": s.subscription.pk},
        shows=lambda s: s.subscription.title,
    ),
    post(
        "staff/serials/<int:subscription_id>/",
        LIBRARIAN_WRITE,
        args=lambda s: {"subscription_id": s.subscription.pk},
        body=lambda s: {"action": "add", "number": "99"},
        harmless=lambda s: {"action": "add", "number": "0"},
    ),
    page(
        "staff/serials/binding/",
        LIBRARIAN,
        query=lambda s: {"year": str(s.subscription.year), "subscription": str(s.subscription.pk)},
        shows=lambda s: s.subscription.title,
    ),
    post(
        "staff/serials/binding/",
        LIBRARIAN_WRITE,
        query=lambda s: {"year": str(s.subscription.year), "subscription": str(s.subscription.pk)},
        body=lambda s: {"subscription": str(s.subscription.pk), "issue": str(s.serial_issue.pk)},
        harmless=lambda s: {"subscription": str(s.subscription.pk)},
    ),
    page("staff/serials/binding/list.pdf", LIBRARIAN, pdf=True),
    page("staff/serials/order-list/", LIBRARIAN),
    post(
        "staff/serials/order-list/",
        LIBRARIAN_WRITE,
        query=lambda s: {"year": str(s.subscription.year + 1)},
        body=lambda s: {"action": "renew"},
        harmless=lambda s: {"action": "update", "subscription": str(NO_SUCH_ID), "copies": "1"},
    ),
    page("staff/serials/order-list/list.xlsx", LIBRARIAN),
    page(
        "staff/serials/reports/",
        "login 403 403 403 200 200 200 200",  # view_reports
        query=lambda s: {"year": str(s.subscription.year)},
        shows=lambda s: s.subscription.title,
    ),
    # -- the record page (catalog/record_views.py): catalog --
    page(
        "staff/catalog/records/find/",
        "login 403 403 403 403 404 404 404",
        query=lambda s: {"barcode": NO_SUCH_BARCODE},
    ),
    page(
        "staff/catalog/records/<int:bib_id>/",
        LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.copy1.barcode,
    ),
    page(
        "staff/catalog/records/<int:bib_id>/edit/",
        LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.bib.title,
    ),
    post(
        "staff/catalog/records/<int:bib_id>/edit/",
        LIBRARIAN_WRITE,
        args=lambda s: {"bib_id": s.bib.pk},
        body=lambda s: {"title": "被改的题名"},
        harmless=nothing,  # no title: refused, 422
    ),
    page(
        "staff/catalog/records/<int:bib_id>/isbn.json",
        LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk},
        query=lambda s: {"isbn": "9787020002207"},
    ),
    page(
        "staff/catalog/records/<int:bib_id>/marc/",
        LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.bib.title,
    ),
    post(
        "staff/catalog/records/<int:bib_id>/marc/",
        LIBRARIAN_WRITE,
        args=lambda s: {"bib_id": s.bib.pk},
        body=lambda s: {"fields": "1", "tag_0": "500", "code_0": "a", "value_0": "x"},
        harmless=lambda s: {"fields": "1", "tag_0": "5x", "code_0": "a", "value_0": "x"},
    ),
    page(
        "staff/catalog/records/<int:bib_id>/items/<int:item_id>/",
        LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk, "item_id": s.copy1.pk},
        shows=lambda s: s.copy1.barcode,
    ),
    post(
        "staff/catalog/records/<int:bib_id>/items/<int:item_id>/",
        LIBRARIAN_WRITE,
        args=lambda s: {"bib_id": s.bib.pk, "item_id": s.copy1.pk},
        body=lambda s: {"circulation_type": "normal", "note": "被改的备注"},
        harmless=lambda s: {"circulation_type": "no-such-type"},
    ),
    post(
        "staff/catalog/records/<int:bib_id>/items/<int:item_id>/move/",
        LIBRARIAN_WRITE,
        args=lambda s: {"bib_id": s.bib.pk, "item_id": s.copy1.pk},
        body=lambda s: {"target": str(s.free_bib.pk)},
        harmless=lambda s: {"target": ""},
    ),
    # -- staff search (检索, opac/staff_search.py): catalog or circulate_any_class --
    page(
        "staff/search/",
        LIBRARIAN,
        query=lambda s: {"q": s.bib.title},
        shows=lambda s: f"/staff/search/record/{s.bib.pk}/",  # the page repeats the query
        cross="hidden",  # searches the caller's school
    ),
    page(
        "staff/search/record/<int:bib_id>/",
        LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.bib.title,
    ),
    post(
        "staff/search/record/<int:bib_id>/",
        LIBRARIAN_WRITE,
        case="a hold for a reader",
        args=lambda s: {"bib_id": s.free_bib.pk},
        body=lambda s: {"card": s.reader1.card_number},
        harmless=lambda s: {"card": ""},
    ),
    page(
        "staff/search/copy/<int:item_id>/",
        LIBRARIAN,
        args=lambda s: {"item_id": s.copy1.pk},
        shows=name1,  # the borrower
    ),
    # -- readers and classes (patrons) --
    page(
        "staff/patrons/",
        DESK,
        case="search for a class1 reader",
        query=lambda s: {"q": s.reader1.name},
        shows=lambda s: f"/staff/patrons/{s.reader1.pk}/",  # the page repeats the query
        cross="hidden",
    ),
    page(
        "staff/patrons/",
        "login 403 403 hidden 403 200 200 200",
        case="search for a class2 reader",
        query=lambda s: {"q": s.reader2.name},
        shows=lambda s: f"/staff/patrons/{s.reader2.pk}/",
    ),
    page(
        "staff/patrons/<int:patron_id>/",
        "login 200 200 200 403 200 200 200",
        case="class1 reader",
        args=reader1,
        shows=name1,
        cross="404",
    ),
    page(
        "staff/patrons/<int:patron_id>/",
        "login 403 403 403 403 200 200 200",
        case="class2 reader",
        args=reader2,
        shows=name2,
    ),
    page(
        "staff/patrons/<int:patron_id>/history/",
        "login 200 403 403 403 200 200 200",
        case="class1 reader",
        args=reader1,
        shows=name1,
        cross="404",
    ),
    page(
        "staff/patrons/<int:patron_id>/history/",
        LIBRARIAN,
        case="class2 reader",
        args=reader2,
        shows=name2,
    ),
    page(
        "staff/patrons/<int:patron_id>/export.json",
        "login 200 403 403 403 200 200 200",
        case="class1 reader",
        args=reader1,
        shows=name1,
        cross="404",
    ),
    page(
        "staff/patrons/<int:patron_id>/export.json",
        LIBRARIAN,
        case="class2 reader",
        args=reader2,
        shows=name2,
    ),
    post(
        "staff/patrons/<int:patron_id>/action/",
        LIBRARIAN_WRITE,
        args=reader1,
        body=lambda s: {"action": "block", "reason": "x"},
        harmless=lambda s: {"action": "lost", "new_card": s.reader2.card_number},
        cross="refused",
    ),
    page(
        "staff/patrons/classes/",
        "login 403 403 hidden 403 200 200 200",
        shows=lambda s: s.class2.name,
    ),
    page(
        "staff/patrons/classes/<int:class_id>/",
        "login 403 200 200 403 200 200 200",
        case="class1",
        args=class1,
        shows=name1,
        cross="404",
    ),
    page(
        "staff/patrons/classes/<int:class_id>/",
        "login 403 403 403 403 200 200 200",
        case="class2",
        args=class2,
        shows=name2,
    ),
    post(
        "staff/patrons/classes/<int:class_id>/",
        LIBRARIAN_WRITE,
        case="class1",
        args=class1,
        body=lambda s: {"homeroom": "", "assistants": ""},
        harmless=lambda s: {"homeroom": NO_SUCH_CARD, "assistants": ""},
        cross="404",
    ),
    page(
        "staff/patrons/classes/<int:class_id>/cards.pdf",
        LIBRARIAN,
        args=class1,
        cross="404",
        pdf=True,
    ),
    page("staff/patrons/import/", LIBRARIAN),
    post("staff/patrons/import/", LIBRARIAN_WRITE, body=nothing, harmless=nothing),
    page("staff/patrons/import/template.xlsx", LIBRARIAN),
    page("staff/patrons/promote/", LIBRARIAN),
    post(
        "staff/patrons/promote/",
        LIBRARIAN_WRITE,
        body=nothing,
        harmless=lambda s: {"from_year": "1999"},
    ),
    page("staff/patrons/clearance/", LIBRARIAN),
    post(
        "staff/patrons/clearance/",
        LIBRARIAN_WRITE,
        body=nothing,
        harmless=lambda s: {"action": "waive", "patron": "0"},
    ),
    page("staff/patrons/settings/", LIBRARIAN),
    post(
        "staff/patrons/settings/",
        LIBRARIAN_WRITE,
        body=lambda s: {"homeroom_sees_history": "1", "anonymize_after_years": "3"},
        harmless=lambda s: {"anonymize_after_years": "x"},
    ),
    # -- the public catalog and the reader's own page (opac) --
    page("", PUBLIC, shows=lambda s: s.library.name),
    page("my/", "login 200 200 200 404 404 404 404"),
    post(
        "my/",
        "login may may may 404 404 404 404",
        body=lambda s: {"action": "no-such-action"},
        harmless=lambda s: {"action": "no-such-action"},
    ),
    post(
        "my/",
        "login refused refused refused 404 404 404 404",
        case="renew another reader's loan",
        body=lambda s: {"action": "renew", "barcode": s.copy2.barcode},
        cross="refused",
    ),
    post(
        "my/",
        "login refused refused refused 404 404 404 404",
        case="cancel another reader's hold",
        body=lambda s: {"action": "cancel_hold", "hold": str(s.hold2.pk)},
        cross="refused",
    ),
    page("my/suggest/", "login 200 200 200 404 404 404 404"),
    post(
        "my/suggest/",
        "login may may may 404 404 404 404",
        body=lambda s: {"title": "不该有的荐购"},
        harmless=lambda s: {"title": ""},
    ),
    page(
        "search/",
        PUBLIC,
        query=lambda s: {"q": s.bib.title},
        shows=lambda s: f'href="/record/{s.bib.pk}/"',
        cross="hidden",
    ),
    page("suggest.json", PUBLIC, query=lambda s: {"q": s.bib.title}),
    page(
        "record/<int:bib_id>/",
        PUBLIC,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.bib.title,
    ),
    post(
        "record/<int:bib_id>/",
        "login may may may 403 403 403 403",
        case="place a hold",
        args=lambda s: {"bib_id": s.free_bib.pk},
        body=lambda s: {"action": "hold"},
        harmless=lambda s: {"action": "no-such-action"},
    ),
    page("rules/", PUBLIC),
    page("my/history/", "login 200 200 200 404 404 404 404"),
    post(
        "my/history/",
        "login may may may 404 404 404 404",
        body=lambda s: {"keep": "0"},
        harmless=lambda s: {"keep": "1"},
    ),
    page("staff/opac/notices/", LIBRARIAN),
    post(
        "staff/opac/notices/",
        LIBRARIAN_WRITE,
        body=lambda s: {"action": "create", "title": "不该有的公告"},
        harmless=lambda s: {"action": "create", "title": ""},
    ),
    # -- SRU for other systems (sru.server): public, a school's catalog each --
    page("sru", PUBLIC, shows=lambda s: s.library.name),  # explain, the default library
    page("sru/", PUBLIC),
    page(
        "sru/<slug:code>",
        PUBLIC,
        args=lambda s: {"code": s.library.code},
        shows=lambda s: s.library.name,
        cross="200",
    ),
    page(
        "sru/<slug:code>/",
        PUBLIC,
        args=lambda s: {"code": s.library.code},
        shows=lambda s: s.library.name,
        cross="200",
    ),
    post(
        "sru",
        "all may",
        body=lambda s: {"operation": "explain"},
        harmless=lambda s: {"operation": "explain"},
    ),
    # -- the rest: language, the API's own pages --
    post(
        "i18n/setlang/",
        "all →/",
        fresh_client=True,
        body=lambda s: {"language": "en", "next": "/"},
    ),
    page("api/v1/openapi.json", PUBLIC),
    page("api/v1/docs", PUBLIC),
    page("api/v1/", "all 404"),
    page(r"^api/(?P<rest>.*)$", "all 404", args=lambda s: {"rest": "v0/nothing"}),
]

# The Django admin is the deployment's (core/admin_site.py): its URLs are skipped by
# rule (SKIPPED_BY_RULE); these rows stand for them.
ADMIN = "admin-login 403 403 403 403 403 403 200"
ADMIN_PAGES: list[Row] = [
    page("staff/admin/", ADMIN),
    page(
        "staff/admin/patrons/patron/<path:object_id>/change/",
        ADMIN,
        args=lambda s: {"object_id": s.reader1.pk},
        shows=name1,
        # The deployment superuser's admin spans every school.
        cross=ADMIN,
    ),
    post(
        "staff/admin/patrons/patron/<path:object_id>/change/",
        "admin-login 403 403 403 403 403 403 may",
        args=lambda s: {"object_id": s.reader1.pk},
        body=lambda s: {"name": "被改名", "card_number": s.reader1.card_number},
        harmless=nothing,
        cross="-",  # the superuser may change any school's reader there
    ),
]

API: list[Row] = [
    op(
        "POST",
        "/api/v1/auth/token",
        "all 401",  # needs no token; a wrong password is refused whoever asks
        body=lambda s: {"username": "nobody", "password": "wrong-password"},
    ),
    op(
        "GET",
        "/api/v1/bibs/{bib_id}",
        API_ANY_LOGIN,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.bib.title,
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/bibs",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"title": "不该有的书"},
        harmless=lambda s: {"title": "某书", "isbn": "978-7-111-11111-1"},
    ),
    op(
        "PATCH",
        "/api/v1/bibs/{bib_id}",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"bib_id": s.bib.pk},
        body=lambda s: {"title": "被改的题名"},
        harmless=lambda s: {"year": 99},  # refused, 422
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/bibs/{bib_id}/history",
        API_LIBRARIAN,
        args=lambda s: {"bib_id": s.bib.pk},
        shows=lambda s: s.bib.title,
        cross="404",
    ),
    op(
        "PATCH",
        "/api/v1/items/{barcode}",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"barcode": s.copy1.barcode},
        body=lambda s: {"note": "被改的备注"},
        harmless=lambda s: {"circulation_type": "no-such-type"},
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/items/{barcode}",
        API_ANY_LOGIN,
        args=lambda s: {"barcode": s.copy1.barcode},
        shows=lambda s: s.bib.title,
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/items",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"bib": s.bib.pk, "barcode": s.copy1.barcode[:-3] + "999"},
        harmless=lambda s: {"bib": NO_SUCH_ID, "barcode": NO_SUCH_BARCODE},
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}",
        API_DESK,
        case="class1 reader",
        args=card1,
        shows=name1,
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}",
        API_OTHER_CLASS,
        case="class2 reader",
        args=card2,
        shows=name2,
    ),
    op(
        "POST",
        "/api/v1/patrons",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"card": s.reader1.card_number[:-3] + "999", "name": "不该有的读者"},
        harmless=lambda s: {"card": "not a card", "name": "某人"},
    ),
    op(
        "POST",
        "/api/v1/circulation/checkout",
        API_DESK_WRITE,
        case="to a class1 reader",
        body=lambda s: {"patron": s.reader1.card_number, "item": s.free_copy.barcode},
        harmless=lambda s: {"patron": NO_SUCH_CARD, "item": NO_SUCH_BARCODE},
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/circulation/checkout",
        API_LIBRARIAN_WRITE,
        case="to a class2 reader",
        body=lambda s: {"patron": s.reader2.card_number, "item": s.free_copy.barcode},
        harmless=lambda s: {"patron": NO_SUCH_CARD, "item": NO_SUCH_BARCODE},
    ),
    op(
        "POST",
        "/api/v1/circulation/checkin",
        API_DESK_WRITE,
        case="a copy lent to class1",
        body=lambda s: {"item": s.copy1.barcode},
        harmless=lambda s: {"item": NO_SUCH_BARCODE},
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/circulation/checkin",
        API_LIBRARIAN_WRITE,
        case="a copy lent to class2",
        body=lambda s: {"item": s.copy2.barcode},
        harmless=lambda s: {"item": NO_SUCH_BARCODE},
    ),
    op(
        "POST",
        "/api/v1/circulation/renew",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"item": s.copy1.barcode},
        harmless=lambda s: {"item": NO_SUCH_BARCODE},
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/circulation/claim-returned",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"item": s.copy1.barcode, "note": "还到还书箱"},
        harmless=lambda s: {"item": NO_SUCH_BARCODE},
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}/loans",
        API_DESK,
        case="class1 reader",
        args=card1,
        shows=lambda s: s.bib.title,
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}/loans",
        API_LIBRARIAN,
        case="class1 reader's history",
        args=card1,
        query=lambda s: {"history": "true"},
        shows=lambda s: s.bib.title,
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}/loans",
        API_OTHER_CLASS,
        case="class2 reader",
        args=card2,
        shows=lambda s: s.bib.title,
    ),
    op(
        "POST",
        "/api/v1/holds",
        API_DESK_WRITE,
        case="for a class1 reader",
        body=lambda s: {"patron": s.reader1.card_number, "bib": s.free_bib.pk},
        harmless=lambda s: {"patron": NO_SUCH_CARD, "bib": NO_SUCH_ID},
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/holds",
        API_LIBRARIAN_WRITE,
        case="for a class2 reader",
        body=lambda s: {"patron": s.reader2.card_number, "bib": s.free_bib.pk},
        harmless=lambda s: {"patron": NO_SUCH_CARD, "bib": NO_SUCH_ID},
    ),
    op(
        "DELETE",
        "/api/v1/holds/{hold_id}",
        API_DESK_WRITE,
        case="a class1 reader's hold",
        args=lambda s: {"hold_id": s.hold1.pk},
        safe_args=lambda s: {"hold_id": NO_SUCH_ID},
        cross="404",
    ),
    op(
        "DELETE",
        "/api/v1/holds/{hold_id}",
        API_LIBRARIAN_WRITE,
        case="a class2 reader's hold",
        args=lambda s: {"hold_id": s.hold2.pk},
        safe_args=lambda s: {"hold_id": NO_SUCH_ID},
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}/holds",
        API_DESK,
        case="class1 reader",
        args=card1,
        shows=lambda s: s.hold_bib.title,
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}/holds",
        API_OTHER_CLASS,
        case="class2 reader",
        args=card2,
        shows=lambda s: s.hold_bib.title,
    ),
    op(
        "GET",
        "/api/v1/patrons/{card}/fees",
        API_LIBRARIAN,
        args=card1,
        shows=lambda s: s.copy1.barcode[:-1] + "5",
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/fees/pay",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"fees": [s.fee1.pk]},
        harmless=lambda s: {"fees": [NO_SUCH_ID]},
        cross="404",
    ),
    op(
        "POST",
        "/api/v1/fees/{fee_id}/waive",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"fee_id": s.fee1.pk},
        safe_args=lambda s: {"fee_id": NO_SUCH_ID},
        body=lambda s: {"reason": "x"},
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/search",
        "422 200 200 200 200 200 200 200",
        case="in the caller's library",
        query=lambda s: {"q": s.bib.title},
        shows=lambda s: s.bib.title,
        cross="hidden",  # a token searches its own school
    ),
    op(
        "GET",
        "/api/v1/search",
        "all 200",
        case="in a library named by its code",
        query=lambda s: {"q": s.bib.title, "library": s.code},
        shows=lambda s: s.bib.title,
        cross="all 200",  # the catalogs are public, for anyone (search/libraries.py)
    ),
    op(
        "GET",
        "/api/v1/search/suggest",
        "all 200",
        query=lambda s: {"q": s.bib.title[:2], "library": s.code},
        shows=lambda s: s.bib.title,
        cross="all 200",
    ),
    op("GET", "/api/v1/suggestions", "401 200 200 200 403 403 403 403"),
    op(
        "POST",
        "/api/v1/suggestions",
        "401 may may may 403 403 403 403",
        body=lambda s: {"title": "不该有的荐购"},
        harmless=lambda s: {"title": "某书", "isbn": "978-7-111-11111-1"},
    ),
    op(
        "GET", "/api/v1/acquisitions/suggestions", API_LIBRARIAN, shows=lambda s: s.suggestion.title
    ),
    op(
        "GET",
        "/api/v1/acquisitions/suggestions/{suggestion_id}",
        API_LIBRARIAN,
        args=lambda s: {"suggestion_id": s.suggestion.pk},
        shows=lambda s: s.suggestion.title,
    ),
    op(
        "POST",
        "/api/v1/acquisitions/suggestions/{suggestion_id}/accept",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"suggestion_id": s.suggestion.pk},
        safe_args=lambda s: {"suggestion_id": NO_SUCH_ID},
        body=lambda s: {"new_batch": "不该有的批次"},
    ),
    op(
        "POST",
        "/api/v1/acquisitions/suggestions/{suggestion_id}/decline",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"suggestion_id": s.suggestion.pk},
        safe_args=lambda s: {"suggestion_id": NO_SUCH_ID},
        body=lambda s: {"reason": "x"},
    ),
    op(
        "GET",
        "/api/v1/classes",
        "401 403 403 hidden 403 200 200 200",
        shows=lambda s: s.class2.name,
    ),
    op(
        "GET",
        "/api/v1/classes/{name}/patrons",
        API_DESK,
        case="class1",
        args=lambda s: {"name": s.class1.name},
        shows=name1,
        cross="404",
    ),
    op(
        "GET",
        "/api/v1/classes/{name}/patrons",
        API_LIBRARIAN,
        case="class2",
        args=lambda s: {"name": s.class2.name},
        shows=name2,
    ),
    # -- periodicals (serials): catalog --
    op(
        "GET",
        "/api/v1/serials",
        API_LIBRARIAN,
        query=lambda s: {"year": str(s.subscription.year)},
        shows=lambda s: s.subscription.title,
    ),
    op(
        "POST",
        "/api/v1/serials",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"title": "不该有的刊", "frequency": "monthly", "year": 2026},
        harmless=lambda s: {"title": "不该有的刊", "frequency": "fortnightly", "year": 2026},
    ),
    op(
        "GET",
        "/api/v1/serials/{subscription_id}",
        API_LIBRARIAN,
        args=lambda s: {"subscription_id": s.subscription.pk},
        shows=lambda s: s.subscription.title,
    ),
    op(
        "GET",
        "/api/v1/serials/{subscription_id}/issues",
        API_LIBRARIAN,
        args=lambda s: {"subscription_id": s.subscription.pk},
        shows=lambda s: s.serial_issue.item_barcode,
    ),
    op(
        "POST",
        "/api/v1/serials/{subscription_id}/receive",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"subscription_id": s.subscription.pk},
        safe_args=lambda s: {"subscription_id": NO_SUCH_ID},
        body=lambda s: {"issue": s.expected_issue.pk},
    ),
    op(
        "POST",
        "/api/v1/serials/{subscription_id}/claims",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"subscription_id": s.subscription.pk},
        safe_args=lambda s: {"subscription_id": NO_SUCH_ID},
        body=nothing,
    ),
    op(
        "POST",
        "/api/v1/serials/{subscription_id}/bind",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"subscription_id": s.subscription.pk},
        safe_args=lambda s: {"subscription_id": NO_SUCH_ID},
        body=lambda s: {"year": s.subscription.year, "issues": [s.serial_issue.pk]},
    ),
    # -- collection care (inventory) --
    op(
        "POST",
        "/api/v1/stocktakes",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"name": "不该有的清点"},
        harmless=lambda s: {"name": ""},
    ),
    op(
        "GET",
        "/api/v1/stocktakes/{stocktake_id}",
        API_LIBRARIAN,
        args=lambda s: {"stocktake_id": s.stocktake.pk},
    ),
    op(
        "POST",
        "/api/v1/stocktakes/{stocktake_id}/scans",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"stocktake_id": s.stocktake.pk},
        safe_args=lambda s: {"stocktake_id": NO_SUCH_ID},
        body=lambda s: {"barcodes": [s.copy1.barcode]},
    ),
    op(
        "POST",
        "/api/v1/stocktakes/{stocktake_id}/close",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"stocktake_id": s.stocktake.pk},
        safe_args=lambda s: {"stocktake_id": NO_SUCH_ID},
        body=nothing,
    ),
    op(
        "POST",
        "/api/v1/items/{barcode}/repair",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"barcode": s.copy1.barcode},
        safe_args=lambda s: {"barcode": NO_SUCH_BARCODE},
        body=nothing,
    ),
    op(
        "POST",
        "/api/v1/items/{barcode}/repaired",
        API_LIBRARIAN_WRITE,
        args=lambda s: {"barcode": s.copy1.barcode},
        safe_args=lambda s: {"barcode": NO_SUCH_BARCODE},
        body=nothing,
    ),
    op(
        "POST",
        "/api/v1/withdrawals",
        API_LIBRARIAN_WRITE,
        body=lambda s: {"barcodes": [s.copy1.barcode], "reason": "weeding"},
        harmless=lambda s: {"barcodes": [s.copy1.barcode], "reason": "old"},
    ),
    op(
        "POST",
        "/api/v1/withdrawals/{withdrawal_id}/approve",
        "401 403 403 403 may 403 may may",
        args=lambda s: {"withdrawal_id": s.withdrawal.pk},
        safe_args=lambda s: {"withdrawal_id": NO_SUCH_ID},
        body=nothing,
    ),
    # -- statistics (reports) --
    op(
        "GET",
        "/api/v1/reports/summary",
        "401 403 403 403 200 200 200 200",
        query=lambda s: {"start": "2026-03-01", "end": "2026-03-31"},
    ),
]

ALL_ROWS = PAGES + ADMIN_PAGES + API

# -- what the URL conf and the OpenAPI document hold ----------------------------------------


def _skipped_by_rule(route: str, pattern: URLPattern, namespaces: tuple[str, ...]) -> bool:
    """The only URLs that need no row of their own:
    - the Django admin's (namespace "admin", at /staff/admin/): the deployment superuser's
      site, one pattern per model and action; ADMIN_PAGES stand for them;
    - static and media files served by Django itself (django.views.static.serve), which
      only DEBUG adds."""
    if "admin" in namespaces:
        return True
    callback = pattern.callback
    return f"{callback.__module__}.{getattr(callback, '__name__', '')}" == (
        "django.views.static.serve"
    )


def url_routes() -> dict[str, bool]:
    """Every route of the URL conf → whether a rule skips it."""
    found: dict[str, bool] = {}

    def walk(resolver: URLResolver, prefix: str, namespaces: tuple[str, ...]) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry, route, namespaces + ((entry.namespace,) if entry.namespace else ()))
            else:
                found[route] = _skipped_by_rule(route, entry, namespaces)

    walk(get_resolver(), "", ())
    return found


def openapi_operations() -> set[tuple[str, str]]:
    from shuxiang.api.api import api

    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def _api_route(path: str) -> str:
    """/api/v1/patrons/{card} → api/v1/patrons/<card>, as django-ninja writes the route."""
    return re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))


def test_every_url_and_operation_has_a_row():
    routes = url_routes()
    operations = openapi_operations()
    api_routes = {_api_route(path) for _method, path in operations}
    page_rows = {row.route for row in PAGES}
    admin_rows = {row.route for row in ADMIN_PAGES}
    api_rows = {(row.method, row.route) for row in API}

    problems = []
    for route, skipped in sorted(routes.items()):
        if not skipped and route not in api_routes and route not in page_rows:
            problems.append(f"URL without a row (who may use it?): {route}")
    for route in sorted(page_rows - set(routes)):
        problems.append(f"row for a URL that is gone: {route}")
    for route in sorted(page_rows & api_routes):
        problems.append(f"an API operation's URL belongs in API, not PAGES: {route}")
    for route in sorted(admin_rows - {r for r, skipped in routes.items() if skipped}):
        problems.append(f"Django admin row for a URL that is gone: {route}")
    for method, path in sorted(operations - api_rows):
        problems.append(f"API operation without a row (who may use it?): {method} {path}")
    for method, path in sorted(api_rows - operations):
        problems.append(f"row for an API operation that is gone: {method} {path}")
    assert not problems, "\n".join(problems)


def test_every_row_is_well_formed():
    problems = []
    for row in ALL_ROWS:
        try:
            tokens = row.tokens()
        except AssertionError:
            problems.append(f"{row.label}: needs {len(ROLES)} tokens")
            continue
        for role, token in tokens.items():
            if token not in TOKENS and not token.startswith("→"):
                problems.append(f"{row.label}: unknown token {token!r} for {role}")
        writes = row.method != "GET"
        if writes and row.body is None and row.args is None:
            problems.append(f"{row.label}: a write needs a body")
        if writes and MAY_TOKENS & set(tokens.values()):
            if row.harmless is None and row.safe_args is None and not row.fresh_client:
                problems.append(f"{row.label}: roles that may write need a harmless request")
    labels = [r.label for r in ALL_ROWS]
    problems += [
        f"two rows named {label}" for label in sorted({x for x in labels if labels.count(x) > 1})
    ]
    assert not problems, "\n".join(problems)


# -- asking -----------------------------------------------------------------------------------

# Tokens of a refusal: the request is sent with the body that would change something.
DENIALS = {"login", "admin-login", "401", "403", "404", "405", "422", "refused"}
MAY_TOKENS = {"may", "200", "204", "hidden"}
TOKENS = DENIALS | MAY_TOKENS


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Both schools, built once for the module inside a transaction rolled back at its
    end; each test runs in a savepoint of its own within it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


class Asker:
    """A client per role (logged in, or with an API token), and the matrix's verdicts."""

    def __init__(self, world: World) -> None:
        from shuxiang.core.services import token_create

        self.world = world
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, str] = {}
        for role in ROLES:
            self.clients[role] = self._client(role)
            user = world.user(role)
            if user is not None:
                self.tokens[role] = token_create(username=user.username, name="matrix")

    def _client(self, role: str) -> Client:
        # A server error is a mismatch to list with the others, not the test's end.
        client = Client(raise_request_exception=False)
        user = self.world.user(role)
        if user is not None:
            client.force_login(user)
        return client

    def ask(self, row: Row, role: str, *, cross: bool = False, harmless: bool = False) -> Any:
        own, other = self.world.own, self.world.other
        about = other if cross else own
        path_school = own if cross and row.cross_keeps_path else about
        args_of = row.safe_args if harmless and row.safe_args else row.args
        args = args_of(path_school) if args_of else {}
        path = build_path(row, args)
        query = row.query(about) if row.query else {}
        body_of = row.harmless if harmless and row.harmless else row.body
        body = body_of(about) if body_of else {}
        client = self._client(role) if row.fresh_client else self.clients[role]
        headers = {}
        if row.api and role in self.tokens:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[role]}"
        if row.method == "GET":
            response = client.get(path, query, **headers)
        elif row.method == "DELETE":
            response = client.delete(path, **headers)
        elif row.api:
            response = client.generic(
                row.method, path, json.dumps(body), content_type="application/json", **headers
            )
        else:
            response = client.post(path, body)
        return path, response


def build_path(row: Row, args: dict[str, Any]) -> str:
    def value(name: str) -> str:
        return quote(str(args[name]), safe="")

    if row.api:
        return re.sub(r"\{(\w+)\}", lambda m: value(m[1]), row.route)
    if row.route.startswith("^"):
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m[1]), row.route)
        return "/" + route.strip("^$")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m[1]), row.route)


def got_of(response: Any) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/staff/login/?next="):
            return "login"
        if location.startswith("/staff/admin/login/?next="):
            return "admin-login"
        return "→" + location
    return str(status)


def text_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""  # files (PDF, xlsx, CSV): their status is what counts here
    content = response.content
    if response.get("Content-Type", "").startswith("application/json") and content:
        try:
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            pass
    return content.decode("utf-8", "replace")


def fits(token: str, got: str, text: str, shows: str | None) -> bool:
    if got.startswith("5"):
        return False
    if token == "may":
        return got not in ("401", "403", "login", "admin-login")
    shown = shows is not None and shows in text
    if token == "refused":
        return (got == "200" or got.startswith("→")) and not shown
    if token == "hidden":
        return got == "200" and not shown
    if token == "200":
        return got == "200" and (shows is None or shown)
    return got == token and not shown


# -- the database, before and after ------------------------------------------------------------

# Written by any request of a logged-in user or token; not what a request decides.
VOLATILE = {("auth", "user", "last_login"), ("core", "apitoken", "last_used_at")}
UNTRACKED_APPS = {"sessions", "axes", "admin", "contenttypes"}


@functools.cache
def _tables() -> list[tuple[str, str, bool]]:
    """(label, SELECT of its rows, is the audit log) for every table a request could
    change; raw SQL, since a snapshot is taken after every row of the matrix."""
    from django.db import connection

    from shuxiang.core.models import AuditEvent

    quote = connection.ops.quote_name
    tables = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in UNTRACKED_APPS:
            continue
        columns = ", ".join(
            quote(f.column)
            for f in meta.concrete_fields
            if (meta.app_label, meta.model_name, f.attname) not in VOLATILE
        )
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"
        tables.append((meta.label, sql, model is AuditEvent))
    return tables


def snapshot(*, audit: bool = True) -> dict[str, list[tuple]]:
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for label, sql, is_audit in _tables():
            if audit or not is_audit:
                cursor.execute(sql)
                rows[label] = [tuple(r) for r in cursor.fetchall()]
    return rows


def changes(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> str:
    parts = []
    for label in before:
        if before[label] != after[label]:
            gone = [r for r in before[label] if r not in after[label]][:2]
            new = [r for r in after[label] if r not in before[label]][:2]
            parts.append(f"{label} (was {gone}, now {new})")
    return "; ".join(parts)


def _font_missing() -> bool:
    from shuxiang.core.pdf import find_cjk_font

    return find_cjk_font() is None


def _expected(row: Row, token: str) -> str:
    # Without a CJK font a PDF answers 503 with how to install one (core.pdf), after the
    # same permission checks.
    return "503" if row.pdf and token == "200" and _font_missing() else token


def _resolves(row: Row, path: str) -> str | None:
    if row.api:
        return None
    route = resolve(path.split("?")[0]).route
    return None if route == row.route else f"{row.label}: {path} resolves to {route!r}"


class Undone:
    """`with Undone() as undone:` makes the requests in a savepoint rolled back at the
    end, so that no row sees what another changed; `undone.changed` says what they
    changed in the database ("" for nothing)."""

    def __init__(self, *, audit: bool = True) -> None:
        self.audit = audit
        self.changed = ""

    def __enter__(self) -> Undone:
        self.before = snapshot(audit=self.audit)
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if exc[0] is None:
                after = snapshot(audit=self.audit)
                self.changed = changes(self.before, after) if after != self.before else ""
            transaction.set_rollback(True)
        finally:
            self.atomic.__exit__(*exc)


def test_each_role_gets_what_the_table_says(world, db):
    """Every row × every role. The roles a row refuses are sent a body that would change
    something, and the database must be the same afterwards; the roles it allows get a
    harmless one, which must change nothing either (but the audit log of what was read)."""
    asker = Asker(world)
    mismatches: list[str] = []

    def check(row: Row, role: str, token: str, *, harmless: bool) -> None:
        path, response = asker.ask(row, role, harmless=harmless)
        if role == "anonymous" and (problem := _resolves(row, path)):
            mismatches.append(problem)
        got = got_of(response)
        shows = row.shows(world.own) if row.shows else None
        expected = _expected(row, token)
        if not fits(expected, got, text_of(response), shows):
            seen = "" if expected in ("may", "refused") or shows is None else f" ({shows!r} shown)"
            mismatches.append(f"{row.label}  {role}: expected {expected}, got {got}{seen}")

    for row in ALL_ROWS:
        tokens = row.tokens()
        refused = [r for r, t in tokens.items() if t in DENIALS and not row.fresh_client]
        with Undone() as undone:
            for role in refused:
                check(row, role, tokens[role], harmless=False)
        if undone.changed:
            mismatches.append(f"{row.label}: a refused request changed {undone.changed}")
        with Undone(audit=False) as undone:
            for role in tokens:
                if role not in refused:
                    check(row, role, tokens[role], harmless=True)
        if undone.changed:
            mismatches.append(f"{row.label}: a harmless request changed {undone.changed}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_another_schools_objects_are_out_of_reach(world, db):
    """Each row with an object, asked with the other school's twin: refused or not found,
    never an answer with its data, and nothing of the other school changed."""
    asker = Asker(world)
    mismatches: list[str] = []

    def check(row: Row, role: str, allowed: set[str]) -> None:
        shows = row.shows(world.other) if row.shows else None
        _path, response = asker.ask(row, role, cross=True)
        got, text = got_of(response), text_of(response)
        if not any(fits(_expected(row, token), got, text, shows) for token in allowed):
            seen = f" ({shows!r} shown)" if shows and shows in text else ""
            wanted = "/".join(sorted(allowed))
            mismatches.append(
                f"{row.label} other school  {role}: expected {wanted}, got {got}{seen}"
            )

    for row in ALL_ROWS:
        if row.cross_token is None:
            continue
        with Undone() as undone:
            for role, allowed in row.cross_tokens().items():
                check(row, role, allowed)
        if undone.changed:
            mismatches.append(f"{row.label} other school: changed {undone.changed}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_a_kiosk_login_opens_no_staff_page_and_no_api_operation(world, db):
    """A kiosk's login works over SIP2 alone: it cannot log in on the site (tested in
    tests/sip2) nor be given an API token. Were a session made for it anyway, every row
    that a visitor without a login may not use refuses it, and changes nothing."""
    from shuxiang.core.errors import Invalid
    from shuxiang.core.services import token_create

    asker = Asker(world)
    kiosk = world.own.kiosk
    with pytest.raises(Invalid) as refused:
        token_create(username=kiosk.username, name="matrix")
    assert refused.value.code == "kiosk_without_token"
    client = Client(raise_request_exception=False)
    client.force_login(kiosk)
    asker.clients["kiosk"] = client
    mismatches: list[str] = []
    for row in ALL_ROWS:
        if row.tokens()["anonymous"] not in DENIALS or row.fresh_client:
            continue  # the public site: a kiosk may read it as anybody may
        with Undone() as undone:
            _path, response = asker.ask(row, "kiosk")
        got = got_of(response)
        if row.label == "GET /staff/" and got == "→/my/":
            continue  # the staff home sends a login without staff work to its own page
        if row.api:  # no token can be made for it: it asks as a visitor does
            if got != row.tokens()["anonymous"]:
                mismatches.append(f"{row.label}  kiosk: expected as anonymous, got {got}")
        elif got not in {"401", "403", "404", "login"}:
            mismatches.append(f"{row.label}  kiosk: expected a refusal, got {got}")
        if undone.changed:
            mismatches.append(f"{row.label}  kiosk: changed {undone.changed}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
