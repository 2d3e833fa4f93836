"""Readers (Patron) and the school classes they belong to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.core.models import Library


class SchoolClass(models.Model):
    """A class in one school year (七年级3班, 2026–2027). Promotion makes next year's
    classes; old ones stay so that last year's statistics keep their classes."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="classes")
    school_year = models.PositiveSmallIntegerField(
        _("学年"), help_text=_("学年开始的年份，如 2026 表示 2026—2027 学年")
    )
    grade = models.PositiveSmallIntegerField(_("年级"), help_text=_("1—12：一年级至高三"))
    number = models.PositiveSmallIntegerField(_("班号"))
    name = models.CharField(_("班级"), max_length=40)
    homeroom_teacher = models.ForeignKey(
        "Patron",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("班主任"),
    )
    assistants = models.ManyToManyField(
        "Patron", blank=True, related_name="assisted_classes", verbose_name=_("班级图书管理员")
    )

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["school_year", "grade", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "school_year", "name"], name="class_name_unique"
            ),
            models.UniqueConstraint(
                fields=["library", "school_year", "grade", "number"],
                name="class_grade_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=12), name="class_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Patron(models.Model):
    """A reader (读者): a student, a teacher or other staff."""

    class Category(models.TextChoices):
        STUDENT = "student", _("学生")
        TEACHER = "teacher", _("教师")
        STAFF = "staff", _("职工")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        BLOCKED = "blocked", _("停借")
        GRADUATED = "graduated", _("已毕业")
        LEFT = "left", _("已离校")

    class Gender(models.TextChoices):
        UNKNOWN = "", _("未填")
        MALE = "m", _("男")
        FEMALE = "f", _("女")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="patrons")
    card_number = models.CharField(_("借书证号"), max_length=40)
    name = models.CharField(_("姓名"), max_length=60)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=120, blank=True, db_index=True)
    name_initials = models.CharField(_("姓名首字母"), max_length=30, blank=True, db_index=True)
    gender = models.CharField(
        _("性别"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    category = models.CharField(
        _("读者类型"), max_length=10, choices=Category.choices, default=Category.STUDENT
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patrons",
        verbose_name=_("班级"),
    )
    student_number = models.CharField(_("学号"), max_length=40, null=True, blank=True)
    campus_card = models.CharField(_("一卡通号"), max_length=40, null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    block_reason = models.CharField(_("停借原因"), max_length=200, blank=True)
    keep_history = models.BooleanField(_("保留借阅历史"), default=True)
    # A graduate or leaver with open loans or fees stays on the clearance list (毕业离校清还)
    # until cleared or waived; `departure` says which status they will end in.
    departure = models.CharField(
        _("待离校"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("否")), ("graduated", _("毕业")), ("left", _("离校"))],
    )
    left_on = models.DateField(_("离校日期"), null=True, blank=True)
    # The one anonymous reader per library that anonymized loans point to.
    anonymous = models.BooleanField(_("匿名占位读者"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patron",
        verbose_name=_("登录账号"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("读者")
        verbose_name_plural = _("读者")
        constraints = [
            models.UniqueConstraint(fields=["library", "card_number"], name="patron_card_unique"),
            models.UniqueConstraint(
                fields=["library", "student_number"],
                condition=Q(student_number__isnull=False),
                name="patron_student_number_unique",
            ),
            models.UniqueConstraint(
                fields=["library", "campus_card"],
                condition=Q(campus_card__isnull=False),
                name="patron_campus_card_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "blocked", "graduated", "left"]),
                name="patron_status_valid",
            ),
            models.UniqueConstraint(
                fields=["library"], condition=Q(anonymous=True), name="patron_one_anonymous"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.card_number}）"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.fill_pinyin()
        super().save(*args, **kwargs)

    def fill_pinyin(self) -> None:
        """Compute the search forms of the name (also for bulk_create, which skips save)."""
        from shuxiang.core import pinyin

        self.name_pinyin = pinyin.full(self.name, is_name=True)
        self.name_initials = pinyin.initials(self.name, is_name=True)


class RetiredCard(models.Model):
    """A card number that no longer works (挂失 or replaced). Kept so the number is never
    given to anyone else and a scan of it says what happened."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="retired_cards")
    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="retired_cards")
    card_number = models.CharField(_("借书证号"), max_length=40)
    reason = models.CharField(_("原因"), max_length=20, default="lost")
    retired_at = models.DateTimeField(_("停用时间"))
    replaced_by = models.CharField(_("新证号"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("停用的借书证")
        verbose_name_plural = _("停用的借书证")
        ordering = ["-retired_at"]
        constraints = [
            models.UniqueConstraint(fields=["library", "card_number"], name="retired_card_unique"),
        ]

    def __str__(self) -> str:
        return self.card_number


class ReaderSettings(models.Model):
    """A library's reader and privacy settings (students are minors: PIPL applies)."""

    library = models.OneToOneField(
        Library, on_delete=models.CASCADE, related_name="reader_settings"
    )
    homeroom_sees_history = models.BooleanField(_("班主任可查看本班学生借阅历史"), default=False)
    anonymize_after_years = models.PositiveSmallIntegerField(
        _("毕业离校后借阅历史匿名化（年）"), default=3
    )

    class Meta:
        verbose_name = _("读者设置")
        verbose_name_plural = _("读者设置")

    def __str__(self) -> str:
        return str(self.library)


class PromotionRun(models.Model):
    """One promotion (升级) of a library from one school year to the next; the unique
    constraint refuses a second promotion of the same year even when two run at once."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="promotions")
    from_year = models.PositiveSmallIntegerField(_("原学年"))
    to_year = models.PositiveSmallIntegerField(_("新学年"))
    at = models.DateTimeField(_("时间"))
    by_name = models.CharField(_("操作人"), max_length=150, blank=True)
    classes_created = models.PositiveIntegerField(default=0)
    students_moved = models.PositiveIntegerField(default=0)
    students_graduated = models.PositiveIntegerField(default=0)
    students_pending = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        ordering = ["-from_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "from_year"], name="promotion_once_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_year} → {self.to_year}"
