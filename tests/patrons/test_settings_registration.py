"""The library settings pages (core) learn about readers and copies from patrons and
catalog at start-up: a new card or barcode format is checked against the codes in use,
and the grade systems are offered by name."""

from __future__ import annotations

from shuxiang.core import formats, grade_systems


def test_apps_register_their_code_checkers(library, make_patron, make_item):
    make_patron(card="R000001")
    make_patron(card="R000002")
    make_item(barcode="00012345")
    cards = formats.check("card", library, r"R\d{5}1")
    assert (cards.checked, cards.total, cards.misfits) == (True, 2, 1)
    assert cards.examples == ("R000002",)
    barcodes = formats.check("barcode", library, r"\d{6}")
    assert (barcodes.total, barcodes.misfits) == (1, 1)


def test_the_grade_systems_come_from_patrons():
    from shuxiang.patrons import grades

    assert dict(grade_systems.choices()) == {s.code: s.label for s in grades.SYSTEMS.values()}
