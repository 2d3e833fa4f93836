from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatronsConfig(AppConfig):
    name = "shuxiang.patrons"
    label = "patrons"
    verbose_name = _("读者")

    def ready(self) -> None:
        from shuxiang.core import housekeeping, nav, permissions
        from shuxiang.patrons import dashboard, uploads
        from shuxiang.patrons.selectors import reader_settings

        dashboard.register()
        housekeeping.register("forget-roster-uploads", uploads.sweep)
        permissions.register_homeroom_setting(
            lambda library: reader_settings(library).homeroom_sees_history
        )

        nav.register(nav.NavItem(_("读者"), "patrons:search", "circulate", order=30))
        nav.register(nav.NavItem(_("班级"), "patrons:classes", "circulate", order=31))
