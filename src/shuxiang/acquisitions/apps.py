from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcquisitionsConfig(AppConfig):
    name = "shuxiang.acquisitions"
    label = "acquisitions"
    verbose_name = _("采访")

    def ready(self) -> None:
        from shuxiang.core import nav

        nav.register(nav.NavItem(_("采访"), "acquisitions:index", "catalog", order=25))
