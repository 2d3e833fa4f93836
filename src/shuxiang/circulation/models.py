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
            models.Index(fields=["school_class", "status"], name="loan_class_status"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.patron_id or self.school_class_id} ({self.status})"
