from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo school (`shuxiang demo`): no tables of its own, only the command that
    fills an empty database through the other apps' services."""

    name = "shuxiang.demo"
    label = "demo"
    verbose_name = _("演示学校")
