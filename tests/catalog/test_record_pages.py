"""The staff record page through HTTP: fields, copies and history; editing the record
with the cataloging form's fields and as a MARC table; correcting and moving a copy."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from shuxiang.catalog import cataloging, services
from shuxiang.catalog.marc.record import split_fields
from shuxiang.catalog.models import Bib, Item
from shuxiang.core.models import AuditEvent

DATA = Path(__file__).parent / "data" / "records_edit"


@pytest.fixture
def book(actor, make_bib, stacks):
    bib = make_bib(
        "朝花夕拾",
        isbn="9787020002207",
        authors=["鲁迅"],
        publisher="人民文学出版社",
        place="北京",
        year=2021,
        clc="I210.4",
        price=2600,
    )
    cataloging.copies_add(
        actor=actor,
        bib=bib,
        copies=[cataloging.CopySpec(location_code="stacks"), cataloging.CopySpec()],
    )
    return bib


@pytest.fixture
def imported(actor):
    services.marc_import(
        actor=actor, source=io.BytesIO((DATA / "loc-japanese-880.mrc").read_bytes())
    )
    return Bib.objects.get(marc_format="marc21")


def _form(bib: Bib, **changes) -> dict:
    data = {
        "isbn": bib.isbn,
        "title": bib.title,
        "parallel_title": bib.parallel_title,
        "responsibility": bib.responsibility,
        "authors": "\n".join(a["name"] for a in bib.authors),
        "edition": bib.edition,
        "publisher": bib.publisher,
        "place": bib.place,
        "year": str(bib.year or ""),
        "pages": bib.pages,
        "size": bib.size,
        "price": f"{bib.price / 100:.2f}" if bib.price is not None else "",
        "clc": bib.clc,
        "series": bib.series,
        "subjects": "\n".join(bib.subjects),
        "summary": bib.summary,
        "language": bib.language,
        "material_type": bib.material_type,
    }
    data.update(changes)
    return data


def test_record_page_shows_fields_copies_and_links(staff_client, book):
    html = staff_client.get(f"/staff/catalog/records/{book.pk}/").content.decode()
    assert "朝花夕拾" in html and "人民文学出版社" in html and "I210.4/1" in html
    assert html.count(f"/staff/catalog/records/{book.pk}/items/") == 2
    assert f'href="/staff/catalog/records/{book.pk}/edit/"' in html
    assert f'href="/staff/catalog/records/{book.pk}/marc/"' in html
    assert "新建书目" in html  # the history, in words


def test_edit_form_is_prefilled_and_a_class_change_asks_for_new_spine_labels(staff_client, book):
    page = staff_client.get(f"/staff/catalog/records/{book.pk}/edit/").content.decode()
    assert 'value="朝花夕拾"' in page and 'id="clc"' in page and 'value="I210.4"' in page
    assert "22 个基本大类" in page  # the CLC picker of the cataloging form
    response = staff_client.post(
        f"/staff/catalog/records/{book.pk}/edit/", _form(book, clc="I266", title="朝花夕拾（新版）")
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?relabel=1")
    page = staff_client.get(response["Location"]).content.decode()
    assert "朝花夕拾（新版）" in page
    assert "I210.4/1" in page and "I266/1" in page  # old → new, in the notice and history
    assert "书标需要重新打印" in page
    assert "kind=spine" in page
    assert "修改书目" in page and "librarian1" in page
    book.refresh_from_db()
    assert {i.call_number.value for i in book.items.all()} == {"I266/1"}


def test_edit_form_lists_every_problem_and_changes_nothing(staff_client, book):
    response = staff_client.post(
        f"/staff/catalog/records/{book.pk}/edit/",
        _form(book, title="", year="二〇二一", clc="W1", isbn="978-7-02-000220-8"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "题名不能为空" in html
    assert "出版年应为四位数字" in html
    assert "ISBN 978-7-02-000220-8 无效" in html
    assert "基本大类" in html  # the class number's problem
    book.refresh_from_db()
    assert book.title == "朝花夕拾"
    assert not AuditEvent.objects.filter(action="bib.update").exists()


def test_edit_form_on_an_imported_record_keeps_its_unseen_fields(staff_client, imported):
    original = bytes(imported.marc_record)
    response = staff_client.post(
        f"/staff/catalog/records/{imported.pk}/edit/", _form(imported, clc="D771.2")
    )
    assert response.status_code == 302
    imported.refresh_from_db()
    before = dict(split_fields(original)[1])
    after = dict(split_fields(bytes(imported.marc_record))[1])
    assert {t for t in set(before) | set(after) if before.get(t) != after.get(t)} == {
        "005",
        "084",
    }
    export = staff_client.get(
        "/staff/catalog/marc/export/", {"download": "1", "ids": str(imported.pk)}
    )
    assert export.status_code == 200
    assert b"".join(export.streaming_content) == bytes(imported.marc_record)


def test_marc_table_page_edits_a_field_and_keeps_the_rest(staff_client, imported):
    page = staff_client.get(f"/staff/catalog/records/{imported.pk}/marc/")
    html = page.content.decode()
    assert 'data-test="marc-table"' in html
    assert "米国の統治の仕組" in html  # the 880, which the form does not show
    rows = page.context["fields"]
    data = {"fields": str(len(rows))}
    for n, f in enumerate(rows):
        row = f["row"]
        data[f"tag_{n}"] = row.tag
        if row.source is not None:
            data[f"src_{n}"] = str(row.source)
        if f["control"]:
            data[f"data_{n}"] = row.data
            continue
        data[f"ind1_{n}"], data[f"ind2_{n}"] = row.ind1, row.ind2
        subs = list(row.subfields)
        if row.tag == "500":
            subs = [("a", "Title from caption.")]
        if row.tag == "" and n == len(rows) - 1:
            data[f"tag_{n}"] = "084"
            subs = [("a", "D771.2"), ("2", "clc")]
        data[f"code_{n}"] = [c for c, _v in subs]
        data[f"value_{n}"] = [v for _c, v in subs]
        if row.tag == "907":
            data[f"del_{n}"] = "1"
    original = dict(split_fields(bytes(imported.marc_record))[1])
    response = staff_client.post(f"/staff/catalog/records/{imported.pk}/marc/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    imported.refresh_from_db()
    assert imported.clc == "D771.2"
    after = dict(split_fields(bytes(imported.marc_record))[1])
    changed = {t for t in set(original) | set(after) if original.get(t) != after.get(t)}
    assert changed == {"005", "084", "500", "907"}
    page = staff_client.get(f"/staff/catalog/records/{imported.pk}/").content.decode()
    assert "修改 MARC 记录" in page and "Title from caption." in page


def test_marc_table_with_a_bad_field_says_which_row(staff_client, book):
    data = {"fields": "1", "tag_0": "2x", "ind1_0": " ", "ind2_0": " ", "code_0": ["a"]}
    data["value_0"] = ["x"]
    response = staff_client.post(f"/staff/catalog/records/{book.pk}/marc/", data)
    assert response.status_code == 422
    assert "第 1 行" in response.content.decode()
    book.refresh_from_db()
    assert book.marc_record is None


def test_copy_edit_and_move(staff_client, book, make_bib):
    item = book.items.order_by("id").first()
    page = staff_client.get(f"/staff/catalog/records/{book.pk}/items/{item.pk}/").content.decode()
    assert item.barcode in page and "改挂到另一条书目" in page
    response = staff_client.post(
        f"/staff/catalog/records/{book.pk}/items/{item.pk}/",
        {"location": "stacks", "circulation_type": "reference", "price": "30.5", "note": "赠书"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.circulation_type, item.price, item.note) == ("reference", 3050, "赠书")
    bad = staff_client.post(
        f"/staff/catalog/records/{book.pk}/items/{item.pk}/",
        {"location": "stacks", "circulation_type": "normal", "price": "三十", "note": ""},
    )
    assert bad.status_code == 422 and "不是金额" in bad.content.decode()
    target = make_bib("呐喊", isbn="9787020002214", clc="I246.5")
    response = staff_client.post(
        f"/staff/catalog/records/{book.pk}/items/{item.pk}/move/", {"target": "978-7-02-000221-4"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.bib == target and item.call_number.value == "I246.5/1"
    page = staff_client.get(response["Location"]).content.decode()
    assert "书标需要重新打印" in page
    assert "复本改挂书目" in page
    missing = staff_client.post(
        f"/staff/catalog/records/{target.pk}/items/{item.pk}/move/", {"target": "424242"}
    )
    assert missing.status_code == 422 and "本馆没有书目" in missing.content.decode()


def test_links_to_the_record_page(staff_client, book):
    item = book.items.order_by("id").first()
    record = staff_client.get(f"/staff/search/record/{book.pk}/").content.decode()
    assert f"/staff/catalog/records/{book.pk}/" in record
    history = staff_client.get(f"/staff/search/copy/{item.pk}/").content.decode()
    assert f"/staff/catalog/records/{book.pk}/" in history
    done = staff_client.get(f"/staff/cataloging/done/{book.pk}/").content.decode()
    assert f"/staff/catalog/records/{book.pk}/" in done
    register = staff_client.get("/staff/cataloging/register/").content.decode()
    assert f"/staff/catalog/records/find/?barcode={item.barcode}" in register
    found = staff_client.get(f"/staff/catalog/records/find/?barcode={item.barcode}")
    assert found.status_code == 302 and found["Location"] == f"/staff/catalog/records/{book.pk}/"


def test_status_is_not_edited_here(staff_client, book):
    item = book.items.order_by("id").first()
    staff_client.post(
        f"/staff/catalog/records/{book.pk}/items/{item.pk}/",
        {"location": "", "circulation_type": "normal", "price": "", "note": "", "status": "lost"},
    )
    assert Item.objects.get(pk=item.pk).status == Item.Status.AVAILABLE


@pytest.mark.parametrize("role", ["assistant", "teacher", "leader"])
def test_only_catalogers_open_the_record_pages(client, make_user, book, role):
    client.force_login(make_user(role))
    item = book.items.first()
    for url in (
        f"/staff/catalog/records/{book.pk}/",
        f"/staff/catalog/records/{book.pk}/edit/",
        f"/staff/catalog/records/{book.pk}/marc/",
        f"/staff/catalog/records/{book.pk}/items/{item.pk}/",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"/staff/catalog/records/{book.pk}/edit/", _form(book)).status_code == 403


def test_an_unchanged_form_changes_nothing(staff_client, actor, book):
    services.bib_update(actor=actor, bib_id=book.pk, changes={"summary": "第一行\n第二行"})
    book.refresh_from_db()
    form = _form(book, summary="第一行\r\n第二行", authors="鲁迅\r\n")  # as a browser sends
    response = staff_client.post(f"/staff/catalog/records/{book.pk}/edit/", form, follow=True)
    assert "没有改动" in response.content.decode()
    assert AuditEvent.objects.filter(action="bib.update").count() == 1
