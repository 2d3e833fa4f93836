from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shuxiang.core.models import Library


class ReportSettings(models.Model):
    """How a library's figures are measured: its school level and the standard it is held
    to, which definition of 借书率 it uses, and whether the public page is published."""

    class Level(models.TextChoices):
        AUTO = "", _("按班级年级判断")
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初级中学")
        SENIOR = "senior", _("高级中学")
        COMPLETE = "complete", _("完全中学")

    class Basis(models.TextChoices):
        STUDENTS = "students", _("学生：借过书的学生数 ÷ 学生数")
        READERS = "readers", _("全体读者：借过书的读者数 ÷ 读者数")

    library = models.OneToOneField(
        Library, on_delete=models.CASCADE, related_name="report_settings"
    )
    school_level = models.CharField(
        _("学校类别"), max_length=10, choices=Level.choices, blank=True, default=""
    )
    standard = models.CharField(_("对照标准"), max_length=40, default="national-2018")
    borrowing_rate_basis = models.CharField(
        _("借书率口径"), max_length=10, choices=Basis.choices, default=Basis.STUDENTS
    )
    published = models.BooleanField(_("在校园网公布统计"), default=False)

    class Meta:
        verbose_name = _("统计设置")
        verbose_name_plural = _("统计设置")

    def __str__(self) -> str:
        return f"{self.library_id}: {self.standard}"
