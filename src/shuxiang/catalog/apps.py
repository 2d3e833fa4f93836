from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "shuxiang.catalog"
    label = "catalog"
    verbose_name = _("编目与馆藏")

    def ready(self) -> None:
        from shuxiang.catalog import dashboard
        from shuxiang.catalog.marc import report_files
        from shuxiang.core import housekeeping, nav

        dashboard.register()
        # Import reports name records and their problems; none outlives the hour.
        housekeeping.register("forget-marc-reports", report_files.sweep)

        # MARC import and export are tabs of the cataloging desk, not top-level modules.
        nav.register(nav.NavItem(_("编目"), "cataloging:form", "catalog", order=20))
