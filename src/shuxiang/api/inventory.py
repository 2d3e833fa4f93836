"""Collection care (馆藏维护): stocktakes (清点), repair (修补) and withdrawal batches
(剔旧、注销). Thin adapters over `shuxiang.inventory.services`. Librarians and the
admin run them (capability catalog); a school leader or the admin approves a
withdrawal batch, never the librarian who proposed it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import Field

from shuxiang.api.api import api
from shuxiang.api.auth import require
from shuxiang.api.schemas import ErrorOut
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Forbidden
from shuxiang.core.models import AuditEvent
from shuxiang.inventory import selectors, services
from shuxiang.inventory.models import Withdrawal

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class StocktakeIn(Schema):
    name: str = Field(max_length=100, description="清点名称，如 2026 春季清点")
    locations: list[str] = Field(default_factory=list, description="馆藏地点代码；不填为全馆")
    clc: str = Field(default="", max_length=20, description="中图法分类号开头，如 I2、TP")


class IdOut(Schema):
    id: int


class ScansIn(Schema):
    barcodes: list[str] = Field(description="扫描到的条码，按扫描顺序")
    location: str | None = Field(default=None, description="扫描所在的馆藏地点代码")
    run: str = Field(
        default="", max_length=60, description="同一人沿书架连续扫描的标识（用于排架顺序检查）"
    )


class ScansOut(Schema):
    accepted: int = Field(description="新记录的已知条码数")
    unknown: list[str] = Field(description="本馆没有的条码（已记录）")
    duplicates: int = Field(description="本次清点中已扫描过的条码数（不重复计数）")


class CountsOut(Schema):
    status: str = Field(description="open 清点中, closed 已结束")
    scanned: int
    expected: int
    found: int
    misplaced: int
    on_loan: int
    missing: int
    unknown: int
    elsewhere: int = Field(description="修补中、预约架或在途，未扫描")
    withdrawn: int = Field(description="扫描到的已注销图书")
    recovered: int = Field(description="找回的丢失待查、遗失图书")
    out_of_order: int = Field(description="排架顺序错误")
    claimed_missing: int = Field(
        default=0, description="读者声称已还、清点未找到（结束时统计；也计入 missing）"
    )


class RepairIn(Schema):
    note: str = Field(default="", max_length=200, description="损坏情况")


class RepairedIn(Schema):
    cost: int = Field(default=0, description="修补费用，单位：分")


class ItemStatusOut(Schema):
    barcode: str
    status: str


class WithdrawalIn(Schema):
    barcodes: list[str]
    reason: str = Field(
        description="weeding 剔旧, lost 遗失赔偿, damaged 损坏, transfer 调拨, other 其他"
    )
    note: str = Field(default="", max_length=200)


class WithdrawalOut(Schema):
    id: int
    number: int
    status: str = Field(description="pending 待审批, approved 已批准, rejected 已驳回")
    barcodes: list[str]
    total_price: int = Field(description="定价合计，单位：分")


def _batch_out(batch: Withdrawal) -> dict:
    lines = list(batch.lines.select_related("item"))
    return {
        "id": batch.pk,
        "number": batch.number,
        "status": batch.status,
        "barcodes": [line.item.barcode for line in lines],
        "total_price": sum(line.price or 0 for line in lines),
    }


@api.post("/stocktakes", response={201: IdOut, **ERRORS}, tags=["inventory"])
def stocktake_post(request: HttpRequest, payload: StocktakeIn) -> Status:
    """Open a stocktake (清点) over the whole library, some locations or a CLC class
    prefix. 422 `name_required`, `invalid_clc`; 404 `location_not_found`."""
    actor = require(request, "catalog")
    stocktake = services.stocktake_create(
        actor=actor, name=payload.name, location_codes=payload.locations, clc=payload.clc
    )
    return Status(201, {"id": stocktake.pk})


@api.post(
    "/stocktakes/{stocktake_id}/scans", response={200: ScansOut, **ERRORS}, tags=["inventory"]
)
def stocktake_scans(request: HttpRequest, stocktake_id: int, payload: ScansIn) -> dict:
    """Record scanned barcodes. Each barcode counts once per stocktake, whoever sends it
    and however often (an offline queue re-sent, a file uploaded twice). 422
    `invalid_barcode` refuses the batch; 409 `stocktake_closed`."""
    actor = require(request, "catalog")
    got = services.stocktake_scan(
        actor=actor,
        stocktake_id=stocktake_id,
        barcodes=payload.barcodes,
        location_code=payload.location,
        run=payload.run or f"api-{request.user.pk}",
    )
    return {"accepted": got.accepted, "unknown": got.unknown, "duplicates": got.duplicates}


@api.get("/stocktakes/{stocktake_id}", response={200: CountsOut, **ERRORS}, tags=["inventory"])
def stocktake_get(request: HttpRequest, stocktake_id: int) -> dict:
    """The stocktake's figures: live while open (what is not yet scanned counts as
    missing), as closed afterwards."""
    actor = require(request, "catalog")
    return selectors.stocktake_counts(selectors.stocktake_of(actor.library, stocktake_id))


@api.post(
    "/stocktakes/{stocktake_id}/close", response={200: CountsOut, **ERRORS}, tags=["inventory"]
)
def stocktake_close(request: HttpRequest, stocktake_id: int) -> dict:
    """Close the stocktake: copies neither scanned nor accounted for become missing
    (丢失待查); missing or lost copies that were scanned come back. 409
    `stocktake_closed`."""
    actor = require(request, "catalog")
    return services.stocktake_close(actor=actor, stocktake_id=stocktake_id)


@api.post("/items/{barcode}/repair", response={200: ItemStatusOut, **ERRORS}, tags=["inventory"])
def item_repair(request: HttpRequest, barcode: str, payload: RepairIn) -> dict:
    """Send a copy to repair (修补中). 409 `already_in_repair`, `not_repairable`."""
    actor = require(request, "catalog")
    repair = services.repair_send(actor=actor, barcode=barcode, note=payload.note)
    return {"barcode": repair.item.barcode, "status": "in_repair"}


@api.post("/items/{barcode}/repaired", response={200: ItemStatusOut, **ERRORS}, tags=["inventory"])
def item_repaired(request: HttpRequest, barcode: str, payload: RepairedIn) -> dict:
    """修补完成，上架: the copy is available again. 409 `not_in_repair`."""
    actor = require(request, "catalog")
    repair = services.repair_done(actor=actor, barcode=barcode, cost=payload.cost)
    return {"barcode": repair.item.barcode, "status": "available"}


@api.post("/withdrawals", response={201: WithdrawalOut, **ERRORS}, tags=["inventory"])
def withdrawal_post(request: HttpRequest, payload: WithdrawalIn) -> Status:
    """Propose a withdrawal batch (pending). 409 `not_withdrawable` names each copy that
    cannot go; 422 `invalid_reason`."""
    actor = require(request, "catalog")
    batch = services.withdrawal_propose(
        actor=actor, barcodes=payload.barcodes, reason=payload.reason, note=payload.note
    )
    return Status(201, _batch_out(batch))


@api.post(
    "/withdrawals/{withdrawal_id}/approve",
    response={200: WithdrawalOut, **ERRORS},
    tags=["inventory"],
)
def withdrawal_approve(request: HttpRequest, withdrawal_id: int) -> dict:
    """Approve a batch (a school leader or the admin; not the proposer: 403
    `own_withdrawal`): its copies become withdrawn and leave the OPAC."""
    if not services.may_approve_withdrawal(request.user):
        raise Forbidden(_("注销批次须由学校领导或学校管理员审批。"), code="forbidden")
    actor = Actor.of_request(request, AuditEvent.Channel.API)
    return _batch_out(services.withdrawal_approve(actor=actor, withdrawal_id=withdrawal_id))
