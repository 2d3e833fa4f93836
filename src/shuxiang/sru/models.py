"""SRU servers a library copies records from (套录)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shuxiang.core.models import Library


class SruServer(models.Model):
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="sru_servers")
    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("地址"), max_length=300, help_text=_("例如 http://sru.example.org:210"))
    database = models.CharField(_("数据库"), max_length=100, blank=True)
    record_schema = models.CharField(_("记录格式"), max_length=50, default="marcxml")
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("SRU 服务器")
        verbose_name_plural = _("SRU 服务器")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
