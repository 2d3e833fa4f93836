"""Two schools for the permission matrix (tests/core/test_permission_matrix.py).

Both are built by the same function, so each object of the first school (甲校) has its
twin in the second (乙校) under the same attribute: a matrix row names an object once
(`lambda s: s.reader1.pk`) and the cross-library check asks for the twin. Names, cards,
barcodes and class names differ between the schools, so that a lookup by such a key
finds the other school's object only if scoping is broken, and the other school's
names never appear in a correct answer.

One school, as the roles see it:

- class1 (七年级1班 / 八年级1班): reader1, a student with the `student` login; the
  `assistant` login's reader (班级图书管理员 of class1); the `teacher` login's reader is
  its homeroom teacher (班主任).
- class2: reader2, served by none of those logins.
- a title with copy1 on loan to reader1 and copy2 on loan to reader2; a free title with
  one available copy (what a forbidden checkout or hold would take); a title that
  reader1 and reader2 hold (hold1, hold2), its copy on the shelf (the pick list's).
- an open fee for each reader (fee1, fee2) and a paid one each (receipt1, receipt2).
- a purchase batch, reader1's purchase suggestion, an SRU server, the stacks location.
- logins for every role, a spare teacher login and a spare admin login (what the logins
  page acts on). The deployment superuser belongs to no school and acts for the
  default library, the first one made (甲校).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.test import override_settings

ROLES = (
    "anonymous",
    "student",
    "teacher",
    "assistant",
    "leader",
    "librarian",
    "admin",
    "superuser",
)
PASSWORD = "secret123"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class School:
    code: str
    name: str
    library: Any = None
    users: dict[str, Any] = field(default_factory=dict)
    spare_login: Any = None
    spare_admin: Any = None
    class1: Any = None
    class2: Any = None
    reader1: Any = None
    reader2: Any = None
    bib: Any = None
    copy1: Any = None
    copy2: Any = None
    free_bib: Any = None
    free_copy: Any = None
    hold_bib: Any = None
    hold_copy: Any = None
    hold1: Any = None
    hold2: Any = None
    fee1: Any = None
    fee2: Any = None
    receipt1: str = ""
    receipt2: str = ""
    batch: Any = None
    suggestion: Any = None
    sru_server: Any = None
    location: Any = None
    subscription: Any = None
    serial_issue: Any = None
    expected_issue: Any = None
    kiosk: Any = None  # a self-service kiosk's login (SIP2 only): not a column of the matrix
    stocktake: Any = None  # open
    closed_stocktake: Any = None  # of a class the school holds nothing of: nothing went missing
    withdrawal: Any = None  # pending, proposed by the librarian
    reading_list: Any = None  # a recommended reading list (统计报表 → 推荐书目)


@dataclass
class World:
    own: School
    other: School
    superuser: Any

    def user(self, role: str) -> Any:
        if role == "anonymous":
            return None
        if role == "superuser":
            return self.superuser
        return self.own.users[role]


def _school(code: str, prefix: str, school: str, number: int, grade: int, day: dt.date) -> School:
    """One school; `number` makes its cards (R<n>00001) and barcodes (<n>0000001) its own."""
    from shuxiang.acquisitions.services import batch_create, suggestion_create
    from shuxiang.catalog.services import bib_create, item_create
    from shuxiang.circulation.services import (
        fee_pay,
        hold_place,
        item_mark_damaged,
        loan_checkout,
    )
    from shuxiang.core import clock
    from shuxiang.core.audit import Actor
    from shuxiang.core.models import AuditEvent, Location
    from shuxiang.core.services import library_setup, user_create
    from shuxiang.inventory.services import (
        stocktake_close,
        stocktake_create,
        withdrawal_propose,
    )
    from shuxiang.patrons.models import Patron, SchoolClass
    from shuxiang.patrons.services import class_set_staff, patron_create
    from shuxiang.serials.services import issue_receive, subscription_create
    from shuxiang.sru.services import sru_server_create

    s = School(code=code, name=f"{school}图书馆")
    s.library = library = library_setup(code=code, name=s.name, school_name=school)
    for role in ROLES[1:-1]:
        s.users[role] = user_create(
            library=library, username=f"{code}-{role}", role=role, password=PASSWORD
        )
    s.spare_login = user_create(
        library=library, username=f"{code}-spare", role="teacher", password=PASSWORD
    )
    s.spare_admin = user_create(
        library=library, username=f"{code}-admin2", role="admin", password=PASSWORD
    )
    s.kiosk = user_create(
        library=library, username=f"kiosk-{code}", role="kiosk", password=PASSWORD
    )
    actor = Actor(library=library, user=s.users["librarian"], channel=AuditEvent.Channel.WEB)

    def school_class(n: int) -> Any:
        return SchoolClass.objects.create(
            library=library,
            school_year=library.current_school_year,
            grade=grade,
            number=n,
            name=f"{'七八'[grade - 7]}年级{n}班",
        )

    def card(n: int) -> str:
        return f"R{number}{n:05d}"

    def barcode(n: int) -> str:
        return f"{number}{n:07d}"

    s.class1, s.class2 = school_class(1), school_class(2)
    s.reader1 = patron_create(
        actor=actor, card=card(1), name=f"{prefix}读者一", class_name=s.class1.name
    )
    s.reader2 = patron_create(
        actor=actor, card=card(2), name=f"{prefix}读者二", class_name=s.class2.name
    )
    helper = patron_create(
        actor=actor, card=card(3), name=f"{prefix}班管员", class_name=s.class1.name
    )
    homeroom = patron_create(actor=actor, card=card(4), name=f"{prefix}班主任", category="teacher")
    for patron, role in ((s.reader1, "student"), (helper, "assistant"), (homeroom, "teacher")):
        Patron.objects.filter(pk=patron.pk).update(user=s.users[role])
    class_set_staff(
        actor=actor,
        class_id=s.class1.pk,
        homeroom_card=homeroom.card_number,
        assistant_cards=[helper.card_number],
    )
    s.location = Location.objects.get(library=library, code="stacks")

    def copy(bib: Any, n: int) -> Any:
        return item_create(actor=actor, bib_id=bib.pk, barcode=barcode(n), price=2000)

    with clock.frozen_at(day):
        s.bib = bib_create(actor=actor, title=f"{prefix}校藏书")
        s.copy1, s.copy2 = copy(s.bib, 1), copy(s.bib, 2)
        loan_checkout(actor=actor, card=s.reader1.card_number, barcode=s.copy1.barcode)
        loan_checkout(actor=actor, card=s.reader2.card_number, barcode=s.copy2.barcode)
        s.free_bib = bib_create(actor=actor, title=f"{prefix}校新书")
        s.free_copy = copy(s.free_bib, 3)
        s.hold_bib = bib_create(actor=actor, title=f"{prefix}校热门书")
        s.hold_copy = copy(s.hold_bib, 4)
        s.hold1 = hold_place(actor=actor, card=s.reader1.card_number, bib_id=s.hold_bib.pk)
        s.hold2 = hold_place(actor=actor, card=s.reader2.card_number, bib_id=s.hold_bib.pk)
        fee_bib = bib_create(actor=actor, title=f"{prefix}校损坏书")
        fees = []
        for n, reader in ((5, s.reader1), (6, s.reader1), (7, s.reader2), (8, s.reader2)):
            damaged = copy(fee_bib, n)
            fees.append(
                item_mark_damaged(
                    actor=actor, barcode=damaged.barcode, severity="minor", card=reader.card_number
                )
            )
        s.fee1, paid1, s.fee2, paid2 = fees
        s.receipt1 = fee_pay(actor=actor, fee_ids=[paid1.pk])[0].receipt_number
        s.receipt2 = fee_pay(actor=actor, fee_ids=[paid2.pk])[0].receipt_number
        s.batch = batch_create(actor=actor, name=f"{prefix}校采购批次", year=day.year)
        reader = Actor(library=library, user=s.users["student"], channel=AuditEvent.Channel.WEB)
        s.suggestion = suggestion_create(
            actor=reader, patron_id=s.reader1.pk, title=f"{prefix}校荐购书"
        ).suggestion
        # A periodical with its first issue checked in and its second still expected.
        s.subscription = subscription_create(
            actor=actor, title=f"{prefix}校少年报", year=day.year, frequency="monthly"
        )
        s.serial_issue = s.subscription.issues.get(number=1)
        received = issue_receive(
            actor=actor, subscription_id=s.subscription.pk, issue_id=s.serial_issue.pk
        )
        s.serial_issue.item_barcode = received.barcode
        s.expected_issue = s.subscription.issues.get(number=2)
    s.stocktake = stocktake_create(actor=actor, name=f"{prefix}校期末清点")
    s.closed_stocktake = stocktake_create(actor=actor, name=f"{prefix}校期中清点", clc="ZZ")
    stocktake_close(actor=actor, stocktake_id=s.closed_stocktake.pk)
    weeded = item_create(
        actor=actor,
        bib_id=bib_create(actor=actor, title=f"{prefix}校待剔旧书").pk,
        barcode=barcode(90),  # beyond those the range hands out above
        price=2000,
    )
    s.withdrawal = withdrawal_propose(actor=actor, barcodes=[weeded.barcode], reason="weeding")
    from shuxiang.reports.services import reading_list_import

    s.reading_list, _found = reading_list_import(
        actor=actor, name=f"{prefix}校阅读目录", content=f"书名\n{prefix}校推荐书\n".encode()
    )
    s.sru_server = sru_server_create(
        actor=actor, name=f"{prefix}校联合目录", url=f"http://sru-{code}.invalid/sru"
    )
    return s


def build_world() -> World:
    """Both schools and the deployment superuser. The first school is made first, so it
    is the default library the superuser acts for. Each school's payments are made on a
    day of its own, so that their receipt numbers differ too."""
    from shuxiang.core.services import superuser_create

    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        own = _school("school-a", "甲", "甲校", 1, 7, dt.date(2026, 11, 2))
        other = _school("school-b", "乙", "乙校", 9, 8, dt.date(2026, 11, 3))
        root = superuser_create(username="deploy-root", password=PASSWORD)
    return World(own=own, other=other, superuser=root)
