from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "shuxiang.catalog"
    label = "catalog"
    verbose_name = _("编目与馆藏")

    def ready(self) -> None:
        from shuxiang.catalog import dashboard
        from shuxiang.core import housekeeping, nav

        dashboard.register()
        _register_settings()
        # Import reports name records and their problems; none outlives the hour.
        housekeeping.register("forget-marc-reports", _forget_marc_reports)

        # MARC import and export are tabs of the cataloging desk, not top-level modules.
        nav.register(nav.NavItem(_("编目"), "cataloging:form", "catalog", order=20))


def _register_settings() -> None:
    """How many existing barcodes a new barcode format would leave out, for the library
    settings pages (core)."""
    from shuxiang.catalog.models import Item
    from shuxiang.core import formats

    def barcodes(library: object, pattern: str) -> object:
        codes = Item.objects.filter(library=library).values_list("barcode", flat=True)
        return formats.fit(codes.iterator(), pattern)

    formats.register_checker("barcode", barcodes)


def _forget_marc_reports() -> int:
    # Imported when the job runs: the MARC modules are not needed to start a server.
    from shuxiang.catalog.marc import report_files

    return report_files.sweep()
