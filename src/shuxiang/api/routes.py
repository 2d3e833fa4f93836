"""Endpoints of the foundation: tokens, bibs, items, patrons."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from shuxiang.api.api import api
from shuxiang.api.auth import require
from shuxiang.api.schemas import (
    BibEditOut,
    BibHistoryOut,
    BibIn,
    BibOut,
    BibPatch,
    ErrorOut,
    ItemIn,
    ItemOut,
    ItemPatch,
    PatronIn,
    PatronOut,
    TokenIn,
    TokenOut,
)
from shuxiang.catalog import history as catalog_history
from shuxiang.catalog import services as catalog_services
from shuxiang.catalog.models import Bib, CallNumber
from shuxiang.catalog.selectors import item_by_barcode
from shuxiang.core.errors import Invalid, NotFound
from shuxiang.core.libraries import library_of_user
from shuxiang.core.permissions import can_view_patron
from shuxiang.core.services import token_create
from shuxiang.patrons import services as patron_services
from shuxiang.patrons.selectors import patron_by_card

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@api.post(
    "/auth/token", auth=None, response={200: TokenOut, **ERRORS, 429: ErrorOut}, tags=["auth"]
)
def auth_token(request: HttpRequest, payload: TokenIn) -> dict:
    """Exchange a username and password for an API token. After 10 failed attempts for
    an account, or from an address, it answers 429 `login_locked` (with the time to try
    again) for 15 minutes, even to the right password."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or library_of_user(user) is None:
        return Status(401, {"code": "invalid_credentials", "message": _("用户名或密码不正确。")})
    return {"token": token_create(username=user.get_username(), name="api")}


def _bib_out(bib: Bib) -> dict:
    call = CallNumber.objects.filter(bib=bib, volume="").values_list("value", flat=True).first()
    return {
        "id": bib.pk,
        "title": bib.title,
        "responsibility": bib.responsibility,
        "authors": [a["name"] for a in bib.authors],
        "publisher": bib.publisher,
        "place": bib.place,
        "year": bib.year,
        "isbn": bib.isbn,
        "invalid_isbns": bib.invalid_isbns,
        "clc": bib.clc,
        "price": bib.price,
        "subjects": bib.subjects,
        "series": bib.series,
        "summary": bib.summary,
        "material_type": bib.material_type,
        "call_number": call or "",
        "items": bib.items.exclude(status="withdrawn").count(),
    }


@api.get("/bibs/{bib_id}", response={200: BibOut, **ERRORS}, tags=["catalog"])
def bib_get(request: HttpRequest, bib_id: int) -> dict:
    bib = Bib.objects.filter(library=request.library, pk=bib_id).first()
    if bib is None:
        raise NotFound(_("没有编号为 %(id)s 的书目。") % {"id": bib_id}, code="bib_not_found")
    return _bib_out(bib)


@api.post("/bibs", response={201: BibOut, **ERRORS}, tags=["catalog"])
def bib_post(request: HttpRequest, payload: BibIn) -> Status:
    actor = require(request, "catalog")
    bib = catalog_services.bib_create(actor=actor, **payload.dict())
    return Status(201, _bib_out(bib))


@api.patch("/bibs/{bib_id}", response={200: BibEditOut, **ERRORS}, tags=["catalog"])
def bib_patch(request: HttpRequest, bib_id: int, payload: BibPatch) -> dict:
    """Correct a title: the fields given are checked as in cataloging (422 with
    title_required, invalid_isbn, invalid_year, invalid_price, invalid_clc, too_long,
    invalid_material_type) and written into its MARC record, whose other fields stay;
    a new class moves the call number (`call_numbers_moved`). Audited like the form."""
    actor = require(request, "catalog")
    changes = payload.dict(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        raise Invalid(_("题名不能为空。"), code="title_required")
    result = catalog_services.bib_update(actor=actor, bib_id=bib_id, changes=changes)
    return {
        **_bib_out(result.bib),
        "changed": result.changed,
        "call_numbers_moved": [list(pair) for pair in result.call_numbers],
    }


@api.get("/bibs/{bib_id}/history", response={200: BibHistoryOut, **ERRORS}, tags=["catalog"])
def bib_history(request: HttpRequest, bib_id: int) -> dict:
    """Who changed the title and its copies, when and what (newest first, at most 200)."""
    actor = require(request, "catalog")
    bib = Bib.objects.filter(library=actor.library, pk=bib_id).first()
    if bib is None:
        raise NotFound(_("没有编号为 %(id)s 的书目。") % {"id": bib_id}, code="bib_not_found")
    return {"bib": bib.pk, "events": catalog_history.bib_history(bib)}


def _item_out(item) -> dict:  # noqa: ANN001
    return {
        "id": item.pk,
        "barcode": item.barcode,
        "bib": item.bib_id,
        "title": item.bib.title,
        "call_number": item.call_number.value if item.call_number_id else "",
        "accession_number": item.accession_number,
        "location": item.location.name if item.location_id else None,
        "circulation_type": item.circulation_type,
        "status": item.status,
        "price": item.price,
        "due": item.loans.filter(status="on_loan").values_list("due_date", flat=True).first()
        if item.status == "on_loan"
        else None,
    }


@api.get("/items/{barcode}", response={200: ItemOut, **ERRORS}, tags=["catalog"])
def item_get(request: HttpRequest, barcode: str) -> dict:
    return _item_out(item_by_barcode(request.library.pk, barcode))


@api.patch("/items/{barcode}", response={200: ItemOut, **ERRORS}, tags=["catalog"])
def item_patch(request: HttpRequest, barcode: str, payload: ItemPatch) -> dict:
    """Correct a copy's location, circulation type, price (fen) and note. Its status is
    not changed here (circulation and collection care own it)."""
    actor = require(request, "catalog")
    item = item_by_barcode(actor.library.pk, barcode)
    changes = payload.dict(exclude_unset=True)
    if "location" in changes:
        changes["location_code"] = changes.pop("location")
    if changes.get("circulation_type", "") is None:
        raise Invalid(_("流通类型不能为空。"), code="invalid_circulation_type")
    catalog_services.item_update(actor=actor, item_id=item.pk, **changes)
    return _item_out(item_by_barcode(actor.library.pk, barcode))


@api.post("/items", response={201: ItemOut, **ERRORS}, tags=["catalog"])
def item_post(request: HttpRequest, payload: ItemIn) -> Status:
    actor = require(request, "catalog")
    item = catalog_services.item_create(
        actor=actor,
        bib_id=payload.bib,
        barcode=payload.barcode,
        location_code=payload.location,
        call_number=payload.call_number,
        accession_number=payload.accession_number,
        circulation_type=payload.circulation_type,
        price=payload.price,
    )
    return Status(201, _item_out(item_by_barcode(actor.library.pk, item.barcode)))


def _patron_out(patron) -> dict:  # noqa: ANN001
    return {
        "id": patron.pk,
        "card": patron.card_number,
        "name": patron.name,
        "category": patron.category,
        "class_name": patron.school_class.name if patron.school_class_id else None,
        "grade": patron.school_class.grade if patron.school_class_id else None,
        "student_number": patron.student_number,
        "status": patron.status,
        "valid_until": patron.valid_until,
        "open_loans": patron.loans.filter(status="on_loan").count(),
    }


@api.get("/patrons/{card}", response={200: PatronOut, **ERRORS}, tags=["patrons"])
def patron_get(request: HttpRequest, card: str) -> dict:
    """A reader by card number. A student assistant sees the readers of their own class
    only; anyone else's card answers as if it did not exist."""
    require(request, "circulate")
    patron = patron_by_card(request.library.pk, card)
    if not can_view_patron(request.user, patron):
        raise NotFound(
            _("没有借书证号为 %(card)s 的读者。") % {"card": card}, code="patron_not_found"
        )
    return _patron_out(patron)


@api.post("/patrons", response={201: PatronOut, **ERRORS}, tags=["patrons"])
def patron_post(request: HttpRequest, payload: PatronIn) -> Status:
    actor = require(request, "manage_patrons")
    patron = patron_services.patron_create(
        actor=actor,
        card=payload.card,
        name=payload.name,
        category=payload.category,
        class_name=payload.class_,
        student_number=payload.student_number,
    )
    return Status(201, _patron_out(patron_by_card(actor.library.pk, patron.card_number)))
