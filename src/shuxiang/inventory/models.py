"""Collection care (馆藏维护): stocktakes (清点), the repair queue (修补) and withdrawal
batches (剔旧、注销). Copies themselves are catalog's: they change only through
`catalog.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.catalog.models import Item
from shuxiang.core.models import Library, Location


class Stocktake(models.Model):
    """A stocktake session (清点): its scope (the whole library, some locations, a CLC
    class prefix), open while people scan, closed once with the reconciled figures."""

    class Status(models.TextChoices):
        OPEN = "open", _("清点中")
        CLOSED = "closed", _("已结束")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="stocktakes")
    name = models.CharField(_("名称"), max_length=100)
    locations = models.ManyToManyField(Location, blank=True, related_name="+")
    clc = models.CharField(_("分类号范围"), max_length=20, blank=True, default="")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(_("开始时间"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The reconciled figures at closing (the same keys as the live ones).
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("清点")
        verbose_name_plural = _("清点")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="stocktake_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StocktakeScan(models.Model):
    """One barcode seen in a stocktake. The database keeps one row per barcode and
    session, so two people (or a re-sent offline queue, a re-uploaded file) scanning the
    same book count it once. `run` groups the scans one person made along a shelf, in
    order (their ids), for the call-number order check."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="scans")
    barcode = models.CharField(_("条码号"), max_length=40)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run = models.CharField(max_length=60, blank=True, default="")
    scanned_at = models.DateTimeField(_("扫描时间"))
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("清点扫描")
        verbose_name_plural = _("清点扫描")
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "barcode"], name="stocktake_scan_once")
        ]

    def __str__(self) -> str:
        return self.barcode


class StocktakeFinding(models.Model):
    """What a closed stocktake found other than a book on its shelf: kept per copy, so
    the report lists them and the next stocktake compares (missing twice)."""

    class Outcome(models.TextChoices):
        MISSING = "missing", _("缺失")
        MISPLACED = "misplaced", _("错架")
        ON_LOAN = "on_loan", _("借出")
        ELSEWHERE = "elsewhere", _("修补中、预约架或在途")
        UNKNOWN = "unknown", _("未知条码")
        WITHDRAWN = "withdrawn", _("已注销图书")
        OUT_OF_ORDER = "out_of_order", _("排架顺序错误")
        RECOVERED = "recovered", _("找回")
        # Also listed as missing: a copy whose reader says it was returned (声称已还)
        # and that this stocktake did not find, a candidate for writing off.
        CLAIMED_MISSING = "claimed_missing", _("声称已还未找到")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="findings")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    barcode = models.CharField(_("条码号"), max_length=40)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["stocktake", "outcome"], name="stocktake_finding_outcome")]

    def __str__(self) -> str:
        return f"{self.barcode} {self.outcome}"


class Repair(models.Model):
    """A copy sent to repair (修补): open until it returns to the shelf or goes on to
    withdrawal. One open repair per copy."""

    class Status(models.TextChoices):
        OUT = "out", _("修补中")
        DONE = "done", _("已修复上架")
        WITHDRAWN = "withdrawn", _("转剔除")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OUT)
    note = models.CharField(_("损坏情况"), max_length=200, blank=True)
    previous_status = models.CharField(max_length=20, default="available")
    sent_at = models.DateTimeField(_("送修时间"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cost = models.PositiveIntegerField(_("修补费用（分）"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="out"), name="repair_one_open_per_item"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["out", "done", "withdrawn"]), name="repair_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}"


class Withdrawal(models.Model):
    """A withdrawal batch (剔旧/注销): proposed by a librarian, approved by a second
    person (a school leader or the admin), whose copies then become withdrawn."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    class Reason(models.TextChoices):
        WEEDING = "weeding", _("剔旧")
        LOST = "lost", _("遗失赔偿")
        DAMAGED = "damaged", _("损坏")
        TRANSFER = "transfer", _("调拨")
        OTHER = "other", _("其他")

    class Disposal(models.TextChoices):
        NONE = "", _("未处置")
        TRANSFER = "transfer", _("调拨")
        EXCHANGE = "exchange", _("交换")
        SALE = "sale", _("出售")
        SCRAP = "scrap", _("报废")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("批次号"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    proposed_at = models.DateTimeField(_("提出时间"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disposal = models.CharField(
        _("处置方式"), max_length=10, choices=Disposal.choices, blank=True, default=""
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "number"], name="withdrawal_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="withdrawal_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}"


class WithdrawalLine(models.Model):
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    withdrawal = models.ForeignKey(Withdrawal, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("注销原因"), max_length=10, choices=Withdrawal.Reason.choices)
    price = models.PositiveIntegerField(_("定价（分）"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["withdrawal", "item"], name="withdrawal_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.withdrawal_id}:{self.item_id}"


class RecallList(models.Model):
    """A list of titles to take off the shelves (下架清单), such as a recall list from
    the education bureau, imported from xlsx or CSV. Its entries' matches among the
    library's titles are weeding candidates (剔旧候选: 下架清单)."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("清单名称"), max_length=100)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("导入时间"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("下架清单")
        verbose_name_plural = _("下架清单")
        constraints = [
            models.UniqueConstraint(fields=["library", "name"], name="recall_list_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class RecallEntry(models.Model):
    """One title of a recall list as the list gives it (its row number kept)."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    recall_list = models.ForeignKey(RecallList, on_delete=models.PROTECT, related_name="entries")
    row = models.PositiveIntegerField(_("行号"))
    title = models.CharField(_("书名"), max_length=500, blank=True)
    author = models.CharField(_("著者"), max_length=200, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    isbn_text = models.CharField(_("ISBN（原文）"), max_length=40, blank=True)
    publisher = models.CharField(_("出版社"), max_length=200, blank=True)
    reason = models.CharField(_("下架原因"), max_length=200, blank=True)

    def __str__(self) -> str:
        return self.title or self.isbn_text


class RecallMatch(models.Model):
    """A title of the library that a recall list's entry names: by ISBN or by title
    and author; `doubt` says what the librarian should check (an ISBN shared by a set,
    a title matched without an author)."""

    class By(models.TextChoices):
        ISBN = "isbn", _("ISBN")
        TITLE = "title", _("书名和著者")

    class Doubt(models.TextChoices):
        NONE = "", _("无")
        TITLES_DIFFER = "titles_differ", _("ISBN 相同但书名不同，请核对")
        TITLE_ONLY = "title_only", _("清单未列著者，仅按书名匹配，请核对")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(RecallEntry, on_delete=models.PROTECT, related_name="matches")
    bib = models.ForeignKey("catalog.Bib", on_delete=models.PROTECT, related_name="+")
    by = models.CharField(max_length=10, choices=By.choices)
    doubt = models.CharField(max_length=20, choices=Doubt.choices, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "bib"], name="recall_match_once"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.bib_id}"
