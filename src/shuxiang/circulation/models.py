"""Loans and the loan policy matrix.

The rules that read these live in `rules.py` (pure Python); the changes go through
`services.py`, one transaction each.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.catalog.models import Item
from shuxiang.core.models import AuditEvent, Library
from shuxiang.patrons.models import Patron, SchoolClass


class LoanPolicy(models.Model):
    """One cell of the policy matrix: reader category (and optionally grade) × the item's
    circulation type. grade 0 means every grade."""

    class FixedDue(models.TextChoices):
        NONE = "", _("按天数")
        TERM_END = "term_end", _("学期末")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="loan_policies")
    patron_category = models.CharField(
        _("读者类型"), max_length=10, choices=Patron.Category.choices
    )
    grade = models.PositiveSmallIntegerField(_("年级"), default=0, help_text=_("0 表示所有年级"))
    circulation_type = models.CharField(
        _("流通类型"), max_length=20, choices=Item.CirculationType.choices
    )
    loanable = models.BooleanField(_("可外借"), default=True)
    loan_days = models.PositiveSmallIntegerField(_("借期（天）"), default=14)
    fixed_due = models.CharField(
        _("固定到期"), max_length=10, choices=FixedDue.choices, blank=True, default=""
    )
    max_loans = models.PositiveSmallIntegerField(_("最多可借（册）"), default=2)
    renewals = models.PositiveSmallIntegerField(_("可续借次数"), default=1)
    renewal_days = models.PositiveSmallIntegerField(_("续借天数"), default=14)
    fine_per_day = models.PositiveIntegerField(_("每日罚款（分）"), default=0)
    grace_days = models.PositiveSmallIntegerField(_("宽限天数"), default=0)
    fine_cap = models.PositiveIntegerField(
        _("罚款上限（分）"), default=0, help_text=_("0 表示不设上限")
    )
    holds_allowed = models.BooleanField(_("可预约"), default=True)
    block_overdue_days = models.PositiveSmallIntegerField(
        _("逾期停借天数"), default=0, help_text=_("逾期超过此天数停止借阅；0 表示不停借")
    )
    block_fees = models.PositiveIntegerField(
        _("欠费停借金额（分）"), default=0, help_text=_("欠费超过此金额停止借阅；0 表示不停借")
    )

    class Meta:
        verbose_name = _("借阅规则")
        verbose_name_plural = _("借阅规则")
        ordering = ["patron_category", "grade", "circulation_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "patron_category", "grade", "circulation_type"],
                name="loan_policy_cell_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_patron_category_display()} × {self.get_circulation_type_display()}"


class Loan(models.Model):
    """A loan: on loan → returned / lost / claimed returned.

    The borrower is a reader or a class (班级集体借阅), never both. The database keeps at
    most one open loan per item, whatever two desks do at the same moment.
    """

    class Status(models.TextChoices):
        ON_LOAN = "on_loan", _("借出")
        RETURNED = "returned", _("已还")
        LOST = "lost", _("遗失")
        CLAIMED_RETURNED = "claimed_returned", _("声称已还")

    # Every check-out writes each index of this table, and a school keeps a million
    # loans: foreign keys whose lookups a composite index below already serves (library,
    # patron, class) or that nobody searches by (who lent, who took back) get none.
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="loans", db_index=False
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="loans")
    patron = models.ForeignKey(
        Patron,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        db_index=False,
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="class_loans",
        db_index=False,
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ON_LOAN
    )
    checked_out_at = models.DateTimeField(_("借出时间"))
    due_date = models.DateField(_("应还日期"))
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(_("已续借次数"), default=0)
    channel = models.CharField(_("借出渠道"), max_length=10, choices=AuditEvent.Channel.choices)
    checkin_channel = models.CharField(
        max_length=10, choices=AuditEvent.Channel.choices, blank=True
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # The reader as they were on the day of the loan, so statistics survive promotion.
    patron_category = models.CharField(max_length=10, choices=Patron.Category.choices, blank=True)
    patron_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    class_at_loan = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans_at_the_time",
    )
    class_name_at_loan = models.CharField(max_length=40, blank=True)
    # A class loan's custodian: the class's student assistant (班级图书管理员).
    custodian = models.ForeignKey(
        Patron,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # A loan the reader says was returned (声称已还): when the librarian recorded it and
    # what the reader said. Nullable, so that adding them to a school's million loans is
    # an ALTER TABLE ADD COLUMN on SQLite rather than a rebuilt table.
    claimed_at = models.DateTimeField(_("登记声称已还时间"), null=True, blank=True)
    claim_note = models.CharField(_("声称已还说明"), max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = _("借阅记录")
        verbose_name_plural = _("借阅记录")
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="on_loan"), name="loan_one_open_per_item"
            ),
            models.CheckConstraint(
                condition=(Q(patron__isnull=False) & Q(school_class__isnull=True))
                | (Q(patron__isnull=True) & Q(school_class__isnull=False)),
                name="loan_one_borrower",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["on_loan", "returned", "lost", "claimed_returned"]),
                name="loan_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="on_loan", returned_at__isnull=True) | ~Q(status="on_loan"),
                name="loan_open_not_returned",
            ),
        ]
        indexes = [
            models.Index(fields=["patron", "status"], name="loan_patron_status"),
            models.Index(fields=["library", "status", "due_date"], name="loan_library_status_due"),
            models.Index(fields=["library", "checked_out_at"], name="loan_library_out"),
            # today's returns on the dashboard
            models.Index(fields=["library", "returned_at"], name="loan_library_returned"),
            models.Index(fields=["school_class", "status"], name="loan_class_status"),
        ]

    # The audit log names a loan's reader by pseudonym (core.audit), and the loan's own
    # name leaves the reader out, so that anonymizing a history leaves nothing behind.
    audit_reader_field = "patron_id"

    def __str__(self) -> str:
        if self.school_class_id:
            return f"{self.item_id} → {self.school_class_id} ({self.status})"
        return f"{self.item_id} ({self.status})"


class CirculationSettings(models.Model):
    """A library's hold and compensation (赔偿) settings. Money in fen."""

    library = models.OneToOneField(
        Library, on_delete=models.CASCADE, related_name="circulation_settings"
    )
    hold_pickup_days = models.PositiveSmallIntegerField(_("预约保留天数（开馆日）"), default=3)
    max_holds = models.PositiveSmallIntegerField(_("每位读者最多预约（种）"), default=3)
    lost_factor_percent = models.PositiveSmallIntegerField(
        _("遗失赔偿倍数（%）"), default=100, help_text=_("按定价的百分比赔偿，如 200 表示两倍")
    )
    lost_processing_fee = models.PositiveIntegerField(_("遗失加工费（分）"), default=500)
    lost_default_price = models.PositiveIntegerField(_("无定价时按此价格（分）"), default=3000)
    damage_minor_percent = models.PositiveSmallIntegerField(_("轻度损坏（%定价）"), default=10)
    damage_major_percent = models.PositiveSmallIntegerField(_("严重损坏（%定价）"), default=50)
    refund_processing_fee = models.BooleanField(_("找回遗失书时退还加工费"), default=False)

    class Meta:
        verbose_name = _("流通设置")
        verbose_name_plural = _("流通设置")

    def __str__(self) -> str:
        return str(self.library)


class Hold(models.Model):
    """A hold (预约) on a title: waiting → ready (a copy on the hold shelf) → fulfilled,
    or cancelled / expired. The queue is per title and library, first placed first."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("排队中")
        READY = "ready", _("已到书")
        FULFILLED = "fulfilled", _("已借出")
        CANCELLED = "cancelled", _("已取消")
        EXPIRED = "expired", _("已过期")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="holds")
    bib = models.ForeignKey("catalog.Bib", on_delete=models.PROTECT, related_name="holds")
    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="holds")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    placed_at = models.DateTimeField(_("预约时间"))
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="holds"
    )
    ready_at = models.DateTimeField(_("到书时间"), null=True, blank=True)
    expires_on = models.DateField(_("保留至"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        constraints = [
            models.UniqueConstraint(
                fields=["patron", "bib"],
                condition=Q(status__in=["waiting", "ready"]),
                name="hold_one_active_per_title",
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="ready"), name="hold_one_ready_per_item"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "ready", "fulfilled", "cancelled", "expired"]),
                name="hold_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["bib", "status", "placed_at"], name="hold_bib_queue"),
            models.Index(fields=["patron", "status"], name="hold_patron_status"),
            models.Index(fields=["library", "status"], name="hold_library_status"),
        ]

    audit_reader_field = "patron_id"

    def __str__(self) -> str:
        return f"{self.bib_id} ({self.status})"


class Fee(models.Model):
    """A fee a reader owes: an overdue fine (罚款) or compensation (赔偿) for a lost or
    damaged copy. open → paid / waived; a paid lost-book fee may be refunded when the
    copy turns up."""

    class Kind(models.TextChoices):
        FINE = "fine", _("逾期罚款")
        LOST = "lost", _("遗失赔偿")
        DAMAGED = "damaged", _("损坏赔偿")

    class Status(models.TextChoices):
        OPEN = "open", _("未缴")
        PAID = "paid", _("已缴")
        WAIVED = "waived", _("已减免")
        REFUNDED = "refunded", _("已退款")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="fees")
    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="fees")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    amount = models.PositiveIntegerField(_("金额（分）"))
    # The part of a lost-book fee that pays for processing the replacement (加工费).
    processing_fee = models.PositiveIntegerField(_("其中加工费（分）"), default=0)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="fees"
    )
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="fees"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("产生时间"))
    closed_at = models.DateTimeField(_("结清时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("费用")
        verbose_name_plural = _("费用")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["fine", "lost", "damaged"]), name="fee_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "paid", "waived", "refunded"]),
                name="fee_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["patron", "status"], name="fee_patron_status")]

    audit_reader_field = "patron_id"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Payment(models.Model):
    """Money in or out for a fee: a payment (缴费), a waiver (减免) or a refund (退款),
    each with its receipt number; a waiver carries its reason."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("缴费")
        WAIVER = "waiver", _("减免")
        REFUND = "refund", _("退款")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="payments")
    fee = models.ForeignKey(Fee, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    amount = models.PositiveIntegerField(_("金额（分）"))
    receipt_number = models.CharField(_("收据号"), max_length=30)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("收退款记录")
        verbose_name_plural = _("收退款记录")
        constraints = [
            models.UniqueConstraint(
                fields=["library", "receipt_number"], name="payment_receipt_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class PatronBlock(models.Model):
    """A manual block (停借) with its reason, until a librarian lifts it. Automatic blocks
    (overdue, unpaid fees, card expired) are computed by the rules and need no row."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="patron_blocks")
    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="blocks")
    reason = models.CharField(_("原因"), max_length=200)
    created_at = models.DateTimeField(_("停借时间"))
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("停借")
        verbose_name_plural = _("停借")
        indexes = [models.Index(fields=["patron", "lifted_at"], name="block_patron_open")]

    def __str__(self) -> str:
        return f"{self.patron_id}: {self.reason}"


class ClassLoanTransfer(models.Model):
    """A class exchange (班级图书交换): a class collection moved to another class in one
    step. The old class's loans end as returned, the new class's start; this row keeps
    which copies went where."""

    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="class_loan_transfers"
    )
    from_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="transfers_in")
    at = models.DateTimeField(_("交换时间"))
    barcodes = models.JSONField(_("条码号"), default=list)
    due_date = models.DateField(_("应还日期"))
    by_name = models.CharField(_("操作人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("班级图书交换")
        verbose_name_plural = _("班级图书交换")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.from_class_id} → {self.to_class_id}"


class ReceiptSequence(models.Model):
    """The last receipt number (收据号) given out by a library on a day. Two desks taking
    money at the same moment each lock this row in turn (`fees._next_receipt`), so every
    payment, waiver and refund gets the next number of the day, without gaps (a rolled
    back payment rolls its number back too) and without a duplicate."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "day"], name="receipt_sequence_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.day} {self.last}"


class DeskScan(models.Model):
    """A check-out or check-in the desk made, by the id its browser gave the scan.

    The desk queues scans while the server cannot be reached and sends them again when
    it can; a scan whose answer was lost may arrive twice. The row is written in the
    same transaction as the loan or the return, so a scan id is applied at most once,
    and a scan sent again is answered with the first outcome. A refusal is kept too (in
    a transaction of its own, nothing else having been written). Rows older than a few
    weeks are deleted by a housekeeping job: a browser's queue never waits that long."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+", db_index=False)
    scan_id = models.UUIDField()
    created_at = models.DateTimeField()
    outcome = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "scan_id"], name="desk_scan_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.scan_id}"
