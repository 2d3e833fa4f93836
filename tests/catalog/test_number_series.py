"""Setting the barcode range and the accession number series goes through one audited
service; accession numbers never go back."""

from __future__ import annotations

import pytest

from shuxiang.catalog import register
from shuxiang.catalog.models import NumberSeries
from shuxiang.catalog.services import item_create, number_series_update
from shuxiang.core.errors import DomainError
from shuxiang.core.models import AuditEvent


def test_setting_the_barcode_range_is_audited(actor, library):
    series = number_series_update(
        actor=actor, kind="barcode", prefix="S", width=6, next_value=501, last_value=600
    )
    assert (series.prefix, series.width, series.next_value, series.last_value) == ("S", 6, 501, 600)
    assert register.barcodes_peek(library, 2) == ["S000501", "S000502"]
    event = AuditEvent.objects.get(action="number_series.update")
    assert event.before["prefix"] == "" and event.after == {
        "prefix": "S",
        "width": 6,
        "next_value": 501,
        "last_value": 600,
    }


def test_accession_numbers_never_go_back(actor, library, make_bib):
    bib = make_bib()
    item_create(actor=actor, bib_id=bib.pk, barcode="90000001")
    item_create(actor=actor, bib_id=bib.pk, barcode="90000002")
    for wanted in (1, 2):  # at or below a number already issued
        with pytest.raises(DomainError) as exc:
            number_series_update(actor=actor, kind="accession", width=6, next_value=wanted)
        assert exc.value.code == "accession_backwards"
    assert NumberSeries.objects.get(library=library, kind="accession").next_value == 3
    number_series_update(actor=actor, kind="accession", width=6, next_value=100)
    assert item_create(actor=actor, bib_id=bib.pk, barcode="90000003").accession_number == "000100"


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"kind": "isbn", "width": 6, "next_value": 1}, "invalid_kind"),
        ({"kind": "barcode", "width": 0, "next_value": 1}, "invalid_width"),
        ({"kind": "barcode", "width": 15, "next_value": 1}, "invalid_width"),
        ({"kind": "barcode", "width": 6, "next_value": 0}, "invalid_next_value"),
        ({"kind": "barcode", "width": 6, "next_value": 9, "last_value": 8}, "invalid_range"),
        ({"kind": "barcode", "width": 6, "next_value": 1, "prefix": "书"}, "invalid_prefix"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_written(actor, library, values, code):
    with pytest.raises(DomainError) as exc:
        number_series_update(actor=actor, **values)
    assert exc.value.code == code
    assert not AuditEvent.objects.filter(action="number_series.update").exists()


def test_the_settings_page_goes_through_the_service(staff_client, library):
    response = staff_client.post(
        "/staff/cataloging/settings/",
        {"kind": "accession", "prefix": "A", "width": "5", "next_value": "20"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="number_series.update").channel == "web"
    assert register.series_settings(library, register.ACCESSION).format(20) == "A00020"
