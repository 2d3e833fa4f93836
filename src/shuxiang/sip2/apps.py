from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Sip2Config(AppConfig):
    name = "shuxiang.sip2"
    label = "sip2"
    verbose_name = _("自助借还（SIP2）")

    def ready(self) -> None:
        from shuxiang.core import nav, server
        from shuxiang.sip2.server import Sip2Server

        nav.register(nav.NavItem(_("自助借还机"), "sip2:kiosks", "manage_settings", order=90))
        # `shuxiang serve --sip2-port N` runs the SIP2 server beside the web.
        server.register_protocol_server("sip2", lambda host, port: Sip2Server((host, port)))
