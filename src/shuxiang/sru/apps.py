from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SruConfig(AppConfig):
    name = "shuxiang.sru"
    label = "sru"
    verbose_name = _("SRU、Z39.50 套录")

    def ready(self) -> None:
        from shuxiang.catalog import desk_tabs

        # Copy cataloging is a tab of the cataloging desk, the servers a tab of its settings.
        desk_tabs.register(desk_tabs.DeskTab("copy", _("套录"), "sru:copy", 20))
        desk_tabs.register(
            desk_tabs.DeskTab("sru", _("套录服务器"), "sru:servers", 20, row=desk_tabs.SETTINGS)
        )
