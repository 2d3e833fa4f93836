from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "shuxiang.catalog"
    label = "catalog"
    verbose_name = _("编目与馆藏")

    def ready(self) -> None:
        from shuxiang.core import nav

        nav.register(nav.NavItem(_("MARC 导入"), "catalog:marc_import", "catalog", order=30))
        nav.register(nav.NavItem(_("MARC 导出"), "catalog:marc_export", "catalog", order=31))
