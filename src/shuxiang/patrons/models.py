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
    school_year = models.PositiveSmallIntegerField(_("学年"), help_text=_("学年开始的年份，如 2026 表示 2026—2027 学年"))
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
            models.UniqueConstraint(fields=["library", "school_year", "name"], name="class_name_unique"),
            models.UniqueConstraint(
                fields=["library", "school_year", "grade", "number"], name="class_grade_number_unique"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="class_grade_range"),
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
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, default="")
    category = models.CharField(_("读者类型"), max_length=10, choices=Category.choices, default=Category.STUDENT)
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="patrons", verbose_name=_("班级")
    )
    student_number = models.CharField(_("学号"), max_length=40, null=True, blank=True)
    campus_card = models.CharField(_("一卡通号"), max_length=40, null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    block_reason = models.CharField(_("停借原因"), max_length=200, blank=True)
    keep_history = models.BooleanField(_("保留借阅历史"), default=True)
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
                condition=Q(status__in=["active", "blocked", "graduated", "left"]), name="patron_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.card_number}）"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        from shuxiang.core import pinyin

        self.name_pinyin = pinyin.full(self.name, is_name=True)
        self.name_initials = pinyin.initials(self.name, is_name=True)
        super().save(*args, **kwargs)
