"""The servers a library copies records from (套录): SRU servers (an http address) and
Z39.50 servers (host, port, database, record syntax and character set), one list so
that one settings page and one search page serve both."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.core.models import Library


class SruServer(models.Model):
    class Protocol(models.TextChoices):
        SRU = "sru", "SRU"
        Z3950 = "z3950", "Z39.50"

    class RecordSyntax(models.TextChoices):
        # Chinese servers send CNMARC under the UNIMARC syntax: both ask for UNIMARC.
        MARC21 = "marc21", "MARC 21 (USMARC)"
        CNMARC = "cnmarc", "CNMARC"
        UNIMARC = "unimarc", "UNIMARC"

    class Charset(models.TextChoices):
        AUTO = "auto", _("自动识别")
        UTF8 = "utf-8", "UTF-8"
        GBK = "gbk", "GBK / GB18030"
        MARC8 = "marc8", "MARC-8"

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="sru_servers")
    name = models.CharField(_("名称"), max_length=100)
    protocol = models.CharField(
        _("协议"), max_length=10, choices=Protocol.choices, default=Protocol.SRU
    )
    url = models.URLField(
        _("地址"), max_length=300, blank=True, help_text=_("例如 http://sru.example.org:210")
    )
    host = models.CharField(_("主机"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("端口"), null=True, blank=True)
    database = models.CharField(_("数据库"), max_length=100, blank=True)
    record_schema = models.CharField(_("记录格式"), max_length=50, default="marcxml")
    record_syntax = models.CharField(
        _("记录语法"), max_length=10, choices=RecordSyntax.choices, default=RecordSyntax.MARC21
    )
    charset = models.CharField(
        _("字符集"), max_length=10, choices=Charset.choices, default=Charset.AUTO
    )
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("套录服务器")
        verbose_name_plural = _("套录服务器")
        ordering = ["name"]
        constraints = [
            # An SRU server is reached by its address, a Z39.50 server by host and port.
            models.CheckConstraint(
                condition=(
                    Q(protocol="sru", url__gt="")
                    | Q(protocol="z3950", host__gt="", port__gte=1, port__lte=65535)
                ),
                name="sru_server_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> str:
        """Where the server is, as the settings page and the search page show it."""
        if self.protocol == self.Protocol.Z3950:
            where = f"{self.host}:{self.port}"
            return f"{where}/{self.database}" if self.database else where
        return self.url
