"""The demo school: built at a reduced size, deterministic, and consistent with the
rules the database and the circulation desk enforce."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from stdnum import isbn as stdnum_isbn

from shuxiang.core import clock
from shuxiang.demo import titles

TODAY = dt.date(2026, 11, 20)
SMALL = ["--students", "60", "--items", "500"]


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args: str) -> str:
    out = io.StringIO()
    with clock.frozen_at(TODAY):
        call_command("demo", *SMALL, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> dict[str, list]:
    from shuxiang.catalog.models import Bib, Item
    from shuxiang.circulation.models import Loan
    from shuxiang.patrons.models import Patron

    return {
        "patrons": list(
            Patron.objects.order_by("card_number").values_list("card_number", "name", "gender")
        ),
        "bibs": list(
            Bib.objects.order_by("isbn").values_list("isbn", "title", "clc", "publisher", "price")
        ),
        "items": list(
            Item.objects.order_by("barcode").values_list(
                "barcode", "bib__isbn", "call_number__value"
            )
        ),
        "loans": list(
            Loan.objects.order_by("checked_out_at").values_list(
                "item__barcode", "patron__card_number", "due_date"
            )
        ),
    }


@pytest.mark.parametrize(
    ("first12", "isbn13"),
    [
        ("978702000220", "9787020002207"),
        ("978710014782", "9787100147828"),
        ("978753240001", "9787532400010"),
    ],
)
def test_isbn_check_digit(first12, isbn13):
    assert titles.isbn13(first12) == isbn13
    assert stdnum_isbn.is_valid(isbn13)


def test_every_shelf_names_known_publishers():
    for shelf in titles.SHELVES:
        assert shelf.templates or shelf.works, shelf.clc
        for publisher in shelf.publishers + tuple(w.publisher for w in shelf.works if w.publisher):
            assert publisher in titles.PUBLISHERS, (shelf.clc, publisher)


@pytest.mark.django_db
def test_demo_builds_a_consistent_school(client, fast_passwords):
    from shuxiang.catalog.models import Bib, CallNumber, Item
    from shuxiang.circulation.models import Loan
    from shuxiang.core.models import AuditEvent, CalendarDay, Library, Term, Vacation
    from shuxiang.patrons.models import Patron, SchoolClass

    output = run_demo()
    assert "demo school ready" in output
    for username, password in [
        ("admin", "admin123"),
        ("librarian", "librarian123"),
        ("student", "student123"),
    ]:
        assert re.search(rf"{username}\s+{password}", output)

    library = Library.objects.get(code="main")
    assert library.name == "书香实验中学图书馆"
    assert library.current_school_year == 2026
    assert Term.objects.filter(library=library).count() == 2
    assert {v.name for v in Vacation.objects.filter(library=library)} == {"寒假", "暑假"}
    assert CalendarDay.objects.filter(
        library=library, date=dt.date(2026, 10, 1), kind="closed"
    ).exists()
    assert CalendarDay.objects.filter(library=library, kind="open").exists()

    # 七/八/九年级 with four classes each, each with a homeroom teacher and 2–4 assistants.
    classes = list(SchoolClass.objects.filter(library=library).order_by("grade", "number"))
    assert [c.name for c in classes] == [f"{g}年级{n}班" for g in "七八九" for n in range(1, 5)]
    for school_class in classes:
        assert school_class.homeroom_teacher.category == "teacher"
        assert 2 <= school_class.assistants.count() <= 4
        assert all(a.school_class_id == school_class.pk for a in school_class.assistants.all())
    assert Patron.objects.filter(category="student").count() == 60
    assert Patron.objects.filter(category="teacher").count() == 40
    card = re.compile(library.card_pattern)
    for patron in Patron.objects.all():
        assert card.match(patron.card_number)
        assert patron.name_pinyin and patron.name_initials

    # The collection: valid 978-7 ISBNs, one call number per title shared by its copies.
    assert Item.objects.count() == 500
    bibs = list(Bib.objects.all())
    assert all(stdnum_isbn.is_valid(b.isbn) and b.isbn.startswith("9787") for b in bibs)
    assert len({b.isbn for b in bibs}) == len(bibs)
    assert CallNumber.objects.count() == len(bibs)
    for bib_id, shared in (
        Item.objects.values("bib")
        .annotate(n=Count("call_number", distinct=True))
        .values_list("bib", "n")
    ):
        assert shared == 1, bib_id
    assert all(
        cn.value.startswith(cn.bib.clc + "/") for cn in CallNumber.objects.select_related("bib")
    )
    barcode = re.compile(library.barcode_pattern)
    assert all(barcode.match(b) for b in Item.objects.values_list("barcode", flat=True))

    # Loans: one open loan per item, the category limits, snapshots, due dates on open days.
    loans = list(Loan.objects.select_related("patron", "item", "class_at_loan"))
    assert loans
    assert all(loan.checked_out_at.date() < TODAY and loan.channel == "web" for loan in loans)
    open_loans = [loan for loan in loans if loan.status == "on_loan"]
    assert len({loan.item_id for loan in open_loans}) == len(open_loans)
    assert {loan.item_id for loan in open_loans} == set(
        Item.objects.filter(status="on_loan").values_list("pk", flat=True)
    )
    per_patron: dict[int, int] = {}
    for loan in open_loans:
        per_patron[loan.patron_id] = per_patron.get(loan.patron_id, 0) + 1
    for loan in open_loans:
        assert per_patron[loan.patron_id] <= (2 if loan.patron.category == "student" else 10)
    closed = set(CalendarDay.objects.filter(kind="closed").values_list("date", flat=True))
    make_up = set(CalendarDay.objects.filter(kind="open").values_list("date", flat=True))
    for loan in loans:
        assert loan.item.circulation_type == "normal"
        assert (
            loan.due_date.weekday() < 5 or loan.due_date in make_up
        ) and loan.due_date not in closed
        assert loan.patron_category == loan.patron.category
        if loan.patron.category == "student":
            assert (
                loan.class_name_at_loan == loan.class_at_loan.name == loan.patron.school_class.name
            )
            assert loan.patron_grade == loan.class_at_loan.grade
            assert (loan.due_date - loan.checked_out_at.date()).days >= 14
        if loan.status == "returned":
            assert loan.returned_at > loan.checked_out_at
    assert Item.objects.filter(circulation_type="reference").exists()

    assert AuditEvent.objects.filter(action="demo.generate").count() == 1

    # The demo logins work and are linked to the right readers of 七年级1班.
    first = classes[0]
    assert Patron.objects.get(user__username="assistant") in first.assistants.all()
    assert Patron.objects.get(user__username="teacher") == first.homeroom_teacher
    assert Patron.objects.get(user__username="student").school_class == first
    for username, password in [
        ("admin", "admin123"),
        ("librarian", "librarian123"),
        ("assistant", "assistant123"),
        ("teacher", "teacher123"),
        ("student", "student123"),
        ("leader", "leader123"),
    ]:
        # django-axes wants the request a login comes with.
        assert client.login(request=HttpRequest(), username=username, password=password), username
        client.logout()


@pytest.mark.django_db
def test_same_seed_same_school(fast_passwords):
    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            run_demo("--seed", "7")
            first = snapshot()
            raise Undo
    except Undo:
        pass
    try:
        with transaction.atomic():
            run_demo("--seed", "8")
            other = snapshot()
            raise Undo
    except Undo:
        pass
    run_demo("--seed", "7")
    second = snapshot()
    assert first == second
    assert first["bibs"] and first["loans"]
    assert other["patrons"] != first["patrons"] and other["bibs"] != first["bibs"]


@pytest.mark.django_db
def test_demo_only_fills_an_empty_database(fast_passwords):
    from shuxiang.catalog.models import Item

    run_demo()
    with pytest.raises(CommandError, match="already holds"):
        run_demo()
    assert "nothing done" in run_demo("--if-empty")
    assert Item.objects.count() == 500
