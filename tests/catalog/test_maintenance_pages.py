"""The maintenance pages over HTTP: who may open them, the merge's candidates, dry run
and confirmation, and the reclassification's preview, refusals and apply."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuxiang.catalog.maintenance import finder
from shuxiang.catalog.models import Bib, CallNumber, Item
from shuxiang.core.models import AuditEvent

MERGE = "/staff/catalog/maintenance/merge/"
RECLASSIFY = "/staff/catalog/maintenance/reclassify/"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def titles(make_bib, make_item):
    keep = make_bib("草房子", authors=["曹文轩"], clc="I287.45")
    dup = make_bib("《草房子》", authors=["曹文轩 著"], clc="I287.45")
    make_item(barcode="60000001", bib=keep, call_number="I287.45/1")
    make_item(barcode="60000002", bib=dup, call_number="I287.45/2")
    net = make_bib("网络安全", clc="TP393")
    make_item(barcode="60000003", bib=net, call_number="TP393/1")
    return keep, dup, net


@pytest.mark.parametrize("role", ["assistant", "teacher", "leader", "student"])
@pytest.mark.parametrize("url", [MERGE, RECLASSIFY])
def test_only_librarians_and_admins(client, make_user, role, url):
    client.force_login(make_user(role))
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"how": "range", "from": "A", "until": "Z", "to": "TP3"}).status_code
        == 403
    )


@pytest.mark.parametrize("url", [MERGE, RECLASSIFY])
def test_anonymous_goes_to_login_and_admin_may_open(client, make_user, url):
    assert client.get(url).status_code == 302
    client.force_login(make_user("admin"))
    assert client.get(url).status_code == 200


def test_merge_candidates_dry_run_and_confirm(staff_client, titles):
    keep, dup, _net = titles
    page = _text(staff_client.get(MERGE))
    assert "题名和第一著者相同" in page and "《草房子》" in page
    preview = staff_client.post(MERGE, {"keep": keep.pk, "merge": [dup.pk], "preview": "1"})
    text = _text(preview)
    assert preview.status_code == 200 and "试合并（尚未修改）" in text
    assert "60000002 " in text and "I287.45/2 I287.45/1" in text
    assert Bib.objects.filter(pk=dup.pk).exists()
    done = staff_client.post(MERGE, {"keep": keep.pk, "merge": [dup.pk], "confirm": "1"})
    assert "已合并" in _text(done)
    assert not Bib.objects.filter(pk=dup.pk).exists()
    assert Item.objects.get(barcode="60000002").call_number.value == "I287.45/1"
    assert "selection=barcodes&amp;barcodes=60000002" in done.content.decode()
    assert "没有发现疑似重复的书目" in _text(staff_client.get(MERGE))


def test_merge_refuses_another_librarys_title(staff_client, titles):
    from shuxiang.catalog.services import bib_create
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup

    keep, _dup, _net = titles
    theirs = bib_create(
        actor=Actor.system(library_setup(code="other", name="二中")), title="草房子"
    )
    response = staff_client.post(MERGE, {"keep": keep.pk, "merge": [theirs.pk], "confirm": "1"})
    assert response.status_code == 404
    assert Bib.objects.filter(pk=theirs.pk).exists()


def test_reclassify_by_range_preview_then_apply(staff_client, titles):
    _keep, _dup, net = titles
    preview = staff_client.post(
        RECLASSIFY, {"how": "range", "from": "TP3", "until": "TP3", "to": "tp311"}
    )
    text = _text(preview)
    assert preview.status_code == 200
    assert "网络安全 TP393 TP311 TP393/1 TP311/1 1" in text
    assert CallNumber.objects.filter(value="TP393/1").exists()
    html = preview.content.decode()
    changes = re.search(r'name="changes" value="([^"]+)"', html)[1]
    digest = re.search(r'name="digest" value="([^"]+)"', html)[1]
    done = staff_client.post(RECLASSIFY, {"changes": changes, "digest": digest, "apply": "1"})
    assert done.status_code == 302
    page = staff_client.get(done["Location"])
    assert "已完成再分类：1 种书目，1 册单册需要换新书标" in _text(page)
    labels_url = re.search(r'href="(/staff/cataloging/labels/[^"]+)"', page.content.decode())[1]
    assert "selection=reclassification" in labels_url
    assert Item.objects.get(barcode="60000003").call_number.value == "TP311/1"
    assert Bib.objects.get(pk=net.pk).clc == "TP311"


def test_reclassify_by_search(staff_client, titles, monkeypatch):
    preview = staff_client.post(RECLASSIFY, {"how": "search", "q": "网络", "to": "TP309"})
    assert "TP393/1 TP309/1" in _text(preview)
    # With the staff search engine answering (as the search app registers it).
    from shuxiang.search import catalog_finder

    monkeypatch.setattr(finder, "_finders", [catalog_finder.find_bib_ids])
    preview = staff_client.post(RECLASSIFY, {"how": "search", "q": "wangluo", "to": "TP309"})
    assert "TP393/1 TP309/1" in _text(preview)


def test_reclassify_barcode_file_with_problems_changes_nothing(staff_client, titles):
    content = "条码号,新分类号\n60000003,TP311\n60009999,TP311\n".encode()
    upload = SimpleUploadedFile("list.csv", content, content_type="text/csv")
    response = staff_client.post(RECLASSIFY, {"how": "file", "file": upload, "to": ""})
    text = _text(response)
    assert response.status_code == 422
    assert "3 60009999 本馆没有这个条码号" in text
    assert 'name="apply"' not in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"how": "range", "from": "TP3", "until": "TP3", "to": "W1"}, "分类号 W1 无效"),
        ({"how": "range", "from": "", "until": "", "to": "TP3"}, "请填写分类号范围"),
        ({"how": "search", "q": "", "to": "TP3"}, "请填写检索词"),
        ({"how": "search", "q": "没有这本书", "to": "TP3"}, "没有找到符合条件的书目"),
        ({"how": "file", "to": "TP3"}, "请选择条码号清单文件"),
        ({"apply": "1", "changes": "abc", "digest": "x"}, "没有可确认的再分类"),
    ],
)
def test_reclassify_bad_input(staff_client, titles, data, message):
    before = AuditEvent.objects.count()
    response = staff_client.post(RECLASSIFY, data)
    assert response.status_code == 422
    assert message in _text(response)
    assert AuditEvent.objects.count() == before


def test_reclassify_cannot_reach_another_librarys_title(staff_client, titles):
    from shuxiang.catalog.services import bib_create
    from shuxiang.core.audit import Actor
    from shuxiang.core.services import library_setup

    theirs = bib_create(
        actor=Actor.system(library_setup(code="other", name="二中")), title="数据库", clc="TP311"
    )
    response = staff_client.post(
        RECLASSIFY, {"changes": f"{theirs.pk}:TP312", "digest": "x", "apply": "1"}
    )
    assert response.status_code == 404
    assert Bib.objects.get(pk=theirs.pk).clc == "TP311"


def test_doubtful_matches_of_a_marc_import_are_candidates(staff_client, actor, library, make_bib):
    from shuxiang.core import audit

    first = make_bib("小王子", authors=["圣埃克苏佩里"])
    second = make_bib("小王子（插图本）", authors=["圣-埃克苏佩里"])
    assert "小王子（插图本）" not in _text(staff_client.get(MERGE))
    audit.record(
        actor,
        "marc.import",
        library,
        after={"doubtful": 1, "doubtful_pairs": [[second.pk, first.pk]]},
    )
    page = _text(staff_client.get(MERGE))
    assert "导入时的疑似重复" in page and "小王子（插图本）" in page
