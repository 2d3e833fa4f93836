"""Acquisitions (采访): vendors, yearly budgets, purchase batches with their order lines,
the copies each batch brought in, and readers' purchase suggestions (荐购). The number
series (accession numbers and the barcode range) belong to catalog, which draws from
them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.catalog.models import Bib, Item
from shuxiang.core.models import Library
from shuxiang.patrons.models import Patron


class Vendor(models.Model):
    """A bookseller or distributor (供应商/书商)."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="vendors")
    name = models.CharField(_("名称"), max_length=200)
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("供应商")
        verbose_name_plural = _("供应商")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["library", "name"], name="vendor_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Budget(models.Model):
    """The year's acquisitions budget (购书经费), in fen."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.PositiveBigIntegerField(_("金额（分）"))
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("购书经费")
        verbose_name_plural = _("购书经费")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["library", "year"], name="budget_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}"


class PurchaseBatch(models.Model):
    """A purchase batch (采购批次): one order to one vendor, received as a whole or in parts."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("拟订")
        ORDERED = "ordered", _("已订购")
        RECEIVED = "received", _("已验收")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="purchase_batches")
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
        verbose_name=_("供应商"),
    )
    name = models.CharField(_("批次名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    ordered_on = models.DateField(_("订购日期"), null=True, blank=True)
    received_on = models.DateField(_("验收日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("采购批次")
        verbose_name_plural = _("采购批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class OrderLine(models.Model):
    """One title of a batch: how many copies were ordered and how many arrived."""

    batch = models.ForeignKey(PurchaseBatch, on_delete=models.CASCADE, related_name="lines")
    title = models.CharField(_("书名"), max_length=500)
    author = models.CharField(_("著者"), max_length=300, blank=True)
    publisher = models.CharField(_("出版社"), max_length=200, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=20, blank=True, db_index=True)
    price = models.PositiveIntegerField(_("定价（分）"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("订数"), default=1)
    received = models.PositiveIntegerField(_("到书"), default=0)
    bib = models.ForeignKey(Bib, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("订购明细")
        verbose_name_plural = _("订购明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return self.title


class BatchItem(models.Model):
    """A copy that came in with a batch: for the batch's labels and the year's spending."""

    batch = models.ForeignKey(PurchaseBatch, on_delete=models.PROTECT, related_name="batch_items")
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="purchase")

    class Meta:
        verbose_name = _("批次单册")
        verbose_name_plural = _("批次单册")

    def __str__(self) -> str:
        return f"{self.batch} · {self.item}"


class PurchaseSuggestion(models.Model):
    """A title readers asked the library to buy (荐购). The same book asked for by several
    readers is one suggestion with several askers (`SuggestionAsker`); the librarian
    accepts it into a purchase batch (an order line) or declines it with a reason."""

    class Status(models.TextChoices):
        NEW = "new", _("待处理")
        ACCEPTED = "accepted", _("已采纳")
        ORDERED = "ordered", _("已订购")
        RECEIVED = "received", _("已到馆")
        DECLINED = "declined", _("未采纳")

    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="purchase_suggestions"
    )
    title = models.CharField(_("书名"), max_length=500)
    author = models.CharField(_("著者"), max_length=300, blank=True)
    publisher = models.CharField(_("出版社"), max_length=200, blank=True)
    # The ISBN-13 (normalized with catalog.isbn), or "" when the reader gave none.
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    # The title and author folded for matching asks (acquisitions.rules.fold_title),
    # cut to a length that keeps the unique index small on PostgreSQL.
    title_key = models.CharField(max_length=200)
    author_key = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.NEW)
    decline_reason = models.CharField(_("未采纳原因"), max_length=200, blank=True)
    batch = models.ForeignKey(
        PurchaseBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("采购批次"),
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("荐购时间"))

    class Meta:
        verbose_name = _("读者荐购")
        verbose_name_plural = _("读者荐购")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "accepted", "ordered", "received", "declined"]),
                name="suggestion_status_valid",
            ),
            # A declined suggestion always says why.
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="suggestion_declined_has_reason",
            ),
            # An accepted (ordered, received) suggestion is in a batch.
            models.CheckConstraint(
                condition=Q(status__in=["new", "declined"]) | Q(batch__isnull=False),
                name="suggestion_accepted_has_batch",
            ),
            # The same book asked in the same words is one open suggestion, however
            # many readers ask at once.
            models.UniqueConstraint(
                fields=["library", "isbn", "title_key", "author_key"],
                condition=Q(status__in=["new", "accepted", "ordered"]),
                name="suggestion_one_open_per_book",
            ),
        ]
        indexes = [
            models.Index(fields=["library", "status"], name="suggestion_library_status"),
            models.Index(fields=["library", "isbn"], name="suggestion_library_isbn"),
            models.Index(fields=["library", "title_key"], name="suggestion_library_title"),
        ]

    def __str__(self) -> str:
        return self.title


class SuggestionAsker(models.Model):
    """One reader asking for a suggested title, with their reason (荐购理由)."""

    suggestion = models.ForeignKey(
        PurchaseSuggestion, on_delete=models.CASCADE, related_name="askers"
    )
    patron = models.ForeignKey(
        Patron,
        on_delete=models.PROTECT,
        related_name="purchase_suggestions",
        verbose_name=_("读者"),
    )
    note = models.CharField(_("荐购理由"), max_length=500, blank=True)
    # The reader was told the library holds the title and asked all the same.
    insisted = models.BooleanField(_("已知有馆藏"), default=False)
    asked_at = models.DateTimeField(_("荐购时间"))

    class Meta:
        verbose_name = _("荐购读者")
        verbose_name_plural = _("荐购读者")
        ordering = ["asked_at", "id"]
        constraints = [
            # A reader asks for a suggestion once.
            models.UniqueConstraint(fields=["suggestion", "patron"], name="suggestion_asker_once"),
        ]

    def __str__(self) -> str:
        return f"{self.suggestion} · {self.patron}"
