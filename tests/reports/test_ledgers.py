"""The ledgers (三帐一簿) of a small collection built by hand, every figure worked out on
paper below; the pages, the xlsx and the PDF read back.

Copies (price in fen; a copy without a price takes its title's 定价):
  a1 B222 论语 2,000 (2024-03-01)       a2 A41 毛泽东选集 — (定价 5,000) (2024-05-01)
  a8 K204 史记 2,500 (2024-06-01), withdrawn in batch 1 (剔旧) on 2025-12-20
  a3 a4 I242 红楼梦 3,000 each (2025-02-01), one title; a3 also in batch 3, rejected
  a5 O4 物理 1,500 (2025-09-01), withdrawn in batch 2 (损坏, 1,500) on 2026-03-10
  a6 Z32 辞海 参考工具书 20,000 (2026-01-10)
  a7 no class 1,000 (2026-02-01), lost on 2026-03-20 (not written off)
  p1 periodical 800 (2025-06-01)        p2 audio-visual 1,200 donated (2026-03-01),
                                         withdrawn without a batch on 2026-04-01

总帐, books:   2024  0/0      +3/9,500   −0/0      = 3/9,500
               2025  3/9,500  +3/7,500   −1/2,500  = 5/14,500
               2026  5/14,500 +2/21,000  −2/2,500  = 5/33,000
  (a copy leaves at the value it entered at, so each year balances)
       others: 2025  0/0 +1/800 = 1/800;  2026  1/800 +1/1,200 −1/1,200 = 1/800
分类帐 2026 (books held on 12-31): A 1/1/5,000, B 1/1/2,000, I 2 vols 1 title 6,000,
  Z 1/1/20,000: 5 volumes, 4 titles, 33,000; added Z 1/20,000 and unclassified
  1/1,000; removed O 1/1,500 and unclassified 1/1,000.
报损帐 2026: a5 (损坏, batch 2), a7 (遗失未注销), p2 (无批次): 3 volumes, 3,700.
借阅登记 March 2026: 03-01 00:30 (= 02-28 16:30 UTC) 赵一 a1, 03-05 王老师 a3, 赵一 a4;
  02-28 23:00 and 04-01 00:10 fall outside.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.inventory.models import Withdrawal, WithdrawalLine
from shuxiang.patrons.models import SchoolClass
from shuxiang.reports import ledgers
from tests.pdfs import pdf_text, pdf_to_png

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime(2026, 4, 15, 10, 0)


def at(day: str, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def books(library, make_bib, make_item, make_patron, librarian):
    def copy(code, title, clc, price, acquired, kind="normal", bib_price=None, **kw):
        bib = make_bib(title, clc=clc, price=bib_price) if clc else make_bib(title, price=bib_price)
        return make_item(
            barcode=f"B{code}",
            bib=bib,
            circulation_type=kind,
            price=price,
            acquired_on=dt.date.fromisoformat(acquired),
            **kw,
        )

    i = {
        "a1": copy("a1", "论语", "B222", 2000, "2024-03-01"),
        "a2": copy("a2", "毛泽东选集", "A41", None, "2024-05-01", bib_price=5000),
        "a8": copy("a8", "史记", "K204", 2500, "2024-06-01"),
        "a3": copy("a3", "红楼梦", "I242", 3000, "2025-02-01"),
        "a5": copy("a5", "物理", "O4", 1500, "2025-09-01"),
        "a6": copy("a6", "辞海", "Z32", 20000, "2026-01-10", kind="reference"),
        "a7": copy("a7", "无类号的书", "", 1000, "2026-02-01"),
        "p1": copy("p1", "读者", "", 800, "2025-06-01", kind="periodical"),
        "p2": copy("p2", "朗读者", "", 1200, "2026-03-01", kind="audio_visual", source="donation"),
    }
    i["a4"] = make_item(barcode="Ba4", bib=i["a3"].bib, price=3000, acquired_on=dt.date(2025, 2, 1))

    def batch(number, status, decided, lines):
        w = Withdrawal.objects.create(
            library=library,
            number=number,
            status=status,
            proposed_at=at(decided) - dt.timedelta(days=3),
            decided_at=at(decided),
        )
        for code, reason, price in lines:
            WithdrawalLine.objects.create(
                library=library, withdrawal=w, item=i[code], reason=reason, price=price
            )

    batch(1, "approved", "2025-12-20", [("a8", "weeding", 2500)])
    batch(2, "approved", "2026-03-10", [("a5", "damaged", 1500)])
    batch(3, "rejected", "2026-03-11", [("a3", "other", 3000)])
    for code, status, day in [
        ("a8", "withdrawn", "2025-12-20"),
        ("a5", "withdrawn", "2026-03-10"),
        ("a7", "lost", "2026-03-20"),
        ("p2", "withdrawn", "2026-04-01"),
    ]:
        Item.objects.filter(pk=i[code].pk).update(status=status, updated_at=at(day))

    c71 = SchoolClass.objects.create(
        library=library,
        school_year=library.current_school_year,
        grade=7,
        number=1,
        name="七年级1班",
    )
    s1 = make_patron(name="赵一", class_name=c71.name)
    t1 = make_patron(name="王老师", category="teacher")

    def loan(reader, cls, item, out, due, back=None):
        Loan.objects.create(
            library=library,
            item=i[item],
            patron=reader,
            channel="web",
            status="returned" if back else "on_loan",
            checked_out_at=out,
            due_date=dt.date.fromisoformat(due),
            returned_at=at(back) if back else None,
            patron_category=reader.category,
            patron_grade=cls.grade if cls else None,
            class_at_loan=cls,
            class_name_at_loan=cls.name if cls else "",
        )

    loan(s1, c71, "a1", at("2026-03-01", 0, 30), "2026-03-15", "2026-03-10")
    loan(t1, None, "a3", at("2026-03-05", 12), "2026-04-05")
    loan(s1, c71, "a4", at("2026-03-05", 13), "2026-03-19", "2026-03-19")
    loan(s1, c71, "a2", at("2026-02-28", 23), "2026-03-14", "2026-03-02")
    loan(t1, None, "a2", at("2026-04-01", 0, 10), "2026-05-01")
    return i


def tallies(rows):
    return [
        (
            r.year,
            (r.start.volumes, r.start.value),
            (r.added.volumes, r.added.value),
            (r.removed.volumes, r.removed.value),
            (r.end.volumes, r.end.value),
        )
        for r in rows
    ]


def test_the_general_ledger_year_by_year(library, books):
    found = ledgers.general_ledger(library, 2026)
    assert tallies(found["books"]) == [
        (2024, (0, 0), (3, 9500), (0, 0), (3, 9500)),
        (2025, (3, 9500), (3, 7500), (1, 2500), (5, 14500)),
        (2026, (5, 14500), (2, 21000), (2, 2500), (5, 33000)),
    ]
    assert tallies(found["others"]) == [
        (2024, (0, 0), (0, 0), (0, 0), (0, 0)),
        (2025, (0, 0), (1, 800), (0, 0), (1, 800)),
        (2026, (1, 800), (1, 1200), (1, 1200), (1, 800)),
    ]
    # Stopping at 2025 leaves 2026's copies out.
    assert tallies(ledgers.general_ledger(library, 2025)["books"])[-1][-1] == (5, 14500)


def test_the_years_changes_by_source_and_reason(library, books):
    changes = ledgers.year_changes(library, 2026)
    assert [(label, t.volumes, t.value) for label, t in changes["added"]] == [
        ("捐赠", 1, 1200),
        ("采购", 2, 21000),
    ] or [(label, t.volumes, t.value) for label, t in changes["added"]] == [
        ("采购", 2, 21000),
        ("捐赠", 1, 1200),
    ]
    assert [(label, t.volumes, t.value) for label, t in changes["removed"]] == [
        ("损坏", 1, 1500),
        ("遗失（未注销）", 1, 1000),
        ("注销（无批次记录）", 1, 1200),
    ]


def test_the_classified_ledger_by_major_group_and_class(library, books):
    found = ledgers.classified_ledger(library, 2026)
    groups = {
        g.code: (g.volumes, g.titles, g.value, g.added.volumes, g.removed.volumes)
        for g in found["groups"]
    }
    assert groups == {
        "A": (1, 1, 5000, 0, 0),
        "B": (1, 1, 2000, 0, 0),
        "C–K": (2, 1, 6000, 0, 0),
        "N–X": (0, 0, 0, 0, 1),
        "Z": (1, 1, 20000, 1, 0),
    }
    classes = {c.code: c for c in found["classes"]}
    assert len(classes) == 23  # the 22 classes and the unclassified row
    assert (classes["I"].volumes, classes["I"].titles) == (2, 1)
    assert (classes["K"].volumes, classes["K"].removed.volumes) == (0, 0)  # a8 left in 2025
    assert (classes["O"].removed.volumes, classes["O"].removed.value) == (1, 1500)
    none = classes[ledgers.UNCLASSIFIED]
    assert (none.volumes, none.added.volumes, none.removed.value) == (0, 1, 1000)
    t = found["total"]
    assert (t.volumes, t.titles, t.value) == (5, 4, 33000)
    assert (t.added.volumes, t.added.value, t.removed.volumes, t.removed.value) == (
        2,
        21000,
        2,
        2500,
    )
    # The end of 2025: a5 still held, a8 gone.
    before = ledgers.classified_ledger(library, 2025)["total"]
    assert (before.volumes, before.value) == (5, 14500)


def test_the_loss_ledger_lines_and_totals(library, books):
    rows = list(ledgers.loss_rows(library, dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    assert [(r["barcode"], r["reason"], r["written_off"], r["left"], r["batch"]) for r in rows] == [
        ("Ba5", "damaged", 1500, dt.date(2026, 3, 10), 2),
        ("Ba7", ledgers.LOST_COPY, 1000, dt.date(2026, 3, 20), None),
        ("Bp2", ledgers.NO_BATCH, 1200, dt.date(2026, 4, 1), None),
    ]
    totals = ledgers.loss_totals(library, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert (totals["total"].volumes, totals["total"].value) == (3, 3700)
    assert [(code, t.volumes) for code, _l, t in totals["by_reason"]] == [
        ("damaged", 1),
        (ledgers.LOST_COPY, 1),
        (ledgers.NO_BATCH, 1),
    ]
    rows = list(ledgers.loss_rows(library, dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    assert [(r["barcode"], r["written_off"], r["batch"]) for r in rows] == [("Ba8", 2500, 1)]


def test_the_loan_register_by_local_day(library, books):
    rows = list(ledgers.loan_rows(library, dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    assert [(r["day"], r["item__barcode"], r["patron__name"]) for r in rows] == [
        (dt.date(2026, 3, 1), "Ba1", "赵一"),
        (dt.date(2026, 3, 5), "Ba3", "王老师"),
        (dt.date(2026, 3, 5), "Ba4", "赵一"),
    ]
    assert ledgers.loans_by_day(library, dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == [
        (dt.date(2026, 3, 1), 1),
        (dt.date(2026, 3, 5), 2),
    ]


def test_the_ledger_pages_print_and_export(staff_client, books, tmp_path):
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/reports/ledgers/general/", {"year": 2026}).content.decode()
        assert "藏书总帐（2026 年）" in page and "145.00" in page and "330.00" in page
        assert "window.print()" in page
        page = staff_client.get(
            "/staff/reports/ledgers/classified/", {"year": 2026}
        ).content.decode()
        assert "五大部类" in page and "二十二大类" in page and "马列毛邓" in page
        assert "330.00" in page  # 33,000 fen
        page = staff_client.get("/staff/reports/ledgers/losses/", {"year": 2026}).content.decode()
        assert "遗失（未注销）" in page and "第 2 批" in page and "37.00" in page
        assert "3 册" in page
        r = staff_client.get("/staff/reports/ledgers/general.xlsx", {"year": 2026})
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["图书", "其他资料", "2026 年增加（按来源）", "2026 年减少（按原因）"]
    rows = [row for row in wb["图书"].iter_rows(values_only=True) if row and row[0] == 2026]
    assert rows == [
        (2026, 5, Decimal("145"), 2, Decimal("210"), 2, Decimal("25"), 5, Decimal("330"))
    ]
    # Other materials begin in 2025, their first year: no empty 2024.
    years = [
        row[0] for row in wb["其他资料"].iter_rows(values_only=True) if isinstance(row[0], int)
    ]
    assert years == [2025, 2026]
    pdf = staff_client.get("/staff/reports/ledgers/classified.pdf", {"year": 2026}).content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path, "classified")
    assert "藏书分类帐" in text and "二十二大类" in text
    assert pdf_to_png(pdf, tmp_path, "classified")


def test_the_loan_register_page_xlsx_and_names(staff_client, client, make_user, books, monkeypatch):
    from shuxiang.reports import views

    march = {"start": "2026-03-01", "end": "2026-03-31"}
    monkeypatch.setattr(views, "LEDGER_PAGE_SIZE", 2)
    page = staff_client.get("/staff/reports/ledgers/loans/", march).content.decode()
    assert "2026-03-01" in page and "七年级1班" in page and "赵一" in page
    assert "第 1 / 2 页，共 3 条" in page and "Ba4" not in page
    page = staff_client.get("/staff/reports/ledgers/loans/", {**march, "page": 2}).content.decode()
    assert "Ba4" in page and "Ba1" not in page
    r = staff_client.get("/staff/reports/ledgers/loans.xlsx", march)
    wb = load_workbook(io.BytesIO(r.content))
    lines = [row for row in wb["借阅登记"].iter_rows(min_row=3, values_only=True)]
    assert [line[5] for line in lines] == ["Ba1", "Ba3", "Ba4"]
    assert lines[1][2:4] == ("王老师", "教师") and lines[1][7] == "未还"
    by_day = list(wb["按日统计"].iter_rows(values_only=True))
    assert by_day[-1] == ("合计", 3)
    # A school leader reads the register without the readers' names.
    client.force_login(make_user("leader"))
    page = client.get("/staff/reports/ledgers/loans/", march).content.decode()
    assert "七年级1班" in page and "赵一" not in page and "王老师" not in page


def test_bad_ledger_input_says_so(staff_client, books):
    with clock.frozen_at(TODAY):
        page = staff_client.get("/staff/reports/ledgers/general/", {"year": "二〇二六"}).content
        assert "年度应为 1949 至 2027 之间的年份" in page.decode()
        page = staff_client.get(
            "/staff/reports/ledgers/loans/", {"start": "2024-01-01", "end": "2026-03-31"}
        ).content.decode()
        assert "一次最多查询 366 天" in page
    assert staff_client.get("/staff/reports/ledgers/nothing/").status_code == 404


def test_formula_like_titles_stay_text(staff_client, library, make_bib, make_item):
    bib = make_bib('=HYPERLINK("http://x")', clc="I247")
    item = make_item(bib=bib, price=100, acquired_on=dt.date(2026, 1, 5))
    Item.objects.filter(pk=item.pk).update(status="lost", updated_at=at("2026-02-01"))
    r = staff_client.get("/staff/reports/ledgers/losses.xlsx", {"year": 2026})
    wb = load_workbook(io.BytesIO(r.content))
    cells = [
        c
        for row in wb["报损明细"].iter_rows()
        for c in row
        if c.value and "HYPERLINK" in str(c.value)
    ]
    assert cells and all(c.data_type == "s" for c in cells)
