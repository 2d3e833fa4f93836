"""Acquisitions: the order-list check (采购查重) against holdings and copy limits, a
batch received from the vendor's CNMARC file and from a spreadsheet, the year's new
volumes and spending, and the pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from pymarc import Field, Record, Subfield

from shuxiang.acquisitions import rules, selectors, services
from shuxiang.acquisitions.models import OrderLine, PurchaseBatch
from shuxiang.catalog import cataloging
from shuxiang.catalog.models import Bib, Item
from shuxiang.core import clock

DAY = dt.date(2026, 9, 7)


@pytest.mark.parametrize(
    ("held", "on_order", "wanted", "limit", "repeated", "status", "suggested"),
    [
        (0, 0, 2, 5, False, rules.NEW, 2),
        (0, 0, 6, 5, False, rules.OVER_LIMIT, 5),
        (2, 0, 2, 5, False, rules.ADD_COPIES, 2),
        (4, 0, 3, 5, False, rules.OVER_LIMIT, 1),
        (3, 2, 1, 5, False, rules.OVER_LIMIT, 0),
        (0, 3, 2, 5, False, rules.ADD_COPIES, 2),
        (0, 0, 2, 5, True, rules.REPEATED, 0),
        (7, 0, 1, 5, False, rules.OVER_LIMIT, 0),
    ],
)
def test_check_line(held, on_order, wanted, limit, repeated, status, suggested):
    decision = rules.check_line(
        held=held, on_order=on_order, wanted=wanted, copy_limit=limit, repeated=repeated
    )
    assert (decision.status, decision.suggested) == (status, suggested)


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "list.xlsx"
    return buffer


ORDER_LIST = [
    ["书名", "著者", "出版社", "ISBN", "定价", "订数"],
    ["朝花夕拾", "鲁迅", "人民文学出版社", "9787020002207", "26.00", 2],  # held 4
    ["草房子", "曹文轩", "江苏凤凰少年儿童出版社", "9787532490462", "25.00", 3],  # new
    ["城南旧事", "林海音", "中国青年出版社", "", "28.50", 2],  # held 1 (title)
    ["草房子", "曹文轩", "江苏凤凰少年儿童出版社", "978-7-5324-9046-2", "25.00", 1],  # listed twice
    ["坏书号", "某某", "某出版社", "9787020002208", "10", 1],  # bad ISBN
    ["青铜葵花", "曹文轩", "江苏凤凰少年儿童出版社", "9787532490479", "22.00", 2],  # 2 on order
]


@pytest.fixture
def holdings(actor):
    cataloging.bib_catalog(
        actor=actor,
        values={"title": "朝花夕拾", "isbn": "9787020002207", "clc": "I210.4", "price": 2600},
        copies=[cataloging.CopySpec() for _ in range(4)],
    )
    cataloging.bib_catalog(
        actor=actor,
        values={"title": "城南旧事", "publisher": "中国青年出版社", "clc": "I247.5"},
        copies=[cataloging.CopySpec()],
    )
    batch = services.batch_create(actor=actor, name="春季", year=2026)
    services.order_lines_add(
        actor=actor,
        batch_id=batch.pk,
        lines=[{"title": "青铜葵花", "isbn": "9787532490479", "quantity": 2}],
    )
    return batch


def test_order_list_check_against_holdings_orders_and_limit(library, holdings):
    check = selectors.order_list_check(library, _xlsx(ORDER_LIST), "list.xlsx", copy_limit=5)
    got = [
        (line.row, line.title, line.held, line.on_order, line.status, line.suggested)
        for line in check.lines
    ]
    assert got == [
        (2, "朝花夕拾", 4, 0, rules.OVER_LIMIT, 1),
        (3, "草房子", 0, 0, rules.NEW, 3),
        (4, "城南旧事", 1, 0, rules.ADD_COPIES, 2),
        (5, "草房子", 0, 0, rules.REPEATED, 0),
        (7, "青铜葵花", 0, 2, rules.ADD_COPIES, 2),
    ]
    assert [(p.row, "ISBN" in p.reason) for p in check.bad] == [(6, True)]
    assert check.suggested_copies == 8
    assert check.suggested_amount == 2600 + 3 * 2500 + 2 * 2850 + 2 * 2200


def _cnmarc(title: str, isbn: str, clc: str, holdings: list[tuple[str, str]] = ()) -> bytes:
    record = Record(force_utf8=True, leader="00000nam0 2200000   450 ")
    record.add_field(Field(tag="001", data=f"V{isbn[-6:]}"))
    record.add_field(
        Field(
            tag="010",
            indicators=[" ", " "],
            subfields=[Subfield("a", isbn), Subfield("d", "CNY25.00")],
        )
    )
    record.add_field(
        Field(
            tag="200",
            indicators=["1", " "],
            subfields=[Subfield("a", title), Subfield("f", "曹文轩著")],
        )
    )
    record.add_field(
        Field(
            tag="210",
            indicators=[" ", " "],
            subfields=[
                Subfield("a", "南京"),
                Subfield("c", "江苏凤凰少年儿童出版社"),
                Subfield("d", "2024"),
            ],
        )
    )
    record.add_field(
        Field(tag="690", indicators=[" ", " "], subfields=[Subfield("a", clc), Subfield("v", "5")])
    )
    for barcode, price in holdings:
        record.add_field(
            Field(
                tag="905",
                indicators=[" ", " "],
                subfields=[Subfield("b", barcode), Subfield("r", price)],
            )
        )
    return record.as_marc()


def test_receive_a_batch_from_the_vendors_cnmarc_file(actor, library, holdings):
    batch = services.batch_create(actor=actor, name="秋季新书", year=2026)
    services.order_lines_add(
        actor=actor,
        batch_id=batch.pk,
        lines=[
            {"title": "草房子", "isbn": "9787532490462", "price": 2500, "quantity": 2},
            {"title": "青铜葵花", "isbn": "9787532490479", "price": 2200, "quantity": 3},
        ],
    )
    data = _cnmarc(
        "草房子",
        "978-7-5324-9046-2",
        "I287.45",
        [("20000001", "CNY25.00"), ("20000002", "CNY25.00")],
    )
    data += _cnmarc(
        "青铜葵花", "978-7-5324-9047-9", "I287.45"
    )  # no holdings: copies from the order line
    with clock.frozen_at(DAY):
        outcome = services.batch_receive_marc(
            actor=actor, batch_id=batch.pk, source=io.BytesIO(data), location_code="stacks"
        )
    assert (
        outcome["report"].imported == 2 and outcome["items"] == 5 and outcome["extra_copies"] == 3
    )
    items = list(Item.objects.filter(purchase__batch=batch).order_by("accession_number"))
    assert [i.accession_number for i in items] == ["000006", "000007", "000008", "000009", "000010"]
    assert all(i.acquired_on == DAY for i in items)
    assert {i.call_number.value for i in items if i.bib.title == "草房子"} == {"I287.45/1"}
    assert {i.call_number.value for i in items if i.bib.title == "青铜葵花"} == {"I287.45/2"}
    lines = {ln.title: ln for ln in OrderLine.objects.filter(batch=batch)}
    assert (lines["草房子"].received, lines["青铜葵花"].received) == (2, 3)
    batch.refresh_from_db()
    assert batch.status == PurchaseBatch.Status.RECEIVED and batch.received_on == DAY

    summary = selectors.year_summary(library, 2026)
    row = next(r for r in summary.batches if r["batch"] == batch)
    assert row["received"] == 5 and row["amount"] == 2 * 2500 + 3 * 2200


def test_receive_from_a_spreadsheet_and_the_years_figures(actor, library):
    services.budget_set(actor=actor, year=2026, amount=1_000_000)
    batch = services.batch_create(actor=actor, name="捐赠与采购", year=2026)
    rows = [
        ["书名", "著者", "出版社", "ISBN", "定价", "分类号", "册数"],
        ["草房子", "曹文轩", "江苏凤凰少年儿童出版社", "9787532490462", "25.00", "I287.45", 2],
        ["昆虫记", "法布尔", "作家出版社", "", "32.50", "Q96-49", 1],
        ["", "无名", "", "", "", "", 1],
    ]
    with clock.frozen_at(DAY):
        dry = services.batch_receive_booklist(
            actor=actor, batch_id=batch.pk, source=_xlsx(rows), filename="x.xlsx", dry_run=True
        )
        assert dry.items_created == 3 and not Item.objects.exists()
        report = services.batch_receive_booklist(
            actor=actor, batch_id=batch.pk, source=_xlsx(rows), filename="x.xlsx"
        )
    assert report.items_created == 3 and [p.row for p in report.bad] == [4]
    assert Item.objects.filter(purchase__batch=batch).count() == 3
    summary = selectors.year_summary(library, 2026)
    assert summary.volumes == 3 and summary.titles == 2
    assert summary.spent == 2 * 2500 + 3250
    assert summary.remaining == 1_000_000 - 8250
    # Labels for the batch find its copies.
    from shuxiang.catalog import labels

    assert len(labels.label_data(labels.select_items(library, batch_id=batch.pk))) == 3


def test_pages(client, librarian, library, holdings):
    client.force_login(librarian)
    page = client.get("/staff/acquisitions/")
    assert page.status_code == 200 and "采购批次" in page.content.decode()
    client.post("/staff/acquisitions/?year=2026", {"action": "vendor", "name": "新华书店"})
    client.post("/staff/acquisitions/?year=2026", {"action": "budget", "amount": "12000.00"})
    response = client.post(
        "/staff/acquisitions/?year=2026", {"action": "batch", "name": "秋季新书", "vendor": ""}
    )
    batch = PurchaseBatch.objects.get(library=library, name="秋季新书")
    assert response.status_code == 302 and response["Location"].endswith(f"/batches/{batch.pk}/")
    index = client.get("/staff/acquisitions/", {"year": "2026"}).content.decode()
    assert "新华书店" in index and "¥12000.00" in index and "秋季新书" in index

    check = client.post(
        "/staff/acquisitions/check/",
        {"file": _xlsx(ORDER_LIST), "copy_limit": "5", "batch": str(batch.pk)},
    )
    html = check.content.decode()
    assert check.status_code == 200
    assert "超过复本上限" in html and "书单内重复" in html and "新书" in html
    assert "已将 4 条建议订购的明细加入批次" in html
    assert batch.lines.count() == 4

    detail = client.get(f"/staff/acquisitions/batches/{batch.pk}/").content.decode()
    assert "草房子" in detail and "验收到书" in detail
    upload = io.BytesIO(_cnmarc("草房子", "9787532490462", "I287.45"))
    upload.name = "vendor.iso"
    with clock.frozen_at(DAY):
        received = client.post(
            f"/staff/acquisitions/batches/{batch.pk}/",
            {"action": "receive_marc", "file": upload, "location": "stacks"},
        )
    html = received.content.decode()
    assert received.status_code == 200 and "入藏 3 册" in html
    assert "打印本批 3 册的条码" in html
    assert Bib.objects.filter(library=library, title="草房子").exists()


def test_labels_page_offers_the_batches_acquisitions_registered(client, librarian, actor, library):
    """The cataloging desk's labels page knows batches only through the copy group source
    acquisitions registers: the choice lists them and picks a batch's copies."""
    batch = services.batch_create(actor=actor, name="春季新书", year=2026)
    other = services.batch_create(actor=actor, name="赠书", year=2026)
    rows = [
        ["书名", "著者", "出版社", "ISBN", "定价", "分类号", "册数"],
        ["草房子", "曹文轩", "江苏凤凰少年儿童出版社", "9787532490462", "25.00", "I287.45", 2],
    ]
    with clock.frozen_at(DAY):
        services.batch_receive_booklist(
            actor=actor, batch_id=batch.pk, source=_xlsx(rows), filename="x.xlsx"
        )
    cataloging.bib_catalog(
        actor=actor, values={"title": "城南旧事", "clc": "I247.5"}, copies=[cataloging.CopySpec()]
    )
    client.force_login(librarian)
    page = client.get("/staff/cataloging/labels/").content.decode()
    assert 'name="selection" value="batch"' in page and "采购批次" in page
    assert f'<option value="{batch.pk}">春季新书</option>' in page and "赠书" in page
    preview = client.get(
        "/staff/cataloging/labels/",
        {"selection": "batch", "batch": str(batch.pk), "preview": "1"},
    ).content.decode()
    assert "共 2 册" in preview and "草房子" in preview and "城南旧事" not in preview
    assert f'<option value="{batch.pk}" selected>' in preview
    empty = client.get(
        "/staff/cataloging/labels/",
        {"selection": "batch", "batch": str(other.pk), "preview": "1"},
    )
    assert empty.status_code == 422 and "没有符合条件的单册" in empty.content.decode()
    missing = client.get("/staff/cataloging/labels/", {"selection": "batch", "preview": "1"})
    assert missing.status_code == 422 and "请选择采购批次" in missing.content.decode()
