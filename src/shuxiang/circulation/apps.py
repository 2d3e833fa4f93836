from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirculationConfig(AppConfig):
    name = "shuxiang.circulation"
    label = "circulation"
    verbose_name = _("流通")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shuxiang.circulation.models import LoanPolicy
        from shuxiang.circulation.selectors import rules_cache_clear
        from shuxiang.core import nav
        from shuxiang.core.models import CalendarDay, Library, OpeningSlot, Term, Vacation
        from shuxiang.patrons.models import SchoolClass

        # The rules each process keeps (selectors.library_rules) are dropped as soon as
        # one of their tables changes.
        for model in (LoanPolicy, OpeningSlot, CalendarDay, Vacation, Term, Library, SchoolClass):
            post_save.connect(
                rules_cache_clear, sender=model, dispatch_uid=f"circ-rules-save-{model.__name__}"
            )
            post_delete.connect(
                rules_cache_clear, sender=model, dispatch_uid=f"circ-rules-del-{model.__name__}"
            )

        from shuxiang.catalog.maintenance import merge_port
        from shuxiang.circulation import dashboard, merge_handlers, obligations
        from shuxiang.circulation.services import (
            desk_scans_prune,
            holds_expire_everywhere,
            policies_seed_defaults,
        )
        from shuxiang.core import housekeeping, setup_steps

        housekeeping.register("expire-holds", holds_expire_everywhere)
        # The desk's scan ids are needed only while a browser may still send them again.
        housekeeping.register("forget-desk-scans", desk_scans_prune)
        setup_steps.register("loan-policies", policies_seed_defaults)
        dashboard.register()
        # What patrons asks of a reader's loans and fees (patrons/obligations.py).
        obligations.register()
        # Holds follow when the catalog merges duplicate titles.
        merge_port.register("circulation", merge_handlers.move_holds)

        nav.register(nav.NavItem(_("借还"), "circulation:desk", "circulate", order=10))
        nav.register(nav.NavItem(_("预约架"), "circulation:hold_shelf", "circulate", order=11))
        nav.register(
            nav.NavItem(_("待取书单"), "circulation:pick_list", "circulate_any_class", order=11)
        )
        nav.register(
            nav.NavItem(_("逾期催还"), "circulation:overdue", "circulate_any_class", order=12)
        )
        nav.register(
            nav.NavItem(
                _("借阅规则"),
                "circulation:policies",
                "circulate_any_class",
                order=60,
                also=("circulation:settings",),
            )
        )
        # 预约与赔偿设置 is a tab of 借阅规则 (circulation/_rules_tabs.html).
