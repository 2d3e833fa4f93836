"""Periodicals and newspapers (期刊/报纸): subscriptions, their issues, check-in (登到),
claims (催缺) and binding (装订). Thin adapters over `shuxiang.serials.services`; for
librarians and the school's admin (capability catalog). Prices are fen.

A received issue's barcode lends at once through /circulation/checkout."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Schema, Status
from pydantic import Field

from shuxiang.api.api import api
from shuxiang.api.auth import require
from shuxiang.api.schemas import ErrorOut
from shuxiang.core import clock
from shuxiang.serials import selectors, services
from shuxiang.serials.models import Subscription

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
FREQUENCY_DESCRIPTION = (
    "daily 日报, weekly 周刊, ten_daily 旬刊, semimonthly 半月刊, monthly 月刊, "
    "bimonthly 双月刊, quarterly 季刊, irregular 不定期"
)
STATUS_DESCRIPTION = "expected 待到, received 已到, late 逾期未到, claimed 已催缺, bound 已装订"


class SubscriptionIn(Schema):
    title: str = Field(max_length=300, description="刊名")
    issn: str = Field(default="", max_length=20, description="ISSN（校验）")
    cn: str = Field(default="", max_length=30, description="国内统一连续出版物号，如 CN11-1234/G4")
    postal_code: str = Field(default="", max_length=20, description="邮发代号")
    publisher: str = Field(default="", max_length=200, description="出版单位")
    kind: str = Field(default="periodical", description="periodical 期刊, newspaper 报纸")
    clc: str = Field(default="", max_length=30, description="中图法分类号（合订本索书号用）")
    frequency: str = Field(description=FREQUENCY_DESCRIPTION)
    year: int = Field(description="订阅年度")
    copies: int = Field(default=1, description="份数")
    price_per_issue: int | None = Field(default=None, description="单期价，单位：分")
    price_per_year: int | None = Field(default=None, description="全年价，单位：分")
    skip_months: list[int] = Field(default_factory=list, description="休刊月份，如 [7, 8]")
    weekday: int = Field(default=0, description="周刊的出版星期：0 星期一 … 6 星期日")
    day: int = Field(default=1, description="月刊、双月刊、季刊的出版日（1–28）")
    skip_weekdays: list[int] = Field(
        default_factory=list, description="日报不出版的星期，如 [5, 6]（周六、周日）"
    )
    first_total: int | None = Field(default=None, description="本年第 1 期的总期号")
    source: str = Field(
        default="post_office", description="post_office 邮局, vendor 书商, donation 赠阅"
    )
    location: str | None = Field(default=None, description="馆藏地点代码（默认阅览室）")
    current_not_loanable: bool = Field(default=False, description="最新一期留在阅览室，不外借")
    note: str = Field(default="", max_length=200)


class SubscriptionOut(Schema):
    id: int
    title: str
    issn: str
    cn: str
    postal_code: str
    publisher: str
    kind: str
    frequency: str
    year: int
    copies: int
    price_per_issue: int | None
    price_per_year: int | None
    year_total: int | None = Field(description="全年订费（所有份数），单位：分")
    skip_months: list[int]
    skip_weekdays: list[int]
    source: str
    location: str | None
    active: bool
    issues: int = Field(description="本年度期数")


class IssueOut(Schema):
    id: int
    label: str
    number: int
    total: int | None
    expected: dt.date | None
    status: str = Field(description=STATUS_DESCRIPTION)
    barcodes: list[str]
    claim_count: int
    loans: int


class IssuesOut(Schema):
    issues: list[IssueOut]


class ReceiveIn(Schema):
    issue: int = Field(description="期次 id")
    barcodes: list[str] = Field(
        default_factory=list, description="扫描的条码（每份一个），不填则取条码号段的下一个"
    )


class ReceiveOut(Schema):
    status: str
    issue: int
    label: str
    barcode: str
    barcodes: list[str]


class ClaimIn(Schema):
    issues: list[int] = Field(
        default_factory=list, description="要催缺的期次 id；不填则催缺全部逾期期次"
    )


class ClaimOut(Schema):
    claimed: list[IssueOut]


class BindIn(Schema):
    year: int
    issues: list[int] = Field(description="要装订的期次 id")
    barcode: str = Field(
        default="", max_length=40, description="合订本条码（不填则取号段的下一个）"
    )


class BindOut(Schema):
    id: int
    barcode: str
    call_number: str
    accession_number: str | None
    title: str
    issues: list[int]


def _sub_out(sub: Subscription) -> dict:
    return {
        "id": sub.pk,
        "title": sub.title,
        "issn": sub.issn,
        "cn": sub.cn,
        "postal_code": sub.postal_code,
        "publisher": sub.publisher,
        "kind": sub.kind,
        "frequency": sub.frequency,
        "year": sub.year,
        "copies": sub.copies,
        "price_per_issue": sub.price_per_issue,
        "price_per_year": sub.price_per_year,
        "year_total": sub.year_total,
        "skip_months": sub.skip_months,
        "skip_weekdays": sub.skip_weekdays,
        "source": sub.source,
        "location": sub.location.code if sub.location_id else None,
        "active": sub.active,
        "issues": sub.issues.filter(year=sub.year).count(),
    }


def _issue_out(row: selectors.IssueRow) -> dict:
    issue = row.issue
    return {
        "id": issue.pk,
        "label": issue.label,
        "number": issue.number,
        "total": issue.total,
        "expected": issue.expected,
        "status": row.status,
        "barcodes": row.barcodes,
        "claim_count": issue.claim_count,
        "loans": row.loans,
    }


@api.post("/serials", response={201: SubscriptionOut, **ERRORS}, tags=["serials"])
def subscription_post(request: HttpRequest, payload: SubscriptionIn) -> Status:
    """Subscribe to a periodical or newspaper for a year (订阅); its issues are predicted
    at once. 422 `invalid_frequency`, `invalid_issn`, `invalid_cn`, ...; 409
    `subscription_exists`."""
    actor = require(request, "catalog")
    values = payload.dict()
    location = values.pop("location")
    sub = services.subscription_create(actor=actor, location_code=location, **values)
    return Status(201, _sub_out(sub))


@api.get("/serials", response={200: list[SubscriptionOut], **ERRORS}, tags=["serials"])
def subscription_list(request: HttpRequest, year: int | None = None) -> list[dict]:
    """The subscriptions of a year (this year by default)."""
    actor = require(request, "catalog")
    year = year or clock.today().year
    return [_sub_out(s) for s in selectors.subscriptions_of_year(actor.library, year)]


@api.get("/serials/{subscription_id}", response={200: SubscriptionOut, **ERRORS}, tags=["serials"])
def subscription_get(request: HttpRequest, subscription_id: int) -> dict:
    actor = require(request, "catalog")
    return _sub_out(selectors.subscription_of(actor.library, subscription_id))


@api.get("/serials/{subscription_id}/issues", response={200: IssuesOut, **ERRORS}, tags=["serials"])
def issue_list(request: HttpRequest, subscription_id: int, year: int | None = None) -> dict:
    """A title's issues of a year (the subscription's year by default), with the status
    shown on the check-in screen (late = expected and past its claim period)."""
    actor = require(request, "catalog")
    sub = selectors.subscription_of(actor.library, subscription_id)
    rows = selectors.issue_rows(sub, clock.today(), year=year)
    return {"issues": [_issue_out(r) for r in rows]}


@api.post(
    "/serials/{subscription_id}/receive", response={200: ReceiveOut, **ERRORS}, tags=["serials"]
)
def issue_receive(request: HttpRequest, subscription_id: int, payload: ReceiveIn) -> dict:
    """Check an issue in (登到): it is on the shelf and lendable at once by the barcode
    answered. 409 `issue_received` when it came in already."""
    actor = require(request, "catalog")
    got = services.issue_receive(
        actor=actor,
        subscription_id=subscription_id,
        issue_id=payload.issue,
        barcodes=payload.barcodes,
    )
    return {
        "status": got.issue.status,
        "issue": got.issue.pk,
        "label": got.issue.label,
        "barcode": got.barcode,
        "barcodes": [i.barcode for i in got.items],
    }


@api.post("/serials/{subscription_id}/claims", response={200: ClaimOut, **ERRORS}, tags=["serials"])
def issue_claims(request: HttpRequest, subscription_id: int, payload: ClaimIn) -> dict:
    """Claim (催缺) the late issues (or the ones given): they become claimed, with the
    time and count recorded. 409 `nothing_late` when none is late."""
    actor = require(request, "catalog")
    claimed = services.issues_claim(
        actor=actor, subscription_id=subscription_id, issue_ids=payload.issues or None
    )
    return {"claimed": [_issue_out(selectors.IssueRow(issue=i, status=i.status)) for i in claimed]}


@api.post("/serials/{subscription_id}/bind", response={201: BindOut, **ERRORS}, tags=["serials"])
def volume_bind(request: HttpRequest, subscription_id: int, payload: BindIn) -> Status:
    """Bind issues of a year into a volume (合订本): a loanable copy with its own barcode,
    accession number and call number; the issues become bound. 409 `issue_bound`,
    `issue_not_received`, `issue_on_loan`; 404 `issue_not_found`; nothing is written
    then."""
    actor = require(request, "catalog")
    bound = services.volume_bind(
        actor=actor,
        subscription_id=subscription_id,
        year=payload.year,
        issue_ids=payload.issues,
        barcode=payload.barcode,
    )
    return Status(
        201,
        {
            "id": bound.volume.pk,
            "barcode": bound.item.barcode,
            "call_number": bound.call_number,
            "accession_number": bound.item.accession_number,
            "title": bound.item.bib.title,
            "issues": sorted(i.number for i in bound.volume.issues.all()),
        },
    )
