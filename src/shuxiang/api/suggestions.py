"""Purchase suggestions (荐购): a reader's own (GET/POST /suggestions, with the token of a
login linked to a reader) and the librarian's list and answers
(/acquisitions/suggestions...). Thin adapters over `shuxiang.acquisitions.services`.

A suggestion for a title the library holds answers 409 `already_held` with `copies`,
`available` and `titles`; send it again with `"insist": true` to suggest it all the
same."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import Field

from shuxiang.acquisitions import selectors, services
from shuxiang.acquisitions.models import PurchaseSuggestion
from shuxiang.api.api import api
from shuxiang.api.auth import require
from shuxiang.api.schemas import ErrorOut
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Forbidden, NotFound
from shuxiang.core.models import AuditEvent
from shuxiang.core.permissions import patron_of

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STATUS_DESCRIPTION = "new 待处理, accepted 已采纳, ordered 已订购, received 已到书, declined 未采纳"


class SuggestionIn(Schema):
    title: str = Field(min_length=1, max_length=500, description="书名")
    author: str = Field(default="", max_length=300, description="著者")
    publisher: str = Field(default="", max_length=200, description="出版社")
    isbn: str = Field(default="", max_length=40, description="ISBN（10 或 13 位，可不填）")
    note: str = Field(default="", max_length=500, description="推荐理由")
    insist: bool = Field(default=False, description="本馆已有此书时仍然荐购")


class MySuggestionOut(Schema):
    id: int
    title: str
    author: str
    publisher: str
    isbn: str
    status: str = Field(description=STATUS_DESCRIPTION)
    decline_reason: str = Field(description="不采纳的原因")
    askers: int = Field(description="荐购这本书的读者人数")
    note: str = Field(description="我的推荐理由")
    asked_at: dt.datetime
    joined: bool = Field(default=False, description="加入了其他读者已提出的荐购")


class SuggestionOut(Schema):
    id: int
    title: str
    author: str
    publisher: str
    isbn: str
    status: str = Field(description=STATUS_DESCRIPTION)
    decline_reason: str
    askers: int
    held: int = Field(description="本馆现有册数")
    batch: int | None = Field(description="采购批次 id")
    batch_name: str | None = None
    created_at: dt.datetime
    decided_at: dt.datetime | None = None


class AskerOut(Schema):
    card: str
    name: str
    class_name: str | None
    category: str
    note: str
    insisted: bool
    asked_at: dt.datetime


class SuggestionDetailOut(SuggestionOut):
    asker_list: list[AskerOut]


class AcceptIn(Schema):
    batch: int | None = Field(default=None, description="列入的采购批次 id")
    new_batch: str = Field(default="", max_length=200, description="或：新建批次的名称")
    quantity: int = Field(default=1, ge=1, le=999, description="订数")


class DeclineIn(Schema):
    reason: str = Field(min_length=1, max_length=200, description="不采纳的原因（读者可见）")


def _reader(request: HttpRequest):  # noqa: ANN202
    patron = patron_of(request.user)
    if patron is None or patron.library_id != request.library.pk:
        raise Forbidden(_("您的登录账号没有关联读者。"), code="no_patron")
    return patron


@api.get("/suggestions", response={200: list[MySuggestionOut], **ERRORS}, tags=["suggestions"])
def my_suggestions(request: HttpRequest) -> list[dict]:
    """The caller's own suggestions (as a reader), newest first, with the librarian's
    answer."""
    patron = _reader(request)
    return [
        {
            "id": ask.suggestion.pk,
            "title": ask.suggestion.title,
            "author": ask.suggestion.author,
            "publisher": ask.suggestion.publisher,
            "isbn": ask.suggestion.isbn,
            "status": ask.suggestion.status,
            "decline_reason": ask.suggestion.decline_reason,
            "askers": ask.askers,
            "note": ask.note,
            "asked_at": ask.asked_at,
        }
        for ask in selectors.patron_suggestions(patron)
    ]


@api.post("/suggestions", response={201: MySuggestionOut, **ERRORS}, tags=["suggestions"])
def suggestion_post(request: HttpRequest, payload: SuggestionIn) -> Status:
    """Suggest a title for the library to buy (荐购), as the caller's reader. Students and
    teachers may; a few may wait for an answer at once (409 `too_many_suggestions`)."""
    patron = _reader(request)
    outcome = services.suggestion_create(
        actor=Actor.of_request(request, AuditEvent.Channel.API),
        patron_id=patron.pk,
        **payload.dict(),
    )
    suggestion = outcome.suggestion
    return Status(
        201,
        {
            "id": suggestion.pk,
            "title": suggestion.title,
            "author": suggestion.author,
            "publisher": suggestion.publisher,
            "isbn": suggestion.isbn,
            "status": suggestion.status,
            "decline_reason": suggestion.decline_reason,
            "askers": suggestion.askers.count(),
            "note": outcome.asker.note,
            "asked_at": outcome.asker.asked_at,
            "joined": outcome.joined,
        },
    )


def _out(suggestion: PurchaseSuggestion, askers: int, held: int) -> dict:
    return {
        "id": suggestion.pk,
        "title": suggestion.title,
        "author": suggestion.author,
        "publisher": suggestion.publisher,
        "isbn": suggestion.isbn,
        "status": suggestion.status,
        "decline_reason": suggestion.decline_reason,
        "askers": askers,
        "held": held,
        "batch": suggestion.batch_id,
        "batch_name": suggestion.batch.name if suggestion.batch_id else None,
        "created_at": suggestion.created_at,
        "decided_at": suggestion.decided_at,
    }


def _detail(library: object, suggestion_id: int) -> dict:
    suggestion = (
        PurchaseSuggestion.objects.filter(library=library, pk=suggestion_id)
        .select_related("batch")
        .first()
    )
    if suggestion is None:
        raise NotFound(
            _("没有编号为 %(id)s 的荐购。") % {"id": suggestion_id}, code="suggestion_not_found"
        )
    askers = selectors.suggestion_askers(suggestion)
    held = selectors.suggestion_holdings(library, isbn=suggestion.isbn, title=suggestion.title)
    return {
        **_out(suggestion, len(askers), held.copies),
        "asker_list": [
            {
                "card": a.patron.card_number,
                "name": a.patron.name,
                "class_name": a.patron.school_class.name if a.patron.school_class_id else None,
                "category": a.patron.category,
                "note": a.note,
                "insisted": a.insisted,
                "asked_at": a.asked_at,
            }
            for a in askers
        ],
    }


@api.get(
    "/acquisitions/suggestions",
    response={200: list[SuggestionOut], **ERRORS},
    tags=["suggestions"],
)
def suggestions_list(
    request: HttpRequest, status: str | None = None, sort: str = "askers"
) -> list[dict]:
    """The library's suggestions (`?status=new` ...), most asked first (`?sort=newest`:
    newest first), with the copies held now. For the librarian (capability catalog)."""
    actor = require(request, "catalog")
    return [
        _out(row.suggestion, row.askers, row.held)
        for row in selectors.suggestion_list(
            actor.library,
            status=status or None,
            sort=sort if sort in selectors.SUGGESTION_SORTS else "askers",
        )
    ]


@api.get(
    "/acquisitions/suggestions/{suggestion_id}",
    response={200: SuggestionDetailOut, **ERRORS},
    tags=["suggestions"],
)
def suggestion_get(request: HttpRequest, suggestion_id: int) -> dict:
    """One suggestion with its askers and their reasons."""
    actor = require(request, "catalog")
    return _detail(actor.library, suggestion_id)


@api.post(
    "/acquisitions/suggestions/{suggestion_id}/accept",
    response={200: SuggestionDetailOut, **ERRORS},
    tags=["suggestions"],
)
def suggestion_accept(request: HttpRequest, suggestion_id: int, payload: AcceptIn) -> dict:
    """Accept a suggestion into a purchase batch (`batch`) or a new one (`new_batch`):
    the title becomes an order line of the batch."""
    actor = require(request, "catalog")
    services.suggestion_accept(
        actor=actor,
        suggestion_id=suggestion_id,
        batch_id=payload.batch,
        batch_name=payload.new_batch,
        quantity=payload.quantity,
    )
    return _detail(actor.library, suggestion_id)


@api.post(
    "/acquisitions/suggestions/{suggestion_id}/decline",
    response={200: SuggestionDetailOut, **ERRORS},
    tags=["suggestions"],
)
def suggestion_decline(request: HttpRequest, suggestion_id: int, payload: DeclineIn) -> dict:
    """Decline a suggestion with a reason every reader who asked will see."""
    actor = require(request, "catalog")
    services.suggestion_decline(actor=actor, suggestion_id=suggestion_id, reason=payload.reason)
    return _detail(actor.library, suggestion_id)
