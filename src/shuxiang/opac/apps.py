from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpacConfig(AppConfig):
    name = "shuxiang.opac"
    label = "opac"
    verbose_name = _("公共目录")
