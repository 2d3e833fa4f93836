from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shuxiang.reports"
    label = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        from shuxiang.core import nav
        from shuxiang.reports import dashboard

        dashboard.register()

        # Librarians, the admin and school leaders (capability view_reports); a leader
        # sees this entry and nothing else.
        nav.register(nav.NavItem(_("统计报表"), "reports:index", "view_reports", order=70))
