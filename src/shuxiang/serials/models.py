"""Periodicals and newspapers (期刊/报纸): a subscription per title and year, the issues
expected of it, the copies each received issue became, and the bound volumes (合订本).

A received issue is a catalog Item (circulation type 期刊) of the title's Bib, so the
desk lends it like any copy; a bound volume is an Item of a Bib of its own, with its own
call number, barcode and accession number."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.catalog.models import Bib, Item
from shuxiang.core.models import Library, Location
from shuxiang.serials import prediction


class Subscription(models.Model):
    """One title subscribed for one year (订阅)."""

    class Frequency(models.TextChoices):
        DAILY = prediction.DAILY, _("日报/日刊")
        WEEKLY = prediction.WEEKLY, _("周刊/周报")
        TEN_DAILY = prediction.TEN_DAILY, _("旬刊")
        SEMIMONTHLY = prediction.SEMIMONTHLY, _("半月刊")
        MONTHLY = prediction.MONTHLY, _("月刊")
        BIMONTHLY = prediction.BIMONTHLY, _("双月刊")
        QUARTERLY = prediction.QUARTERLY, _("季刊")
        IRREGULAR = prediction.IRREGULAR, _("不定期")

    class Kind(models.TextChoices):
        PERIODICAL = "periodical", _("期刊")
        NEWSPAPER = "newspaper", _("报纸")

    class Source(models.TextChoices):
        POST_OFFICE = "post_office", _("邮局订阅")
        VENDOR = "vendor", _("书商/代理")
        DONATION = "donation", _("赠阅")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="subscriptions")
    bib = models.ForeignKey(Bib, on_delete=models.PROTECT, related_name="subscriptions")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("刊名"), max_length=300)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.PERIODICAL)
    issn = models.CharField(_("ISSN"), max_length=9, blank=True)
    cn = models.CharField(_("CN 号"), max_length=30, blank=True)
    postal_code = models.CharField(_("邮发代号"), max_length=20, blank=True)
    publisher = models.CharField(_("出版单位"), max_length=200, blank=True)
    clc = models.CharField(_("分类号"), max_length=30, blank=True)
    frequency = models.CharField(_("刊期"), max_length=20, choices=Frequency.choices)
    skip_months = models.JSONField(_("休刊月份"), default=list, blank=True)
    weekday = models.PositiveSmallIntegerField(_("出版星期"), default=0)
    skip_weekdays = models.JSONField(_("日报休刊星期"), default=list, blank=True)
    day = models.PositiveSmallIntegerField(_("出版日"), default=1)
    first_total = models.PositiveIntegerField(_("本年首期总期号"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    price_per_issue = models.PositiveIntegerField(_("单期价（分）"), null=True, blank=True)
    price_per_year = models.PositiveIntegerField(_("全年价（分）"), null=True, blank=True)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.POST_OFFICE
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("馆藏地点"),
    )
    # The newest issue stays in the reading room (不外借) until the next one comes.
    current_not_loanable = models.BooleanField(_("现刊不外借"), default=False)
    # "class/种次号" of the title's bound volumes, made at the first binding and kept
    # across years so a title's volumes stand together.
    call_number_base = models.CharField(_("合订本索书号"), max_length=60, blank=True)
    active = models.BooleanField(_("订阅中"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("期刊订阅")
        verbose_name_plural = _("期刊订阅")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "bib", "year"], name="subscription_one_per_title_year"
            ),
            models.CheckConstraint(condition=Q(copies__gte=1), name="subscription_copies_min"),
            models.CheckConstraint(
                condition=Q(frequency__in=list(prediction.FREQUENCIES)),
                name="subscription_frequency_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.year}"

    @property
    def pattern(self) -> prediction.Pattern:
        return prediction.Pattern(
            frequency=self.frequency,
            skip_months=frozenset(self.skip_months or ()),
            weekday=self.weekday,
            day=self.day,
            skip_weekdays=frozenset(self.skip_weekdays or ()),
        )

    @property
    def year_total(self) -> int | None:
        """What the year costs for all copies, in fen: the yearly price, else the issue
        price times the issues expected."""
        if self.price_per_year is not None:
            return self.price_per_year * self.copies
        if self.price_per_issue is not None:
            issues = len(prediction.year_issues(self.pattern, self.year))
            return self.price_per_issue * issues * self.copies
        return None


class SerialIssue(models.Model):
    """One issue of a subscription (期次): expected → received (→ bound), or claimed
    (催缺) while late."""

    class Status(models.TextChoices):
        EXPECTED = "expected", _("待到")
        RECEIVED = "received", _("已到")
        CLAIMED = "claimed", _("已催缺")
        BOUND = "bound", _("已装订")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="serial_issues")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="issues")
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("期号"))
    total = models.PositiveIntegerField(_("总期号"), null=True, blank=True)
    expected = models.DateField(_("预计出版日"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.EXPECTED
    )
    received_at = models.DateTimeField(_("登到时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("催缺时间"), null=True, blank=True)
    claim_count = models.PositiveSmallIntegerField(_("催缺次数"), default=0)
    bound_volume = models.ForeignKey(
        "BoundVolume",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
        verbose_name=_("合订本"),
    )

    class Meta:
        verbose_name = _("期次")
        verbose_name_plural = _("期次")
        ordering = ["year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "year", "number"], name="serial_issue_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["expected", "received", "claimed", "bound"]),
                name="serial_issue_status_valid",
            ),
            # A bound issue names its volume, and only a bound one does.
            models.CheckConstraint(
                condition=Q(status="bound", bound_volume__isnull=False)
                | (~Q(status="bound") & Q(bound_volume__isnull=True)),
                name="serial_issue_bound_has_volume",
            ),
        ]
        indexes = [models.Index(fields=["library", "status", "expected"], name="issue_due")]

    def __str__(self) -> str:
        return f"{self.subscription.title} {self.label}"

    @property
    def label(self) -> str:
        return prediction.issue_label(self.year, self.number, self.total)


class IssueCopy(models.Model):
    """A copy a received issue became: one catalog Item per subscribed copy."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="issue_copies")
    issue = models.ForeignKey(SerialIssue, on_delete=models.PROTECT, related_name="copies")
    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="serial_copy")
    bound = models.BooleanField(_("已装入合订本"), default=False)

    class Meta:
        verbose_name = _("期刊单册")
        verbose_name_plural = _("期刊单册")

    def __str__(self) -> str:
        return f"{self.issue_id}:{self.item_id}"


class BoundVolume(models.Model):
    """A bound volume (合订本): a title's issues of one year, bound into one loanable
    copy."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="bound_volumes")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="bound_volumes"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveSmallIntegerField(_("册次"))
    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="bound_volume")
    created_at = models.DateTimeField(_("装订时间"))

    class Meta:
        verbose_name = _("合订本")
        verbose_name_plural = _("合订本")
        ordering = ["year", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "year", "sequence"], name="bound_volume_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription.title} {self.year}-{self.sequence}"
