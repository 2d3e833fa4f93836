from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "shuxiang.search"
    label = "search"
    verbose_name = _("检索")

    def ready(self) -> None:
        # The catalog tells the index of every change through its port; the engine
        # module is imported when the first change or search comes, not at start-up.
        from shuxiang.catalog import search_port
        from shuxiang.catalog.maintenance import finder

        search_port.register(
            bibs_changed=_bibs_changed,
            bibs_removed=_bibs_removed,
            holdings_changed=_holdings_changed,
        )
        # "Select by search" on the reclassification page is the staff search.
        finder.register(_find_bib_ids)
        post_migrate.connect(_index_if_empty, sender=self)


def _bibs_changed(bib_ids: list[int]) -> None:
    from shuxiang.search import engine

    engine.index_bibs(bib_ids)


def _bibs_removed(bib_ids: list[int]) -> None:
    from shuxiang.search import engine

    engine.unindex_bibs(bib_ids)


def _holdings_changed(bib_ids: list[int]) -> None:
    from shuxiang.search import engine

    engine.holdings_changed(bib_ids)


def _index_if_empty(using: str = "default", **kwargs: object) -> None:
    """After `migrate`: an empty index beside a catalog that has titles (a migration
    emptied it, as 0003 did) is built again."""
    from shuxiang.catalog.models import Bib
    from shuxiang.search.models import SearchDoc

    if not SearchDoc.objects.using(using).exists() and Bib.objects.using(using).exists():
        from shuxiang.search import engine

        engine.reindex()


def _find_bib_ids(library: object, query: str, limit: int) -> list[int]:
    from shuxiang.search.catalog_finder import find_bib_ids

    return find_bib_ids(library, query, limit)
