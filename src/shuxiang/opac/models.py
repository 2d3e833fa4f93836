"""What the public site shows besides the catalog: the library's notices (公告) and its
loan rules (借阅制度), written by the librarian on /staff/opac/notices/."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.core.models import Library


class Notice(models.Model):
    """A notice on the home page, or the library's one text of loan rules (kind
    `rules`, at most one per library). A notice is posted (published) and later
    retired (no longer published), never deleted: the audit log refers to it."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("公告")
        RULES = "rules", _("借阅制度")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.NOTICE)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    published = models.BooleanField(_("已发布"), default=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    # Shown on the public site until the end of this day (none: until retired).
    show_until = models.DateField(_("显示至"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        constraints = [
            models.UniqueConstraint(
                fields=["library"], condition=Q(kind="rules"), name="notice_one_rules_per_library"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["notice", "rules"]), name="notice_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["library", "kind", "published"], name="notice_library_kind"),
        ]

    def __str__(self) -> str:
        return self.title
