from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatronsConfig(AppConfig):
    name = "shuxiang.patrons"
    label = "patrons"
    verbose_name = _("读者")
