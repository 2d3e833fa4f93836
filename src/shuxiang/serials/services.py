"""Serials write operations (期刊): one function per use case, one transaction each.

A received issue becomes catalog copies through `catalog.services.item_create` (so the
desk lends it at once, by its barcode, under the 期刊 loan rules); a bound volume is a
title and a copy of its own, made the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.catalog import callnumbers, register
from shuxiang.catalog import services as catalog
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Location
from shuxiang.serials import codes, prediction
from shuxiang.serials.models import BoundVolume, IssueCopy, SerialIssue, Subscription

# Bound volumes of a title without a class number stand under Z6 (期刊、连续性出版物).
DEFAULT_CLASS = "Z6"
YEARS = (2000, 2200)

PATTERN_MESSAGES = {
    "invalid_frequency": lambda: _(
        "刊期应为 daily、weekly、ten_daily、semimonthly、monthly、bimonthly、quarterly 或 irregular。"
    ),
    "invalid_skip_months": lambda: _("休刊月份应为 1 到 12 的月份，且不能每月都休刊。"),
    "invalid_weekday": lambda: _("出版星期应为 0（星期一）到 6（星期日），且不能每天都休刊。"),
    "invalid_day": lambda: _("出版日应为每月 1 到 28 日。"),
}


def _pattern_check(
    frequency: str, skip_months: list[int], weekday: int, day: int, skip_weekdays: list[int]
) -> None:
    problem = prediction.pattern_problem(frequency, skip_months, weekday, day, skip_weekdays)
    if problem:
        raise Invalid(PATTERN_MESSAGES[problem](), code=problem)


def _year_check(year: Any) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not YEARS[0] <= year <= YEARS[1]:
        raise Invalid(_("年度 %(year)s 不合理。") % {"year": year}, code="invalid_year")
    return year


def _price_check(value: int | None, label: str) -> None:
    if value is not None and (not isinstance(value, int) or value < 0 or value > 10**8):
        raise Invalid(_("%(field)s不合理。") % {"field": label}, code="invalid_price")


def _subscription(actor: Actor, subscription_id: int, *, lock: bool = False) -> Subscription:
    qs = Subscription.objects.filter(library=actor.library, pk=subscription_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    sub = qs.select_related("location", "bib").first()
    if sub is None:
        raise NotFound(
            _("没有编号为 %(id)s 的期刊订阅。") % {"id": subscription_id},
            code="subscription_not_found",
        )
    return sub


def _location(actor: Actor, location_code: str | None) -> Location | None:
    if location_code:
        location = Location.objects.filter(
            library=actor.library, code=location_code, active=True
        ).first()
        if location is None:
            raise NotFound(
                _("没有馆藏地点 %(code)s。") % {"code": location_code}, code="location_not_found"
            )
        return location
    return (
        Location.objects.filter(library=actor.library, kind=Location.Kind.READING_ROOM, active=True)
        .order_by("pk")
        .first()
    )


def _predict(sub: Subscription) -> list[SerialIssue]:
    return [
        SerialIssue(
            library=sub.library,
            subscription=sub,
            year=e.year,
            number=e.number,
            total=e.total,
            expected=e.date,
        )
        for e in prediction.year_issues(sub.pattern, sub.year, total_start=sub.first_total)
    ]


@transaction.atomic
def subscription_create(
    *,
    actor: Actor,
    title: str,
    year: int,
    frequency: str,
    issn: str = "",
    cn: str = "",
    postal_code: str = "",
    publisher: str = "",
    kind: str = Subscription.Kind.PERIODICAL,
    clc: str = "",
    copies: int = 1,
    price_per_issue: int | None = None,
    price_per_year: int | None = None,
    skip_months: list[int] | None = None,
    weekday: int = 0,
    day: int = 1,
    skip_weekdays: list[int] | None = None,
    first_total: int | None = None,
    source: str = Subscription.Source.POST_OFFICE,
    location_code: str | None = None,
    current_not_loanable: bool = False,
    note: str = "",
) -> Subscription:
    """Subscribe to a title for a year and predict its issues. The title's catalog record
    (a Bib of material type 期刊) is the one an earlier year's subscription of the same
    ISSN (or, without one, the same title) used, else a new one. Refused: no title
    (title_required), a bad ISSN (invalid_issn) or CN number (invalid_cn), an unknown
    frequency (invalid_frequency) and the other pattern codes, a year out of range, no
    copies (invalid_copies), a negative price, the title already subscribed that year
    (subscription_exists)."""
    library = actor.library
    title = (title or "").strip()
    if not title:
        raise Invalid(_("请填写刊名。"), code="title_required")
    if len(title) > 300:
        raise Invalid(_("刊名太长（最多 300 字）。"), code="too_long")
    clean_issn = codes.issn_clean(issn)
    if clean_issn is None:
        raise Invalid(_("ISSN %(issn)s 无效，请检查校验位。") % {"issn": issn}, code="invalid_issn")
    clean_cn = codes.cn_clean(cn)
    if clean_cn is None:
        raise Invalid(_("CN 号 %(cn)s 的格式应为 CN11-1234/G4。") % {"cn": cn}, code="invalid_cn")
    skip = sorted(set(skip_months or []))
    _pattern_check(frequency, skip_months or [], weekday, day, skip_weekdays or [])
    _year_check(year)
    if not isinstance(copies, int) or not 1 <= copies <= 999:
        raise Invalid(_("份数应为 1 到 999。"), code="invalid_copies")
    _price_check(price_per_issue, _("单期价"))
    _price_check(price_per_year, _("全年价"))
    if kind not in Subscription.Kind.values:
        raise Invalid(_("类别应为期刊或报纸。"), code="invalid_kind")
    if source not in Subscription.Source.values:
        raise Invalid(_("来源应为邮局、书商或赠阅。"), code="invalid_source")
    if first_total is not None and (not isinstance(first_total, int) or first_total < 1):
        raise Invalid(_("总期号应为正整数。"), code="invalid_total")
    location = _location(actor, location_code)
    earlier = Subscription.objects.filter(library=library)
    earlier = (
        earlier.filter(issn=clean_issn) if clean_issn else earlier.filter(issn="", title=title)
    )
    previous = earlier.order_by("-year").first()
    if previous is not None:
        bib = previous.bib
        if Subscription.objects.filter(library=library, bib=bib, year=year).exists():
            raise Conflict(
                _("%(year)s 年已订阅《%(title)s》。") % {"year": year, "title": title},
                code="subscription_exists",
            )
    else:
        bib = catalog.bib_create(
            actor=actor,
            title=title,
            publisher=publisher,
            clc=clc,
            material_type=Bib.MaterialType.PERIODICAL,
        )
    try:
        with transaction.atomic():
            sub = Subscription.objects.create(
                library=library,
                bib=bib,
                year=year,
                title=title,
                kind=kind,
                issn=clean_issn,
                cn=clean_cn,
                postal_code=(postal_code or "").strip()[:20],
                publisher=(publisher or "").strip()[:200],
                clc=(clc or "").strip().upper()[:30],
                frequency=frequency,
                skip_months=skip,
                weekday=weekday,
                day=day,
                skip_weekdays=sorted(set(skip_weekdays or [])),
                first_total=first_total,
                copies=copies,
                price_per_issue=price_per_issue,
                price_per_year=price_per_year,
                source=source,
                location=location,
                current_not_loanable=current_not_loanable,
                call_number_base=previous.call_number_base if previous else "",
                note=(note or "").strip()[:200],
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(year)s 年已订阅《%(title)s》。") % {"year": year, "title": title},
            code="subscription_exists",
        ) from exc
    SerialIssue.objects.bulk_create(_predict(sub))
    audit.record(
        actor,
        "subscription.create",
        sub,
        after={
            "title": title,
            "year": year,
            "frequency": frequency,
            "copies": copies,
            "issn": clean_issn,
            "price_per_issue": price_per_issue,
            "price_per_year": price_per_year,
        },
    )
    return sub


SUBSCRIPTION_EDITABLE = ("copies", "price_per_issue", "price_per_year", "active", "note")


@transaction.atomic
def subscription_update(*, actor: Actor, subscription_id: int, **changes: Any) -> Subscription:
    """Change a subscription's copies, prices, whether it goes on (active) or its note:
    what next year's list (订阅清单) edits."""
    unknown = sorted(set(changes) - set(SUBSCRIPTION_EDITABLE))
    if unknown:
        raise Invalid(
            _("不能修改的字段：%(names)s") % {"names": "、".join(unknown)}, code="unknown_field"
        )
    sub = _subscription(actor, subscription_id, lock=True)
    if "copies" in changes:
        copies = changes["copies"]
        if not isinstance(copies, int) or not 1 <= copies <= 999:
            raise Invalid(_("份数应为 1 到 999。"), code="invalid_copies")
    _price_check(changes.get("price_per_issue"), _("单期价"))
    _price_check(changes.get("price_per_year"), _("全年价"))
    before, after = {}, {}
    for key, value in changes.items():
        if key == "note":
            value = (value or "").strip()[:200]
        if getattr(sub, key) != value:
            before[key], after[key] = getattr(sub, key), value
            setattr(sub, key, value)
    if before:
        sub.save(update_fields=list(before))
        audit.record(actor, "subscription.update", sub, before=before, after=after)
    return sub


@dataclass(slots=True)
class Renewal:
    created: list[Subscription]
    existing: int  # titles already on next year's list


@transaction.atomic
def subscriptions_renew(*, actor: Actor, from_year: int, to_year: int) -> Renewal:
    """Next year's list (订阅清单): every title still subscribed in `from_year` that
    `to_year` does not have yet, with the same copies, prices, pattern and place; the
    running issue number continues from this year's last."""
    _year_check(from_year)
    _year_check(to_year)
    if to_year <= from_year:
        raise Invalid(_("新年度应晚于原年度。"), code="invalid_year")
    have = set(
        Subscription.objects.filter(library=actor.library, year=to_year).values_list(
            "bib_id", flat=True
        )
    )
    created, existing = [], 0
    for old in Subscription.objects.filter(
        library=actor.library, year=from_year, active=True
    ).select_related("library"):
        if old.bib_id in have:
            existing += 1
            continue
        total = prediction.next_total_start(old.pattern, from_year, old.first_total)
        sub = Subscription.objects.create(
            library=actor.library,
            bib_id=old.bib_id,
            year=to_year,
            **{
                f: getattr(old, f)
                for f in (
                    "title",
                    "kind",
                    "issn",
                    "cn",
                    "postal_code",
                    "publisher",
                    "clc",
                    "frequency",
                    "skip_months",
                    "weekday",
                    "day",
                    "skip_weekdays",
                    "copies",
                    "price_per_issue",
                    "price_per_year",
                    "source",
                    "location_id",
                    "current_not_loanable",
                    "call_number_base",
                    "note",
                )
            },
            first_total=total if to_year == from_year + 1 else None,
        )
        SerialIssue.objects.bulk_create(_predict(sub))
        created.append(sub)
    if created:
        audit.record(
            actor,
            "subscription.renew",
            actor.library,
            after={"from_year": from_year, "to_year": to_year, "titles": len(created)},
        )
    return Renewal(created=created, existing=existing)


@transaction.atomic
def issue_add(
    *, actor: Actor, subscription_id: int, number: int, expected: dt.date | None = None
) -> SerialIssue:
    """Add an issue by hand: an irregular title's, a supplement (增刊) or a number the
    prediction did not foresee. Refused when that number exists (issue_exists)."""
    sub = _subscription(actor, subscription_id, lock=True)
    if not isinstance(number, int) or not 1 <= number <= 9999:
        raise Invalid(_("期号应为 1 到 9999。"), code="invalid_number")
    if SerialIssue.objects.filter(subscription=sub, year=sub.year, number=number).exists():
        raise Conflict(_("第 %(number)s 期已在列表中。") % {"number": number}, code="issue_exists")
    issue = SerialIssue.objects.create(
        library=actor.library,
        subscription=sub,
        year=sub.year,
        number=number,
        expected=expected or clock.today(),
    )
    audit.record(actor, "issue.add", issue, after={"number": number})
    return issue


@dataclass(slots=True)
class Received:
    issue: SerialIssue
    items: list[Item]

    @property
    def barcode(self) -> str:
        return self.items[0].barcode


def _issue(actor: Actor, sub: Subscription, issue_id: int) -> SerialIssue:
    issue = (
        SerialIssue.objects.select_for_update()
        .filter(library=actor.library, subscription=sub, pk=issue_id)
        .first()
    )
    if issue is None:
        raise NotFound(
            _("此刊没有编号为 %(id)s 的期次。") % {"id": issue_id}, code="issue_not_found"
        )
    return issue


@transaction.atomic
def issue_receive(
    *,
    actor: Actor,
    subscription_id: int,
    issue_id: int,
    barcodes: list[str] | None = None,
) -> Received:
    """Check an issue in (登到): it becomes one catalog copy per subscribed copy, on the
    shelf at once and lent at the desk like any copy (circulation type 期刊; 不外借 while
    it is the newest issue when the subscription says so, the one before it becoming
    loanable). Barcodes are the ones given (scanned from labels) or the next of the
    library's range. Refused: an issue already received or bound (issue_received)."""
    sub = _subscription(actor, subscription_id, lock=True)
    issue = _issue(actor, sub, issue_id)
    if issue.status in (SerialIssue.Status.RECEIVED, SerialIssue.Status.BOUND):
        raise Conflict(
            _("%(label)s 已登到，不能重复登到。") % {"label": issue.label},
            code="issue_received",
        )
    given = [b.strip() for b in barcodes or [] if b and b.strip()]
    if given and len(given) != sub.copies:
        raise Invalid(
            _("此刊订了 %(n)s 份，请扫描 %(n)s 个条码。") % {"n": sub.copies},
            code="barcode_count",
        )
    codes_ = given or register.barcodes_take(actor.library, sub.copies)
    # With 现刊不外借 the newest issue stays in the room: a late issue checked in after a
    # newer one goes out like any back issue, and leaves the newer one where it is.
    newest = sub.current_not_loanable and not (
        SerialIssue.objects.filter(
            subscription__bib_id=sub.bib_id,
            status__in=[SerialIssue.Status.RECEIVED, SerialIssue.Status.BOUND],
        )
        .filter(Q(year__gt=issue.year) | Q(year=issue.year, number__gt=issue.number))
        .exists()
    )
    previous = []
    if newest:
        previous = list(
            IssueCopy.objects.filter(
                issue__subscription__bib_id=sub.bib_id,
                item__circulation_type=Item.CirculationType.REFERENCE,
            ).values_list("item_id", flat=True)
        )
    circulation_type = Item.CirculationType.REFERENCE if newest else Item.CirculationType.PERIODICAL
    items = []
    for code in codes_:
        item = catalog.item_create(
            actor=actor,
            bib_id=sub.bib_id,
            barcode=code,
            location_code=sub.location.code if sub.location_id else None,
            circulation_type=circulation_type,
            price=sub.price_per_issue,
            source=Item.Source.DONATION
            if sub.source == Subscription.Source.DONATION
            else Item.Source.PURCHASE,
            accession=False,  # an issue is an asset only once bound
        )
        IssueCopy.objects.create(library=actor.library, issue=issue, item=item)
        items.append(item)
    for item_id in previous:  # the issue before is no longer the newest
        catalog.item_update(
            actor=actor, item_id=item_id, circulation_type=Item.CirculationType.PERIODICAL
        )
    before = issue.status
    issue.status = SerialIssue.Status.RECEIVED
    issue.received_at = clock.now()
    issue.save(update_fields=["status", "received_at"])
    audit.record(
        actor,
        "issue.receive",
        issue,
        before={"status": before},
        after={"status": issue.status, "barcodes": [i.barcode for i in items]},
    )
    return Received(issue=issue, items=items)


def subscription_for_scan(actor: Actor, text: str, year: int) -> tuple[Subscription, int | None]:
    """The subscription a scan or typed text means in `year` (an ISSN's EAN-13 with its
    add-on, an ISSN, a CN number, a title), and the issue number the add-on gives."""
    scan = codes.read_scan(text)
    qs = Subscription.objects.filter(library=actor.library, year=year, active=True)
    found: list[Subscription] = []
    if scan.issn:
        found = list(qs.filter(issn=f"{scan.issn[:4]}-{scan.issn[4:]}")[:2])
    elif scan.text:
        cn = codes.cn_clean(scan.text)
        if cn:
            found = list(qs.filter(cn=cn)[:2])
        if not found:
            found = list(qs.filter(title=scan.text)[:2]) or list(
                qs.filter(title__icontains=scan.text)[:2]
            )
    if not found:
        raise NotFound(
            _("%(year)s 年的订阅中没有找到“%(text)s”。") % {"year": year, "text": text},
            code="subscription_not_found",
        )
    if len(found) > 1:
        raise Conflict(
            _("“%(text)s”对应多种期刊，请输入完整刊名或 ISSN。") % {"text": text},
            code="ambiguous",
        )
    return found[0], scan.number


@transaction.atomic
def issue_receive_scan(*, actor: Actor, text: str, year: int | None = None) -> Received:
    """One scan at the check-in screen: the title's issue numbered by the add-on, else
    its earliest issue not yet in."""
    year = year or clock.today().year
    sub, number = subscription_for_scan(actor, text, year)
    pending = SerialIssue.objects.filter(subscription=sub, year=sub.year).exclude(
        status__in=[SerialIssue.Status.RECEIVED, SerialIssue.Status.BOUND]
    )
    if number is not None:
        issue = SerialIssue.objects.filter(subscription=sub, year=sub.year, number=number).first()
        if issue is None:
            raise NotFound(
                _("《%(title)s》没有第 %(number)s 期。") % {"title": sub.title, "number": number},
                code="issue_not_found",
            )
    else:
        issue = pending.order_by("expected", "number").first()
        if issue is None:
            raise Conflict(
                _("《%(title)s》本年度的各期都已登到。") % {"title": sub.title},
                code="nothing_expected",
            )
    return issue_receive(actor=actor, subscription_id=sub.pk, issue_id=issue.pk)


@transaction.atomic
def issues_claim(
    *, actor: Actor, subscription_id: int, issue_ids: list[int] | None = None
) -> list[SerialIssue]:
    """Claim (催缺) the late issues of a subscription (or the ones given, which must be
    late or claimed already): each becomes claimed, with the time and how many times it
    was chased. Refused when none is late (nothing_late)."""
    sub = _subscription(actor, subscription_id, lock=True)
    today = clock.today()
    qs = SerialIssue.objects.select_for_update().filter(subscription=sub)
    if issue_ids:
        chosen = list(qs.filter(pk__in=issue_ids))
        if len(chosen) != len(set(issue_ids)):
            raise NotFound(_("有的期次不属于此刊。"), code="issue_not_found")
        for issue in chosen:
            if issue.status not in (SerialIssue.Status.EXPECTED, SerialIssue.Status.CLAIMED) or (
                issue.status == SerialIssue.Status.EXPECTED
                and not prediction.is_late(issue.status, issue.expected, sub.frequency, today)
            ):
                raise Conflict(
                    _("%(label)s 未逾期，无需催缺。") % {"label": issue.label},
                    code="issue_not_late",
                )
    else:
        chosen = [
            i
            for i in qs.filter(status=SerialIssue.Status.EXPECTED)
            if prediction.is_late(i.status, i.expected, sub.frequency, today)
        ]
    if not chosen:
        raise Conflict(_("此刊没有逾期未到的期次。"), code="nothing_late")
    now = clock.now()
    for issue in chosen:
        before = issue.status
        issue.status = SerialIssue.Status.CLAIMED
        issue.claimed_at = now
        issue.claim_count += 1
        issue.save(update_fields=["status", "claimed_at", "claim_count"])
        audit.record(
            actor,
            "issue.claim",
            issue,
            before={"status": before},
            after={"status": issue.status, "claim_count": issue.claim_count},
        )
    return chosen


@dataclass(slots=True)
class Bound:
    volume: BoundVolume
    item: Item
    call_number: str


def _volume_call_number(actor: Actor, sub: Subscription, year: int, sequence: int) -> str:
    """The volume's call number: the title's bound-volume base (class/种次号, made at its
    first binding from its class, or Z6) with "year-sequence" as the volume part."""
    if not sub.call_number_base:
        class_number = callnumbers.class_part(sub.clc or sub.bib.clc) or DEFAULT_CLASS
        from shuxiang.catalog import clc

        if not clc.validate(class_number).valid:
            class_number = DEFAULT_CLASS
        class_number = clc.normalize(class_number)
        taken = CallNumber.objects.filter(
            library=actor.library, value__startswith=class_number + callnumbers.SEPARATOR
        ).values_list("value", flat=True)
        sub.call_number_base = callnumbers.compose(
            class_number, callnumbers.next_sequence(class_number, taken)
        )
        sub.save(update_fields=["call_number_base"])
        Subscription.objects.filter(library=actor.library, bib_id=sub.bib_id).update(
            call_number_base=sub.call_number_base
        )
    return callnumbers.with_volume(sub.call_number_base, f"{year}-{sequence}")


@transaction.atomic
def volume_bind(
    *,
    actor: Actor,
    subscription_id: int,
    year: int,
    issue_ids: list[int],
    barcode: str = "",
) -> Bound:
    """Bind a title's issues of a year into a volume (合订本): a catalog title and copy of
    its own (material 期刊, circulation type 期刊, loanable) with the next barcode of the
    range (or the one given), the next accession number and the call number
    base:year-sequence; each issue becomes bound, and the copy of it that went into the
    volume is withdrawn from the shelf. Refused, writing nothing: no issues
    (issues_required), an issue of another title or year (issue_not_found), one not
    received (issue_not_received), one bound already (issue_bound), one whose copies are
    all out (issue_on_loan)."""
    sub = _subscription(actor, subscription_id, lock=True)
    _year_check(year)
    ids = list(dict.fromkeys(issue_ids or []))
    if not ids:
        raise Invalid(_("请选择要装订的期次。"), code="issues_required")
    issues = list(
        SerialIssue.objects.select_for_update()
        .filter(library=actor.library, subscription__bib_id=sub.bib_id, year=year, pk__in=ids)
        .order_by("number")
    )
    if len(issues) != len(ids):
        raise NotFound(
            _("有的期次不是《%(title)s》%(year)s 年的。") % {"title": sub.title, "year": year},
            code="issue_not_found",
        )
    chosen: list[IssueCopy] = []
    for issue in issues:
        if issue.status == SerialIssue.Status.BOUND:
            raise Conflict(
                _("%(label)s 已装订，不能再装订。") % {"label": issue.label}, code="issue_bound"
            )
        if issue.status != SerialIssue.Status.RECEIVED:
            raise Conflict(
                _("%(label)s 尚未登到，不能装订。") % {"label": issue.label},
                code="issue_not_received",
            )
        copy = (
            IssueCopy.objects.select_related("item")
            .filter(issue=issue, bound=False, item__status=Item.Status.AVAILABLE)
            .order_by("pk")
            .first()
        )
        if copy is None:
            raise Conflict(
                _("%(label)s 的各份都不在架（借出或遗失），请先还回。") % {"label": issue.label},
                code="issue_on_loan",
            )
        chosen.append(copy)
    year_sub = (
        Subscription.objects.filter(library=actor.library, bib_id=sub.bib_id, year=year).first()
        or sub
    )
    sequence = (
        BoundVolume.objects.filter(
            library=actor.library, subscription__bib_id=sub.bib_id, year=year
        ).count()
        + 1
    )
    call_number = _volume_call_number(actor, sub, year, sequence)
    first, last = issues[0], issues[-1]
    span = (
        _("第%(first)s期") % {"first": first.number}
        if first is last
        else _("第%(first)s—%(last)s期") % {"first": first.number, "last": last.number}
    )
    bib = catalog.bib_create(
        actor=actor,
        title=_("%(title)s %(year)s年合订本（%(span)s）")
        % {"title": sub.title, "year": year, "span": span},
        publisher=sub.publisher,
        year=year,
        clc=callnumbers.parse(call_number).class_number,
        price=sum(c.item.price or 0 for c in chosen) or None,
        summary=_("合订：%(issues)s") % {"issues": "、".join(i.label for i in issues)},
        material_type=Bib.MaterialType.PERIODICAL,
    )
    code = (barcode or "").strip() or register.barcodes_take(actor.library, 1)[0]
    item = catalog.item_create(
        actor=actor,
        bib_id=bib.pk,
        barcode=code,
        location_code=sub.location.code if sub.location_id else None,
        call_number=call_number,
        circulation_type=Item.CirculationType.PERIODICAL,
        price=bib.price,
    )
    volume = BoundVolume.objects.create(
        library=actor.library,
        subscription=year_sub,
        year=year,
        sequence=sequence,
        item=item,
        created_at=clock.now(),
    )
    now = clock.now()
    for issue, copy in zip(issues, chosen, strict=True):
        issue.status = SerialIssue.Status.BOUND
        issue.bound_volume = volume
        issue.save(update_fields=["status", "bound_volume"])
        copy.bound = True
        copy.save(update_fields=["bound"])
        catalog.item_status_set(item_id=copy.item_id, status=Item.Status.WITHDRAWN, at=now)
        audit.record(
            actor,
            "issue.bind",
            copy.item,
            before={"status": Item.Status.AVAILABLE},
            after={"status": Item.Status.WITHDRAWN, "bound_into": item.barcode},
        )
    audit.record(
        actor,
        "volume.bind",
        volume,
        after={
            "barcode": item.barcode,
            "call_number": call_number,
            "accession_number": item.accession_number,
            "issues": [i.number for i in issues],
        },
    )
    return Bound(volume=volume, item=item, call_number=call_number)
