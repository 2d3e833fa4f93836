"""Reads the serials pages, the API and the exports share: the check-in list, a title's
issues, the binding list, next year's subscription list and the reports."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from shuxiang.circulation.models import Loan
from shuxiang.core.errors import NotFound
from shuxiang.core.models import Library
from shuxiang.serials import prediction
from shuxiang.serials.models import BoundVolume, IssueCopy, SerialIssue, Subscription

# The check-in screen lists what is due within this many days.
DUE_AHEAD_DAYS = 3


def subscription_of(library: Library, subscription_id: int) -> Subscription:
    """The library's subscription, or NotFound (subscription_not_found)."""
    sub = (
        Subscription.objects.filter(library=library, pk=subscription_id)
        .select_related("location", "bib")
        .first()
    )
    if sub is None:
        raise NotFound(
            _("没有编号为 %(id)s 的期刊订阅。") % {"id": subscription_id},
            code="subscription_not_found",
        )
    return sub


@dataclass(slots=True)
class IssueRow:
    issue: SerialIssue
    status: str  # the shown one: "late" for a late expected issue
    barcodes: list[str] = field(default_factory=list)
    loans: int = 0


def issue_rows(sub: Subscription, today: dt.date, year: int | None = None) -> list[IssueRow]:
    """A title's issues of a year (the subscription's own by default), with the copies'
    barcodes and how often they were lent."""
    issues = list(
        SerialIssue.objects.filter(subscription__bib_id=sub.bib_id, year=year or sub.year)
        .filter(library=sub.library)
        .order_by("number")
    )
    barcodes: dict[int, list[str]] = defaultdict(list)
    item_issue: dict[int, int] = {}
    for issue_id, item_id, barcode in IssueCopy.objects.filter(issue__in=issues).values_list(
        "issue_id", "item_id", "item__barcode"
    ):
        barcodes[issue_id].append(barcode)
        item_issue[item_id] = issue_id
    loans: Counter[int] = Counter()
    for item_id in Loan.objects.filter(item_id__in=list(item_issue)).values_list(
        "item_id", flat=True
    ):
        loans[item_issue[item_id]] += 1
    return [
        IssueRow(
            issue=i,
            status=prediction.shown_status(i.status, i.expected, sub.frequency, today),
            barcodes=barcodes.get(i.pk, []),
            loans=loans.get(i.pk, 0),
        )
        for i in issues
    ]


@dataclass(slots=True)
class DueRow:
    issue: SerialIssue
    late: bool


def due_issues(library: Library, today: dt.date) -> list[DueRow]:
    """The check-in screen's list: issues not yet in whose date has come (or comes within
    DUE_AHEAD_DAYS), late ones first, of active subscriptions."""
    rows = []
    for issue in (
        SerialIssue.objects.filter(
            library=library,
            status__in=[SerialIssue.Status.EXPECTED, SerialIssue.Status.CLAIMED],
            expected__lte=today + dt.timedelta(days=DUE_AHEAD_DAYS),
            subscription__active=True,
        )
        .select_related("subscription")
        .order_by("expected", "subscription__title", "number")[:300]
    ):
        late = issue.status == SerialIssue.Status.CLAIMED or prediction.is_late(
            issue.status, issue.expected, issue.subscription.frequency, today
        )
        rows.append(DueRow(issue=issue, late=late))
    rows.sort(key=lambda r: (not r.late, r.issue.expected or today))
    return rows


def recent_receipts(library: Library, limit: int = 15) -> list[SerialIssue]:
    return list(
        SerialIssue.objects.filter(library=library, received_at__isnull=False)
        .select_related("subscription")
        .prefetch_related("copies__item")
        .order_by("-received_at")[:limit]
    )


def subscriptions_of_year(library: Library, year: int) -> list[Subscription]:
    return list(
        Subscription.objects.filter(library=library, year=year)
        .select_related("location")
        .annotate(
            issues_count=Count("issues"),
        )
        .order_by("-active", "kind", "title")
    )


@dataclass(slots=True)
class OrderList:
    year: int
    rows: list[Subscription]

    @property
    def active(self) -> list[Subscription]:
        return [r for r in self.rows if r.active]

    @property
    def titles(self) -> int:
        return len(self.active)

    @property
    def copies(self) -> int:
        return sum(r.copies for r in self.active)

    @property
    def total(self) -> int:
        return sum(r.year_total or 0 for r in self.active)


def order_list(library: Library, year: int) -> OrderList:
    return OrderList(year=year, rows=subscriptions_of_year(library, year))


@dataclass(slots=True)
class BindingRow:
    volume: BoundVolume
    title: str
    issues: list[SerialIssue]


def binding_list(library: Library, year: int) -> list[BindingRow]:
    """The volumes bound for a year, for the bindery (装订单): each with its issues."""
    volumes = (
        BoundVolume.objects.filter(library=library, year=year)
        .select_related("subscription", "item", "item__call_number")
        .prefetch_related("issues")
        .order_by("subscription__title", "sequence")
    )
    return [
        BindingRow(
            volume=v,
            title=v.subscription.title,
            issues=sorted(v.issues.all(), key=lambda i: i.number),
        )
        for v in volumes
    ]


@dataclass(slots=True)
class TitleFigures:
    subscription: Subscription
    expected: int
    received: int
    late: int
    loans: int
    teacher_loans: int


@dataclass(slots=True)
class Report:
    year: int
    by_kind: list[tuple[str, int]]
    by_class: list[tuple[str, int]]
    titles: list[TitleFigures]

    @property
    def total_titles(self) -> int:
        return sum(n for _k, n in self.by_kind)


def report(library: Library, year: int, today: dt.date) -> Report:
    """种数 by kind and by CLC main class; per title the issues expected so far (dated up
    to today) against those received, the late ones, and the loans of its issues."""
    subs = list(
        Subscription.objects.filter(library=library, year=year, active=True)
        .select_related("bib")
        .prefetch_related("issues")
    )
    kinds = Counter(str(s.get_kind_display()) for s in subs)
    classes = Counter((s.clc or s.bib.clc)[:1] or _("未分类") for s in subs)
    loans: Counter[int] = Counter()
    teacher: Counter[int] = Counter()
    for sub_id, category in Loan.objects.filter(
        library=library,
        item__serial_copy__issue__year=year,
        item__serial_copy__issue__library=library,
    ).values_list("item__serial_copy__issue__subscription_id", "patron_category"):
        loans[sub_id] += 1
        teacher[sub_id] += category == "teacher"
    titles = []
    for sub in subs:
        issues = list(sub.issues.all())
        expected = [i for i in issues if i.expected and i.expected <= today]
        received = [i for i in issues if i.status in ("received", "bound")]
        late = [
            i
            for i in issues
            if i.status == "claimed"
            or prediction.is_late(i.status, i.expected, sub.frequency, today)
        ]
        titles.append(
            TitleFigures(
                subscription=sub,
                expected=len(expected),
                received=len(received),
                late=len(late),
                loans=loans.get(sub.pk, 0),
                teacher_loans=teacher.get(sub.pk, 0),
            )
        )
    titles.sort(key=lambda t: (-t.loans, t.subscription.title))
    return Report(
        year=year,
        by_kind=sorted(kinds.items()),
        by_class=sorted(classes.items()),
        titles=titles,
    )


def teacher_loans(library: Library, year: int) -> list[dict[str, Any]]:
    """Loans of the year's issues per teacher: who borrowed how many, and which titles."""
    per: dict[int, dict[str, Any]] = {}
    for loan in (
        Loan.objects.filter(
            library=library,
            patron__category="teacher",
            item__serial_copy__issue__year=year,
        )
        .select_related("patron", "item__serial_copy__issue__subscription")
        .order_by("checked_out_at")
    ):
        row = per.setdefault(
            loan.patron_id, {"patron": loan.patron, "loans": 0, "open": 0, "titles": Counter()}
        )
        row["loans"] += 1
        row["open"] += loan.status == Loan.Status.ON_LOAN
        row["titles"][loan.item.serial_copy.issue.subscription.title] += 1
    return sorted(per.values(), key=lambda r: -r["loans"])
