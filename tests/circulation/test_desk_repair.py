"""A copy back from the mender is scanned at the desk like a returned book: the desk says
it is in repair (not "not on loan") and leads to the repairs page's 修补完成，上架."""

from __future__ import annotations

import html as html_lib
import re
import uuid

from shuxiang.catalog.models import Item
from shuxiang.core.audit import Actor
from shuxiang.inventory import services as inventory


def scan(client, code, **extra):
    return client.post("/staff/circulation/scan", {"code": code, **extra}).content.decode()


def test_a_copy_in_repair_scanned_at_the_desk_goes_back_to_the_shelf(
    client, library, librarian, make_item
):
    item = make_item(barcode="56000001")
    inventory.repair_send(actor=Actor.system(library), barcode="56000001", note="书脊开裂")
    client.force_login(librarian)
    scan_id = str(uuid.uuid4())
    answer = scan(client, "56000001", scan_id=scan_id)
    assert 'data-level="warning"' in answer and "正在修补中，没有借出" in answer
    assert "无需归还" not in answer
    link = re.search(r'data-test="repair-done" href="([^"]+)"', answer).group(1)
    assert html_lib.unescape(link) == "/staff/inventory/repairs/?done=56000001"
    # the same scan sent again (its answer lost) is answered the same
    assert scan(client, "56000001", scan_id=scan_id, replay="1") == answer
    page = client.get(html_lib.unescape(link)).content.decode()
    assert "修补完成，上架" in page and 'value="56000001"' in page
    client.post("/staff/inventory/repairs/", {"action": "done", "code": "56000001", "cost": "2.50"})
    item.refresh_from_db()
    assert item.status == Item.Status.AVAILABLE
    assert "此书未借出，无需归还" in scan(client, "56000001")


def test_a_login_without_the_repairs_page_gets_the_words_without_the_way(
    client, library, make_item, make_user
):
    make_item(barcode="56000002")
    inventory.repair_send(actor=Actor.system(library), barcode="56000002")
    client.force_login(make_user("assistant", username="helper2"))
    answer = scan(client, "56000002")
    assert "正在修补中" in answer and "repair-done" not in answer
