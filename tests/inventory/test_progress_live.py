"""The stocktake page shows each location's progress as everyone scans: the page asks
`progress` every few seconds and after its own scans."""

from __future__ import annotations

import json

from shuxiang.inventory.models import Stocktake


def test_progress_follows_everyones_scans(staff_client, shelf, stacks, reading):
    staff_client.post("/staff/inventory/", {"name": "2026 春季清点"})
    st = Stocktake.objects.latest("id")
    page = staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/").content.decode()
    assert f'data-progress-url="/staff/inventory/stocktakes/{st.pk}/progress"' in page

    def progress() -> dict:
        answer = staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/progress")
        assert answer.status_code == 200
        return {row["location"]: row for row in answer.json()["rows"]}

    before = progress()
    assert before[stacks.name] == {
        "location": stacks.name,
        "scanned": 0,
        "expected": 6,
        "percent": 0,
    }
    assert before[reading.name]["expected"] == 2
    staff_client.post(
        f"/staff/inventory/stocktakes/{st.pk}/scans",
        json.dumps({"barcodes": ["30000", "30001", "30006"], "location": "stacks"}),
        content_type="application/json",
    )
    after = progress()
    assert (after[stacks.name]["scanned"], after[stacks.name]["percent"]) == (2, 33)
    assert (after[reading.name]["scanned"], after[reading.name]["percent"]) == (1, 50)


def test_another_schools_stocktake_has_no_progress_here(client, shelf, make_user):
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup
    from shuxiang.inventory import services

    other = library_setup(code="school-02", name="二中图书馆")
    theirs = services.stocktake_create(actor=Actor.system(other), name="他校清点")
    client.force_login(make_user("librarian", username="ours"))
    assert client.get(f"/staff/inventory/stocktakes/{theirs.pk}/progress").status_code == 404
    assert (
        client.get("/staff/inventory/stocktakes/99999999999999999999/progress").status_code == 404
    )
