"""The inventory pages over HTTP: starting a stocktake, scanning with a keyboard-wedge
scanner (the form and the page's JSON), uploading a scanner's file, progress per
location, closing; the repair queue; withdrawal batches and their approval."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuxiang.catalog.models import Item
from shuxiang.inventory.models import Stocktake

pytestmark = pytest.mark.django_db


def start(client, **extra):
    got = client.post("/staff/inventory/", {"name": "2026 春季清点", **extra})
    assert got.status_code == 302
    return Stocktake.objects.latest("id")


def test_a_stocktake_from_start_to_close(staff_client, shelf):
    page = staff_client.get("/staff/inventory/")
    assert "开始新的清点" in page.content.decode()
    st = start(staff_client, location=["stacks"])
    scanned = staff_client.post(
        f"/staff/inventory/stocktakes/{st.pk}/",
        {"action": "scan", "code": "30000", "location": "stacks"},
        follow=True,
    )
    html = scanned.content.decode()
    assert "新增 1 册" in html
    assert "书库" in html and "各馆藏地点进度" in html
    again = staff_client.post(
        f"/staff/inventory/stocktakes/{st.pk}/",
        {"action": "scan", "code": "30000", "location": "stacks"},
        follow=True,
    )
    assert "已扫描过 1 个" in again.content.decode()
    upload = SimpleUploadedFile("scan.txt", b"30001\n30002\nX-1\n", content_type="text/plain")
    uploaded = staff_client.post(
        f"/staff/inventory/stocktakes/{st.pk}/",
        {"action": "upload", "file": upload, "location": "stacks"},
        follow=True,
    )
    assert "新增 2 册，未知条码：X-1" in uploaded.content.decode()
    closed = staff_client.post(
        f"/staff/inventory/stocktakes/{st.pk}/", {"action": "close"}, follow=True
    )
    assert "清点已结束：3 册标记为丢失待查" in closed.content.decode()
    assert Item.objects.filter(status="missing").count() == 3


def test_the_scan_pages_json(staff_client, shelf):
    st = start(staff_client)
    url = f"/staff/inventory/stocktakes/{st.pk}/scans"
    body = {"barcodes": ["30000", "30000", "NO-1"], "location": "stacks"}
    got = staff_client.post(url, json.dumps(body), content_type="application/json")
    assert got.status_code == 200
    assert got.json()["accepted"] == 1 and got.json()["unknown"] == ["NO-1"]
    replay = staff_client.post(url, json.dumps(body), content_type="application/json")
    assert replay.json()["accepted"] == 0 and replay.json()["duplicates"] == 3
    bad = staff_client.post(url, "{", content_type="application/json")
    assert bad.status_code == 422 and bad.json()["message"]


def test_bad_input_changes_nothing(staff_client, shelf):
    got = staff_client.post("/staff/inventory/", {"name": ""}, follow=True)
    assert "请填写清点名称" in got.content.decode()
    assert not Stocktake.objects.exists()


def test_a_leader_reads_but_does_not_scan(client, make_user, actor, shelf):
    from shuxiang.inventory import services

    st = services.stocktake_create(actor=actor, name="清点")
    client.force_login(make_user("leader"))
    page = client.get(f"/staff/inventory/stocktakes/{st.pk}/")
    assert page.status_code == 200 and "扫描条码" not in page.content.decode()
    assert (
        client.post(f"/staff/inventory/stocktakes/{st.pk}/", {"action": "close"}).status_code == 403
    )
    assert client.get("/staff/inventory/repairs/").status_code == 403


def test_repair_queue(staff_client, shelf):
    scan = staff_client.post("/staff/inventory/repairs/", {"action": "scan", "code": "30000"})
    assert scan.url.endswith("?send=30000")
    sent = staff_client.post(
        "/staff/inventory/repairs/",
        {"action": "send", "code": "30000", "note": "封面破损"},
        follow=True,
    )
    html = sent.content.decode()
    assert "已送修" in html and "封面破损" in html
    assert "?barcodes=30000&amp;reason=damaged" in html  # beyond repair: on to withdrawal
    form = staff_client.get("/staff/inventory/withdrawals/?barcodes=30000&reason=damaged")
    assert '<option value="damaged" selected>' in form.content.decode()
    scan = staff_client.post("/staff/inventory/repairs/", {"action": "scan", "code": "30000"})
    assert scan.url.endswith("?done=30000")
    offer = staff_client.get(scan.url)
    assert "修补完成，上架" in offer.content.decode()
    bad = staff_client.post(
        "/staff/inventory/repairs/", {"action": "done", "code": "30000", "cost": "abc"}, follow=True
    )
    assert "修补费用应为金额" in bad.content.decode()
    assert Item.objects.get(barcode="30000").status == "in_repair"
    done = staff_client.post(
        "/staff/inventory/repairs/",
        {"action": "done", "code": "30000", "cost": "3.50"},
        follow=True,
    )
    html = done.content.decode()
    assert "已上架" in html and "已修复 1 册" in html and "¥3.50" in html
    assert Item.objects.get(barcode="30000").status == "available"


def test_withdrawal_batches_on_the_page(staff_client, make_user, shelf):
    from django.test import Client

    client = Client()
    proposed = staff_client.post(
        "/staff/inventory/withdrawals/",
        {"action": "propose", "barcodes": "30000\n30001", "reason": "weeding"},
        follow=True,
    )
    assert "注销批次 1 已提交" in proposed.content.decode()
    # the proposer sees no approve button
    assert 'value="approve"' not in proposed.content.decode()
    leader = make_user("leader")
    client.force_login(leader)
    page = client.get("/staff/inventory/withdrawals/")
    assert 'value="approve"' in page.content.decode() and "41.00" in page.content.decode()
    from shuxiang.inventory.models import Withdrawal

    wid = Withdrawal.objects.get().pk
    approved = client.post(
        "/staff/inventory/withdrawals/", {"action": "approve", "withdrawal": wid}, follow=True
    )
    assert "已批准" in approved.content.decode()
    assert Item.objects.filter(status="withdrawn").count() == 2
    disposed = staff_client.post(
        "/staff/inventory/withdrawals/",
        {"action": "dispose", "withdrawal": wid, "disposal": "scrap"},
        follow=True,
    )
    assert "处置方式已记录" in disposed.content.decode() and "报废" in disposed.content.decode()
