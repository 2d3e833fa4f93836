from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SerialsConfig(AppConfig):
    name = "shuxiang.serials"
    label = "serials"
    verbose_name = _("期刊报纸")

    def ready(self) -> None:
        from shuxiang.core import nav
        from shuxiang.serials import dashboard

        dashboard.register()

        # Librarians and the admin run periodicals (capability catalog); school leaders
        # read the serials report under their statistics capability.
        nav.register(
            nav.NavItem(
                _("期刊"),
                "serials:checkin",
                "catalog",
                order=27,
                also=(
                    "serials:subscriptions",
                    "serials:subscription",
                    "serials:binding",
                    "serials:order_list",
                    "serials:reports",
                ),
            )
        )
