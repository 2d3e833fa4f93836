"""Overdue reminders (催还): the class list for the homeroom teacher, the PDF slip, the
librarian's summary and the command."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.core.management import call_command

from shuxiang.circulation import services
from shuxiang.core import clock
from shuxiang.core.pdf import find_cjk_font

D = dt.date.fromisoformat
MONDAY = D("2026-11-02")
LATER = D("2026-11-20")  # loans made on MONDAY fell due on 16 November


@pytest.fixture
def overdue_class(actor, student, make_patron, make_bib, make_item, school_class, make_user):
    make_patron(card="R200002", name="王小红", class_name=school_class.name)
    teacher_user = make_user("teacher", username="banzhuren")
    homeroom = make_patron(card="R300009", name="陈老师", category="teacher")
    homeroom.user = teacher_user
    homeroom.save()
    school_class.homeroom_teacher = homeroom
    school_class.save()
    make_item(barcode="60000001", bib=make_bib("西游记"))
    make_item(barcode="60000002", bib=make_bib("城南旧事"))
    with clock.frozen_at(MONDAY):
        services.loan_checkout(actor=actor, card="R200001", barcode="60000001")
        services.loan_checkout(actor=actor, card="R200002", barcode="60000002")
    return school_class, teacher_user


def test_teacher_sees_own_class_list(client, overdue_class, make_user, library):
    school_class, teacher_user = overdue_class
    client.force_login(teacher_user)
    with clock.frozen_at(LATER):
        r = client.get(f"/staff/circulation/overdue/class/{school_class.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "李小华" in html and "西游记" in html and "2026-11-16" in html
    other = make_user("teacher", username="other-teacher")
    client.force_login(other)
    with clock.frozen_at(LATER):
        r = client.get(f"/staff/circulation/overdue/class/{school_class.pk}/")
    assert r.status_code == 404


def test_librarian_summary(client, librarian, overdue_class):
    client.force_login(librarian)
    with clock.frozen_at(LATER):
        html = client.get("/staff/circulation/overdue/").content.decode()
    assert "七年级3班" in html and "城南旧事" in html and "共 2 册逾期未还" in html


@pytest.mark.skipif(
    find_cjk_font() is None or shutil.which("pdftoppm") is None, reason="font or pdftoppm"
)
def test_class_slip_pdf_renders(client, overdue_class, tmp_path):
    school_class, teacher_user = overdue_class
    client.force_login(teacher_user)
    with clock.frozen_at(LATER):
        r = client.get(f"/staff/circulation/overdue/class/{school_class.pk}/slip.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(r.content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 5000
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("七年级3班", "逾期催还单", "李小华", "西游记", "2026-11-16", "4天"):
        assert expected in text


@pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font")
def test_overdue_notices_command(overdue_class, tmp_path, capsys):
    out = tmp_path / "notices.pdf"
    with clock.frozen_at(LATER):
        call_command("overdue-notices", str(out), "--class", "七年级3班")
    assert out.read_bytes().startswith(b"%PDF")
    assert "2 overdue loans in 1 classes" in capsys.readouterr().out


def test_overdue_classes_come_in_grade_order_not_character_order(library, make_item, make_patron):
    """七年级 < 八年级 < 九年级, though 九 (U+4E5D) sorts before 八 (U+516B) by code point."""
    import datetime as dt

    from shuxiang.circulation.models import Loan
    from shuxiang.circulation.selectors import overdue_loans
    from shuxiang.core import clock
    from shuxiang.patrons.models import SchoolClass

    names = []
    for grade, name in [(9, "九年级1班"), (8, "八年级1班"), (7, "七年级1班")]:
        cls = SchoolClass.objects.create(
            library=library,
            school_year=library.current_school_year,
            grade=grade,
            number=1,
            name=name,
        )
        patron = make_patron(class_name=name)
        Loan.objects.create(
            library=library,
            item=make_item(),
            patron=patron,
            checked_out_at=clock.now(),
            due_date=clock.today() - dt.timedelta(days=20),
            channel="web",
        )
        names.append(cls.name)
    lines = overdue_loans(library, today=clock.today())
    assert [line.class_name for line in lines] == ["七年级1班", "八年级1班", "九年级1班"]
