from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatronsConfig(AppConfig):
    name = "shuxiang.patrons"
    label = "patrons"
    verbose_name = _("读者")

    def ready(self) -> None:
        from shuxiang.core import housekeeping, nav, permissions
        from shuxiang.patrons import dashboard, uploads
        from shuxiang.patrons.selectors import reader_settings

        dashboard.register()
        _register_settings()
        housekeeping.register("forget-roster-uploads", uploads.sweep)
        housekeeping.register("anonymize-history", _anonymize_history)
        permissions.register_homeroom_setting(
            lambda library: reader_settings(library).homeroom_sees_history
        )

        nav.register(nav.NavItem(_("读者"), "patrons:search", "circulate", order=30))
        nav.register(nav.NavItem(_("班级"), "patrons:classes", "circulate", order=31))


def _anonymize_history() -> int:
    # The services are imported when the job runs, not when the apps start.
    from shuxiang.patrons.services import history_anonymize_everywhere

    return history_anonymize_everywhere()


def _register_settings() -> None:
    """What the library settings pages (core) need to know about readers: how many
    existing cards a new card format would leave out, and the grade systems."""
    from shuxiang.core import formats, grade_systems
    from shuxiang.patrons import grades
    from shuxiang.patrons.models import Patron

    def cards(library: object, pattern: str) -> object:
        numbers = Patron.objects.filter(library=library, anonymous=False).values_list(
            "card_number", flat=True
        )
        return formats.fit(numbers.iterator(), pattern)

    formats.register_checker("card", cards)
    grade_systems.register(lambda: [(s.code, s.label) for s in grades.SYSTEMS.values()])
