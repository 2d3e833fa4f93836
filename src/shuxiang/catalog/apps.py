from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "shuxiang.catalog"
    label = "catalog"
    verbose_name = _("编目与馆藏")

    def ready(self) -> None:
        from shuxiang.catalog import dashboard
        from shuxiang.core import nav

        dashboard.register()

        # MARC import and export are tabs of the cataloging desk, not top-level modules.
        nav.register(nav.NavItem(_("编目"), "cataloging:form", "catalog", order=20))
