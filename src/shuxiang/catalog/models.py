"""Bibliographic records (Bib), their call numbers, and the copies (Item) on the shelves."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.core.models import Library, Location


class Bib(models.Model):
    """A title (书目记录). Authors, subjects and ISBNs are small lists kept as JSON."""

    class MaterialType(models.TextChoices):
        BOOK = "book", _("图书")
        PERIODICAL = "periodical", _("期刊")
        AUDIO_VISUAL = "audio_visual", _("音像资料")
        E_RESOURCE = "e_resource", _("电子资源")

    class MarcFormat(models.TextChoices):
        NONE = "", _("无")
        MARC21 = "marc21", "MARC 21"
        CNMARC = "cnmarc", "CNMARC"

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="bibs")
    title = models.CharField(_("题名"), max_length=500)
    parallel_title = models.CharField(_("并列题名"), max_length=500, blank=True)
    responsibility = models.CharField(_("责任说明"), max_length=500, blank=True)
    # [{"name": "鲁迅", "role": "著"}, ...]
    authors = models.JSONField(_("著者"), default=list, blank=True)
    edition = models.CharField(_("版本"), max_length=100, blank=True)
    publisher = models.CharField(_("出版社"), max_length=200, blank=True)
    place = models.CharField(_("出版地"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("出版年"), null=True, blank=True)
    pages = models.CharField(_("页数"), max_length=100, blank=True)
    size = models.CharField(_("尺寸"), max_length=50, blank=True)
    # The first valid ISBN, normalized to 13 digits; all valid ones in `isbns`, and the
    # ones that do not validate (or 统一书号) kept as written in `invalid_isbns`.
    # Looked up within a library only: the (library, isbn) index below serves it.
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    isbns = models.JSONField(default=list, blank=True)
    invalid_isbns = models.JSONField(_("无效 ISBN"), default=list, blank=True)
    price = models.PositiveIntegerField(_("定价（分）"), null=True, blank=True)
    clc = models.CharField(_("分类号"), max_length=60, blank=True, db_index=True)
    subjects = models.JSONField(_("主题词"), default=list, blank=True)
    series = models.CharField(_("丛书"), max_length=300, blank=True)
    summary = models.TextField(_("提要"), blank=True)
    language = models.CharField(_("语种"), max_length=10, blank=True)
    material_type = models.CharField(
        _("资料类型"), max_length=20, choices=MaterialType.choices, default=MaterialType.BOOK
    )
    # The record as it came in, so that export gives back every field nobody edited.
    marc_format = models.CharField(
        max_length=10, choices=MarcFormat.choices, blank=True, default=""
    )
    marc_record = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("书目")
        verbose_name_plural = _("书目")
        indexes = [models.Index(fields=["library", "isbn"], name="bib_library_isbn")]

    def __str__(self) -> str:
        return self.title

    @property
    def first_author(self) -> str:
        return self.authors[0]["name"] if self.authors else ""


class CallNumber(models.Model):
    """索书号: class number / 种次号 (or author mark), one per title (or volume) per
    library, shared by all the copies."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="call_numbers")
    bib = models.ForeignKey(Bib, on_delete=models.PROTECT, related_name="call_numbers")
    volume = models.CharField(_("卷册"), max_length=40, blank=True, default="")
    value = models.CharField(_("索书号"), max_length=80)

    class Meta:
        verbose_name = _("索书号")
        verbose_name_plural = _("索书号")
        constraints = [
            models.UniqueConstraint(fields=["library", "value"], name="call_number_unique"),
            models.UniqueConstraint(
                fields=["library", "bib", "volume"], name="call_number_one_per_title"
            ),
        ]

    def __str__(self) -> str:
        return self.value


class Item(models.Model):
    """A copy on the shelf (单册)."""

    class CirculationType(models.TextChoices):
        NORMAL = "normal", _("普通外借")
        REFERENCE = "reference", _("参考工具书（不外借）")
        PERIODICAL = "periodical", _("期刊")
        AUDIO_VISUAL = "audio_visual", _("音像资料")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("在架")
        ON_LOAN = "on_loan", _("借出")
        ON_HOLD_SHELF = "on_hold_shelf", _("预约架")
        IN_TRANSIT = "in_transit", _("在途")
        IN_REPAIR = "in_repair", _("修补中")
        MISSING = "missing", _("丢失待查")
        LOST = "lost", _("遗失")
        WITHDRAWN = "withdrawn", _("已注销")

    class Source(models.TextChoices):
        PURCHASE = "purchase", _("采购")
        DONATION = "donation", _("捐赠")
        TRANSFER = "transfer", _("调拨")
        OTHER = "other", _("其他")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="items")
    bib = models.ForeignKey(Bib, on_delete=models.PROTECT, related_name="items")
    barcode = models.CharField(_("条码号"), max_length=40)
    accession_number = models.CharField(_("登录号"), max_length=40, null=True, blank=True)
    call_number = models.ForeignKey(
        CallNumber,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("索书号"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("馆藏地点"),
    )
    circulation_type = models.CharField(
        _("流通类型"),
        max_length=20,
        choices=CirculationType.choices,
        default=CirculationType.NORMAL,
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.AVAILABLE
    )
    price = models.PositiveIntegerField(_("实价（分）"), null=True, blank=True)
    acquired_on = models.DateField(_("入藏日期"), null=True, blank=True)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.PURCHASE
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("单册")
        verbose_name_plural = _("单册")
        constraints = [
            models.UniqueConstraint(fields=["library", "barcode"], name="item_barcode_unique"),
            models.UniqueConstraint(
                fields=["library", "accession_number"],
                condition=Q(accession_number__isnull=False),
                name="item_accession_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "available",
                        "on_loan",
                        "on_hold_shelf",
                        "in_transit",
                        "in_repair",
                        "missing",
                        "lost",
                        "withdrawn",
                    ]
                ),
                name="item_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["library", "status"], name="item_library_status")]

    def __str__(self) -> str:
        return self.barcode


class NumberSeries(models.Model):
    """A per-library counter: accession numbers (登录号) handed out in order without
    gaps, or the barcode range (条码号段) of the pre-printed or printed labels. The row is
    locked while a number is drawn, so two desks never get the same one."""

    class Kind(models.TextChoices):
        ACCESSION = "accession", _("登录号")
        BARCODE = "barcode", _("条码号")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="number_series")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    prefix = models.CharField(_("前缀"), max_length=10, blank=True)
    width = models.PositiveSmallIntegerField(_("数字位数"), default=6)
    next_value = models.PositiveBigIntegerField(_("下一个号码"), default=1)
    # The end of a barcode range (inclusive); empty means open-ended.
    last_value = models.PositiveBigIntegerField(_("号段终止"), null=True, blank=True)

    class Meta:
        verbose_name = _("号码序列")
        verbose_name_plural = _("号码序列")
        # The table was made by acquisitions, which first held the model; it keeps its name.
        db_table = "acquisitions_numberseries"
        constraints = [
            models.UniqueConstraint(fields=["library", "kind"], name="number_series_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.format(self.next_value)}"

    def format(self, value: int) -> str:
        return f"{self.prefix}{value:0{self.width}d}"
