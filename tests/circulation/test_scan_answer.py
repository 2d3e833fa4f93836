"""The desk's scan answers are built in Python (circulation/scan_answer.py): every value
is escaped and every word is in the desk's language."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import translation

from shuxiang.circulation import scan_answer
from shuxiang.circulation.selectors import PanelHold, PanelLoan

EVIL = '<img src=x onerror="alert(1)">'


def _summary(name: str, title: str) -> dict:
    patron = SimpleNamespace(
        name=name,
        card_number='R1"><b>',
        school_class_id=1,
        school_class=SimpleNamespace(name=EVIL),
        get_category_display=lambda: "学生",
    )
    loan = PanelLoan(
        pk=7,
        barcode='B"1',
        title=title,
        call_number="I247<5>",
        checked_out_at=dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC),
        due_date=dt.date(2026, 11, 16),
        renewals=0,
    )
    return {
        "patron": patron,
        "loans": [{"loan": loan, "overdue_days": 3, "renewals_left": 1, "today": False}],
        "count": 1,
        "limit": 2,
        "at_limit": False,
        "overdue": 1,
        "holds_ready": [PanelHold(EVIL, dt.date(2026, 12, 3))],
        "fees": 150,
        "fees_yuan": "1.50",
        "blocks": [SimpleNamespace(message=EVIL)],
        "due_today_text": "2026-12-15",
    }


def test_every_value_is_escaped():
    summary = _summary(EVIL, EVIL)
    html = scan_answer.answer(
        level="error",
        message=EVIL,
        code="loan_limit",
        patron=summary["patron"],
        override=True,
        barcode='B"2',
        refused_title=EVIL,
        summary=summary,
        rows=summary["loans"],
        can_renew=True,
    )
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'data-patron="R1&quot;&gt;&lt;b&gt;"' in html
    assert 'data-barcode="B&quot;1"' in html and 'data-barcode="B&quot;2"' in html
    assert "I247&lt;5&gt;" in html
    # the panel's figures and words, as the desk's script and the librarian read them
    assert 'data-count="1"' in html and 'data-limit="2"' in html and 'data-blocked="1"' in html
    assert "逾期 3 天" in html and "欠费 1.50 元，请到图书管理员处缴费。" in html
    assert "保留至 2026-12-03" in html and "越权借出" in html


def test_words_follow_the_language():
    summary = _summary("Li Hua", "Charlotte's Web")
    with translation.override("en"):
        html = scan_answer.answer(summary=summary, rows=summary["loans"], can_renew=True)
        head = scan_answer.loans_head()
    with translation.override("zh-hans"):
        chinese = scan_answer.answer(summary=summary, rows=summary["loans"], can_renew=True)
    assert "在借图书" in chinese and "在借图书" not in html
    assert "Charlotte&#x27;s Web" in html
    assert "续借" not in head and "<th>" in head
    returned = SimpleNamespace(
        patron=None,
        item=SimpleNamespace(barcode="B9"),
        overdue_days=2,
        found=True,
        hold={"name": EVIL},
        fee=100,
        level="warning",
    )
    row = scan_answer.answer(level="warning", message="m", returned=returned, returned_title=EVIL)
    assert "<img" not in row and 'class="return-row"' in row and "已找到" in row
