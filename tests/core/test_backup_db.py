"""Backup and restore in-process on the suite's own database: SQLite, and in the
PostgreSQL pass pg_dump/pg_restore against the real server."""

import pytest

from shuxiang.core.backup import backup_restore, backup_write
from shuxiang.patrons.models import Patron


@pytest.mark.django_db(transaction=True)
def test_round_trip_on_this_database(tmp_path, settings):
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup
    from shuxiang.patrons.services import patron_create

    settings.MEDIA_ROOT = str(tmp_path / "media")
    library = library_setup(code="main", name="测试馆")
    actor = Actor.system(library)
    patron_create(actor=actor, card="R000001", name="王小明")
    archive = tmp_path / "b.zip"
    manifest = backup_write(archive)
    assert manifest["engine"] in {"sqlite", "postgresql"}

    patron_create(actor=actor, card="R000002", name="后来的人")
    assert Patron.objects.count() == 2
    backup_restore(archive)
    assert list(Patron.objects.values_list("card_number", flat=True)) == ["R000001"]
    assert Patron.objects.get().name == "王小明"
