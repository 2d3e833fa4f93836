from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Sip2Config(AppConfig):
    name = "shuxiang.sip2"
    label = "sip2"
    verbose_name = _("自助借还（SIP2）")
