from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "shuxiang.inventory"
    label = "inventory"
    verbose_name = _("馆藏维护")

    def ready(self) -> None:
        from shuxiang.core import nav

        # Librarians and the admin take stock, repair and propose withdrawals; school
        # leaders read the stocktakes and approve withdrawals (view_reports).
        nav.register(
            nav.NavItem(
                _("清点"),
                "inventory:stocktakes",
                "view_reports",
                order=28,
                also=(
                    "inventory:stocktake",
                    "inventory:repairs",
                    "inventory:withdrawals",
                    "inventory:candidates",
                ),
            )
        )
