"""Acquisitions (采访): vendors, yearly budgets, purchase batches with their order lines,
and the copies each batch brought in. The number series (accession numbers and the
barcode range) belong to catalog, which draws from them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.catalog.models import Bib, Item
from shuxiang.core.models import Library


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
