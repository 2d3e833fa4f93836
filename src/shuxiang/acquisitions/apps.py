from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcquisitionsConfig(AppConfig):
    name = "shuxiang.acquisitions"
    label = "acquisitions"
    verbose_name = _("采访")

    def ready(self) -> None:
        from shuxiang.acquisitions import selectors
        from shuxiang.catalog import labels
        from shuxiang.core import nav

        nav.register(nav.NavItem(_("采访"), "acquisitions:index", "catalog", order=25))
        # The labels page (and `shuxiang print-labels --batch`) choose copies by batch.
        labels.register_copy_group(
            labels.CopyGroupSource(
                key="batch",
                label=_("采购批次"),
                missing=_("请选择采购批次。"),
                groups=selectors.batch_choices,
                item_ids=selectors.batch_item_ids,
            )
        )
