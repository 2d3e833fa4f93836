from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcquisitionsConfig(AppConfig):
    name = "shuxiang.acquisitions"
    label = "acquisitions"
    verbose_name = _("采访")

    def ready(self) -> None:
        from shuxiang.acquisitions import merge_handlers
        from shuxiang.catalog import copy_groups
        from shuxiang.catalog.maintenance import merge_port
        from shuxiang.core import nav

        nav.register(
            nav.NavItem(
                _("采访"),
                "acquisitions:index",
                "catalog",
                order=25,
                also=(
                    "acquisitions:batch",
                    "acquisitions:check",
                    "acquisitions:suggestions",
                    "acquisitions:suggestion",
                ),
            )
        )
        # Order lines follow when the catalog merges duplicate titles.
        merge_port.register("acquisitions", merge_handlers.move_title_rows)
        # The labels page (and `shuxiang print-labels --batch`) choose copies by batch.
        copy_groups.register_copy_group(
            copy_groups.CopyGroupSource(
                key="batch",
                label=_("采购批次"),
                missing=_("请选择采购批次。"),
                groups=_batch_choices,
                item_ids=_batch_item_ids,
            )
        )


# Imported when first used, not at start-up (the selectors pull in the book-list reader).
def _batch_choices(library: object) -> object:
    from shuxiang.acquisitions.selectors import batch_choices

    return batch_choices(library)


def _batch_item_ids(library: object, batch_id: int) -> object:
    from shuxiang.acquisitions.selectors import batch_item_ids

    return batch_item_ids(library, batch_id)
