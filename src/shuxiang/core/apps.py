from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shuxiang.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from shuxiang.core import nav

        nav.register(nav.NavItem(_("首页"), "core:dashboard", "staff_access", order=0))
        nav.register(nav.NavItem(_("审计日志"), "core:audit", "manage_library", order=90))
        nav.register(nav.NavItem(_("账号"), "core:logins", "manage_logins", order=85))
        nav.register(
            nav.NavItem(
                _("图书馆设置"),
                "core:settings",
                "manage_settings",
                order=80,
                also=(
                    "core:settings_hours",
                    "core:settings_calendar",
                    "core:settings_formats",
                    "core:settings_locations",
                ),
            )
        )
        # The Django admin: the deployment superuser's only (no role has this capability).
        nav.register(nav.NavItem(_("系统管理"), "admin:index", "manage_deployment", order=99))
