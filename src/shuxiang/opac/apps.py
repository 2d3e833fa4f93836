from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpacConfig(AppConfig):
    name = "shuxiang.opac"
    label = "opac"
    verbose_name = _("公共目录")

    def ready(self) -> None:
        from shuxiang.core import nav

        # The public site's notices and loan rules, written by whoever runs the
        # library's settings (the librarian, the school's admin).
        nav.register(nav.NavItem(_("公告与借阅制度"), "opac:notices", "manage_settings", order=82))
        # Staff search (检索): the nav asks one capability; the page also lets in staff who
        # lend to every class (staff_search.may_search), the same roles today.
        nav.register(
            nav.NavItem(
                _("检索"),
                "staff_search:search",
                "catalog",
                order=15,
                also=("staff_search:record", "staff_search:copy_history"),
            )
        )
