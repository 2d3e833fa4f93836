from __future__ import annotations

import pytest

from shuxiang.core.models import Location


@pytest.fixture
def reading(library):
    return Location.objects.get_or_create(
        library=library, code="reading", defaults={"name": "阅览室", "kind": "reading_room"}
    )[0]


@pytest.fixture
def shelf(make_bib, make_item, stacks, reading):
    """Six copies in the stacks, two in the reading room; prices 20.00 … 27.00."""
    copies = {}
    for n in range(8):
        bib = make_bib(f"图书{n}", clc="I247.5" if n < 4 else "TP3", price=2000 + 100 * n)
        loc = "stacks" if n < 6 else "reading"
        copies[f"3000{n}"] = make_item(
            barcode=f"3000{n}",
            bib=bib,
            location_code=loc,
            call_number=f"{bib.clc}/{n + 1}",
            price=2000 + 100 * n,
        )
    return copies
