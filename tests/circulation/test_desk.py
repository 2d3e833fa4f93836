"""The desk pages over HTTP: what the person at the desk sees after each scan."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shuxiang.circulation.models import Loan, LoanPolicy
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")


@pytest.fixture
def desk(client, librarian):
    client.force_login(librarian)
    return client


def scan(client, code, patron="", **extra):
    return client.post(
        "/staff/circulation/scan", {"code": code, "patron": patron, **extra}
    ).content.decode()


def test_desk_page(desk):
    html = desk.get("/staff/circulation/").content.decode()
    assert 'id="scan"' in html and "扫描借书证或图书条码" in html
    assert "circulation/desk.js" in html
    assert "https://" not in html.split("<body")[1]  # nothing from a CDN


def test_lend_and_return_at_the_desk(desk, student, make_item):
    make_item(barcode="50000001", bib=None)
    with clock.frozen_at(MONDAY):
        html = scan(desk, "R200001")
        assert 'data-patron="R200001"' in html
        assert "李小华" in html and "七年级3班" in html and "0 / 2" in html
        html = scan(desk, "50000001", patron="R200001")
        assert 'data-level="ok"' in html
        assert "应还日期 2026-11-16" in html
        assert "1 / 2" in html and "2026-11-16" in html
        html = scan(desk, "50000001")  # no reader selected: return
    assert 'data-level="ok"' in html and "已归还" in html and "李小华" in html
    assert Loan.objects.get().status == "returned"


def test_refusal_and_override(desk, student, make_item):
    for n in range(3):
        make_item(barcode=f"5100000{n}")
    with clock.frozen_at(MONDAY):
        scan(desk, "51000000", patron="R200001")
        scan(desk, "51000001", patron="R200001")
        html = scan(desk, "51000002", patron="R200001")
        assert 'data-level="error"' in html and 'data-code="loan_limit"' in html
        assert "达到上限 2 册" in html and "override-form" in html
        html = scan(desk, "51000002", patron="R200001", override_reason="老师批准多借一本")
    assert 'data-level="ok"' in html and "3 / 2" in html
    assert AuditEvent.objects.filter(action="loan.checkout", reason="老师批准多借一本").exists()


def test_return_of_shelved_item_is_a_warning(desk, make_item):
    make_item(barcode="52000000")
    html = scan(desk, "52000000")
    assert 'data-level="warning"' in html and "未借出" in html


def test_unknown_codes(desk, calendar_setup):
    assert 'data-level="error"' in scan(desk, "R777777")
    assert 'data-level="error"' in scan(desk, "77777777")


def test_renew_from_desk(desk, student, make_item):
    make_item(barcode="53000000")
    with clock.frozen_at(MONDAY):
        scan(desk, "53000000", patron="R200001")
    with clock.frozen_at(D("2026-11-12")):
        html = desk.post(
            "/staff/circulation/renew", {"patron": "R200001", "barcode": "53000000"}
        ).content.decode()
        assert "续借成功" in html and "2026-11-26" in html
        html = desk.post(
            "/staff/circulation/renew", {"patron": "R200001", "barcode": ""}
        ).content.decode()
    assert "已续借 0 册" in html and "最多可续借 1 次" in html


def test_receipt(desk, student, make_item):
    make_item(barcode="54000000")
    with clock.frozen_at(MONDAY):
        scan(desk, "54000000", patron="R200001")
        html = desk.get("/staff/circulation/receipt/R200001/?print=1").content.decode()
    assert "借书凭条" in html and "李小华" in html and "2026-11-16" in html
    # It prints itself from a script of the app's own, which the CSP lets run; no inline
    # script, which the CSP would block.
    script = re.search(r'<script src="([^"]+autoprint\.js)"></script>', html)
    assert script and "<script>" not in html
    assert "window.print()" in b"".join(desk.get(script[1]).streaming_content).decode()


def test_assistant_desk(client, library, student, make_patron, make_item, make_user):
    from shuxiang.patrons.models import Patron, SchoolClass

    user = make_user("assistant", username="helper")
    helper = Patron.objects.create(library=library, card_number="R200097", name="小助手", user=user)
    student.school_class.assistants.add(helper)
    other = SchoolClass.objects.create(
        library=library,
        school_year=library.current_school_year,
        grade=8,
        number=2,
        name="八年级2班",
    )
    make_patron(card="R200006", name="孙其他", class_name=other.name)
    make_item(barcode="55000000")
    client.force_login(user)
    assert client.get("/staff/circulation/").status_code == 200
    assert "只能为本班读者" in scan(client, "R200006")
    with clock.frozen_at(MONDAY):
        html = scan(client, "R200001")
        assert "李小华" in html
        html = scan(client, "55000000", patron="R200001")
    assert 'data-level="ok"' in html and 'data-action="renew"' not in html
    assert (
        client.post(
            "/staff/circulation/renew", {"patron": "R200001", "barcode": "55000000"}
        ).status_code
        == 403
    )
    assert client.get("/staff/circulation/policies/").status_code == 403


def test_desk_needs_login(client, library):
    assert client.get("/staff/circulation/").status_code == 302


def test_hold_and_compensation_settings_are_a_tab_of_the_loan_rules(desk, library):
    import re

    for url in ("/staff/circulation/policies/", "/staff/circulation/settings/"):
        html = desk.get(url).content.decode()
        tabs = html[
            html.index('<nav class="tabs">') : html.index(
                "</nav>", html.index('<nav class="tabs">')
            )
        ]
        assert "借阅规则" in tabs and "预约与赔偿设置" in tabs
        header = html[html.index("<header") : html.index("</header>")]
        # One menu entry for both pages, highlighted on either.
        assert "预约与赔偿设置" not in header
        assert re.search(r'class="active">借阅规则</a>', header)


def test_policy_matrix_page(desk, library):
    html = desk.get("/staff/circulation/policies/").content.decode()
    assert "借阅规则" in html and "最多可借" in html
    # Rows in the order a librarian thinks in: students, then teachers, then staff.
    categories = [
        form.instance.patron_category
        for form in desk.get("/staff/circulation/policies/").context["formset"].forms
        if form.instance.pk
    ]
    assert categories == sorted(categories, key=["student", "teacher", "staff"].index)
    assert categories[0] == "student" and len(set(categories)) >= 2
    response = desk.get("/staff/circulation/policies/")
    formset = response.context["formset"]
    data = {}
    for key, value in formset.management_form.initial.items():
        data[f"form-{key}"] = value
    for i, form in enumerate(formset.forms):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or name == "DELETE":
                continue
            if isinstance(value, bool):
                if value:
                    data[f"form-{i}-{name}"] = "on"
                continue
            data[f"form-{i}-{name}"] = value if not hasattr(value, "pk") else value.pk
    # Students may borrow three books; grade 9 gets its own cell with four.
    target = next(
        i
        for i, f in enumerate(formset.forms)
        if f.instance.pk
        and f.instance.patron_category == "student"
        and f.instance.circulation_type == "normal"
    )
    data[f"form-{target}-max_loans"] = 3
    new = len(formset.forms) - 1
    data.update(
        {
            f"form-{new}-patron_category": "student",
            f"form-{new}-grade": 9,
            f"form-{new}-circulation_type": "normal",
            f"form-{new}-loanable": "on",
            f"form-{new}-loan_days": 21,
            f"form-{new}-max_loans": 4,
            f"form-{new}-renewals": 1,
            f"form-{new}-renewal_days": 14,
            f"form-{new}-fine_per_day": 0,
            f"form-{new}-grace_days": 0,
            f"form-{new}-fine_cap": 0,
            f"form-{new}-block_overdue_days": 0,
            f"form-{new}-block_fees": 0,
        }
    )
    response = desk.post("/staff/circulation/policies/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert (
        LoanPolicy.objects.get(
            library=library, patron_category="student", grade=0, circulation_type="normal"
        ).max_loans
        == 3
    )
    assert (
        LoanPolicy.objects.get(
            library=library, patron_category="student", grade=9, circulation_type="normal"
        ).max_loans
        == 4
    )
    assert AuditEvent.objects.filter(action="policy.update").count() == 2


def test_receipt_unknown_reader(desk, library):
    assert desk.get("/staff/circulation/receipt/R000404/").status_code == 404
