from __future__ import annotations

from django.conf import settings
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


class RuleSet(models.Model):
    """A rule set (标准) a library loaded from a file of its own: a provincial standard,
    kept as the checked JSON (`reports.rule_sets`). The built-in ones are files in
    `reports/standards/` and are not stored here."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    data = models.JSONField(_("标准内容"))
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("对照标准")
        verbose_name_plural = _("对照标准")
        constraints = [
            models.UniqueConstraint(fields=["library", "code"], name="rule_set_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ReadingList(models.Model):
    """A recommended reading list (推荐书目, e.g. 《中小学生阅读指导目录》) imported from a
    file, with its titles matched to the library's catalog."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("书目名称"), max_length=100)
    file_name = models.CharField(_("导入文件"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("导入时间"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    matched_at = models.DateTimeField(_("匹配时间"))

    class Meta:
        verbose_name = _("推荐书目")
        verbose_name_plural = _("推荐书目")
        constraints = [
            models.UniqueConstraint(fields=["library", "name"], name="reading_list_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ReadingListEntry(models.Model):
    """One title of a reading list as the file gives it; `title_key` and `author_key`
    are the folded forms it is matched by (catalog.maintenance.merge)."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("题名"), max_length=500)
    author = models.CharField(_("作者"), max_length=300, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    category = models.CharField(_("类别"), max_length=100, blank=True)
    level = models.CharField(_("学段"), max_length=100, blank=True)
    title_key = models.CharField(max_length=500)
    author_key = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("推荐书目条目")
        verbose_name_plural = _("推荐书目条目")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["reading_list", "position"], name="reading_list_entry_position"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReadingListMatch(models.Model):
    """A title of the catalog that holds a reading list's entry, and how it was found."""

    class How(models.TextChoices):
        ISBN = "isbn", _("ISBN")
        TITLE = "title", _("题名和作者")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(ReadingListEntry, on_delete=models.CASCADE, related_name="matches")
    # A title merged away (catalog maintenance) takes its matches with it; the next
    # matching finds the kept title.
    bib = models.ForeignKey(
        "catalog.Bib", on_delete=models.CASCADE, related_name="reading_list_matches"
    )
    how = models.CharField(max_length=10, choices=How.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "bib"], name="reading_list_match_once")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}→{self.bib_id}"
