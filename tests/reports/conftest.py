"""A small school built by hand, where every figure can be worked out on paper.

Period: March 2026 (custom 2026-03-01 — 2026-03-31); today 2026-04-15.

Classes (school year 2026... the library's current one): 七年级1班 (4 students: S1 S2 S3 S4,
S4 suspended), 七年级2班 (S5, S6 whose card expired on 03-15), 八年级1班 (no students).
A graduate G (left 七年级1班) and two teachers T1 T2.

Copies: b1–b8 普通外借 (b1–b4 entered 2025, b5–b8 on 2026-02-01), r1 参考工具书
(2026-01-10), w1 普通外借 (2025) withdrawn on 03-20, x1 entered 2026-04-10 (after the
period), l1 lost in February. CLC: b1 b2 b3 w1 I, b4 b5 K, b6 O, b7 G, b8 none, r1 Z.

Loans in March: S1 b1 (due 03-10, back 03-12: late) and b2 (due 03-20, still out: late),
S2 b1 (after S1 returned it), S5 w1 (before its withdrawal), G b3, T1 b4 and b5; S3 b6 in
February (outside). Loans 7, by students 5, by teachers 2, distinct copies 6.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Loan
from shuxiang.core.models import OpeningSlot
from shuxiang.patrons.models import Patron, SchoolClass

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime(2026, 4, 15, 10, 0)


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=ZONE)


@pytest.fixture
def school(library, actor, make_bib, make_item, make_patron):
    year = library.current_school_year
    c71 = SchoolClass.objects.create(
        library=library, school_year=year, grade=7, number=1, name="七年级1班"
    )
    c72 = SchoolClass.objects.create(
        library=library, school_year=year, grade=7, number=2, name="七年级2班"
    )
    c81 = SchoolClass.objects.create(
        library=library, school_year=year, grade=8, number=1, name="八年级1班"
    )
    p = {}
    for key, name, cls in [
        ("S1", "赵一", c71),
        ("S2", "钱二", c71),
        ("S3", "孙三", c71),
        ("S4", "李四", c71),
        ("S5", "周五", c72),
        ("S6", "吴六", c72),
    ]:
        p[key] = make_patron(name=name, class_name=cls.name)
    Patron.objects.filter(pk=p["S4"].pk).update(status=Patron.Status.BLOCKED)
    Patron.objects.filter(pk=p["S6"].pk).update(valid_until=dt.date(2026, 3, 15))
    p["G"] = make_patron(name="郑毕业", class_name=c71.name)
    Patron.objects.filter(pk=p["G"].pk).update(status=Patron.Status.GRADUATED, school_class=None)
    p["T1"] = make_patron(name="王老师", category="teacher")
    p["T2"] = make_patron(name="冯老师", category="teacher")

    def copy(code, clc, acquired, kind="normal"):
        bib = make_bib(f"书{code}", clc=clc) if clc else make_bib(f"书{code}")
        return make_item(
            bib=bib, circulation_type=kind, acquired_on=dt.date.fromisoformat(acquired)
        )

    i = {}
    for code, clc, acquired in [
        ("b1", "I247", "2025-05-01"),
        ("b2", "I287", "2025-05-01"),
        ("b3", "I313", "2025-05-01"),
        ("b4", "K81", "2025-05-01"),
        ("b5", "K20", "2026-02-01"),
        ("b6", "O1", "2026-02-01"),
        ("b7", "G634", "2026-02-01"),
        ("b8", "", "2026-02-01"),
        ("w1", "I712", "2025-05-01"),
        ("x1", "I247", "2026-04-10"),
        ("l1", "K81", "2025-05-01"),
    ]:
        i[code] = copy(code, clc, acquired)
    i["r1"] = copy("r1", "Z228", "2026-01-10", kind="reference")
    Item.objects.filter(pk=i["w1"].pk).update(
        status=Item.Status.WITHDRAWN, updated_at=at("2026-03-20")
    )
    Item.objects.filter(pk=i["l1"].pk).update(status=Item.Status.LOST, updated_at=at("2026-02-10"))

    def loan(who, item, out, due, back=None, hour=12):
        reader = p[who]
        cls = {"S1": c71, "S2": c71, "S3": c71, "G": c71, "S5": c72}.get(who)
        return Loan.objects.create(
            library=library,
            item=i[item],
            patron=reader,
            channel="web",
            status="returned" if back else "on_loan",
            checked_out_at=at(out, hour),
            due_date=dt.date.fromisoformat(due),
            returned_at=at(back) if back else None,
            patron_category=reader.category,
            patron_grade=cls.grade if cls else None,
            class_at_loan=cls,
            class_name_at_loan=cls.name if cls else "",
        )

    loan("S1", "b1", "2026-03-02", "2026-03-10", "2026-03-12", hour=12)
    loan("S1", "b2", "2026-03-06", "2026-03-20", hour=13)
    loan("S2", "b1", "2026-03-13", "2026-03-27", "2026-03-20", hour=12)
    loan("S5", "w1", "2026-03-03", "2026-03-17", "2026-03-10", hour=12)
    loan("G", "b3", "2026-03-04", "2026-03-18", "2026-03-18", hour=16)
    loan("T1", "b4", "2026-03-05", "2026-04-05", "2026-03-25", hour=12)
    loan("T1", "b5", "2026-03-05", "2026-04-05", "2026-03-25", hour=12)
    loan("S3", "b6", "2026-02-20", "2026-03-06", "2026-03-01", hour=12)
    # Open Monday to Friday 12:00–14:00 (10 hours a week).
    for day in range(5):
        OpeningSlot.objects.create(
            library=library, weekday=day, opens=dt.time(12), closes=dt.time(14)
        )
    return {"classes": {"71": c71, "72": c72, "81": c81}, "patrons": p, "items": i}
