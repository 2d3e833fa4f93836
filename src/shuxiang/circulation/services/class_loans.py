"""Class loans (班级集体借阅) and class exchanges (班级图书交换)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation import rules
from shuxiang.circulation.models import ClassLoanTransfer, Loan
from shuxiang.circulation.selectors import item_for_update, library_rules
from shuxiang.circulation.services._common import (
    _check_serves,
    _item_refusals,
    _loan_move,
    _loan_open,
    _require,
)
from shuxiang.circulation.services.loans import CheckinResult, loan_checkin
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.patrons.models import Patron, SchoolClass

# --- class loans (班级集体借阅) ------------------------------------------------------------


def _class(actor: Actor, class_id: int) -> SchoolClass:
    school_class = SchoolClass.objects.filter(library=actor.library, pk=class_id).first()
    if school_class is None:
        raise NotFound(_("没有这个班级。"), code="class_not_found")
    return school_class


def _class_due(actor: Actor, due: dt.date | None) -> dt.date:
    """A class collection stays until the given day or the end of term, on an open day."""
    ctx = library_rules(actor.library)
    today = clock.today()
    if due is None:
        term = ctx.calendar.term_on(today)
        due = term.end if term is not None else today + dt.timedelta(days=90)
    if due < today:
        raise Invalid(_("应还日期不能早于今天。"), code="invalid_due")
    return rules.place_due_date(due, calendar=ctx.calendar, today=today)


def _custodian(school_class: SchoolClass) -> Patron | None:
    return school_class.assistants.order_by("id").first()


def _lend_to_class(
    actor: Actor, school_class: SchoolClass, item: Item, due: dt.date, custodian: Patron | None
) -> Loan:
    return _loan_open(
        actor,
        item=item,
        school_class=school_class,
        due=due,
        custodian=custodian,
        taken_message=_("%(barcode)s 已借出。") % {"barcode": item.barcode},
    )


def _lendable_to_class(
    actor: Actor, school_class: SchoolClass, barcodes: list[str]
) -> tuple[list[Item], list[str]]:
    """The copies (locked) that may go to the class, and why each other one may not,
    by the same item rule as the desk under the class's students' policy."""
    ctx = library_rules(actor.library)
    problems, items = [], []
    for barcode in dict.fromkeys(b.strip() for b in barcodes if b.strip()):
        item = item_for_update(actor.library.pk, barcode)
        if item is None:
            problems.append(_("%(barcode)s：没有这本书") % {"barcode": barcode})
            continue
        policy = ctx.matrix.lookup("student", school_class.grade, item.circulation_type)
        refusals = _item_refusals(item, policy)
        if refusals:
            problems.append(
                _("%(barcode)s：%(reason)s") % {"barcode": barcode, "reason": refusals[0].message}
            )
        else:
            items.append(item)
    return items, problems


@transaction.atomic
def class_loan_checkout(
    *, actor: Actor, class_id: int, barcodes: list[str], due: dt.date | None = None
) -> list[Loan]:
    """Lend a batch of copies to a class with one due date (e.g. end of term). The class
    is the borrower; its student assistant is the custodian. All or nothing."""
    school_class = _class(actor, class_id)
    _check_serves(actor, school_class.pk)
    due_date = _class_due(actor, due)
    custodian = _custodian(school_class)
    items, problems = _lendable_to_class(actor, school_class, barcodes)
    if problems or not items:
        raise Conflict(
            _("不能借给班级：") + "；".join(problems or [_("没有图书")]),
            code="class_loan_refused",
            problems=problems,
        )
    loans = []
    now = clock.now()
    for item in items:
        loan = _lend_to_class(actor, school_class, item, due_date, custodian)
        before_status = item.status
        item_status_set(item_id=item.pk, status=Item.Status.ON_LOAN, at=now)
        audit.record(
            actor,
            "loan.checkout",
            loan,
            before={"item_status": before_status},
            after={
                "item": item.barcode,
                "class": school_class.name,
                "custodian": custodian.card_number if custodian else "",
                "due": due_date.isoformat(),
                "item_status": "on_loan",
            },
        )
        loans.append(loan)
    return loans


@transaction.atomic
def class_loan_checkin(*, actor: Actor, barcodes: list[str]) -> list[CheckinResult]:
    """Take back part or all of a class collection (partial returns)."""
    return [loan_checkin(actor=actor, barcode=b) for b in barcodes if b.strip()]


@transaction.atomic
def class_loan_transfer(
    *, actor: Actor, from_class_id: int, to_class_id: int, due: dt.date | None = None
) -> ClassLoanTransfer:
    """Class exchange (班级图书交换): the whole collection one class holds moves to
    another class in one step. The old loans end as returned (the giving class keeps its
    statistics), new loans start for the receiving class, and the transfer is kept."""
    _require(actor, "circulate_any_class")
    source, target = _class(actor, from_class_id), _class(actor, to_class_id)
    if source.pk == target.pk:
        raise Invalid(_("请选择另一个班级。"), code="same_class")
    loans = list(
        Loan.objects.select_for_update(of=("self",))
        .filter(library=actor.library, school_class=source, status=Loan.Status.ON_LOAN)
        .select_related("item")
        .order_by("id")
    )
    if not loans:
        raise Conflict(
            _("%(name)s 没有在借的班级图书。") % {"name": source.name}, code="nothing_to_transfer"
        )
    due_date = _class_due(actor, due or max(loan.due_date for loan in loans))
    custodian = _custodian(target)
    now = clock.now()
    for loan in loans:
        _loan_move(actor, loan, Loan.Status.RETURNED, at=now)
    for loan in loans:
        new = _lend_to_class(actor, target, loan.item, due_date, custodian)
        audit.record(
            actor,
            "loan.transfer",
            new,
            before={"class": source.name, "loan": loan.pk},
            after={"class": target.name, "item": loan.item.barcode, "due": due_date.isoformat()},
        )
    return ClassLoanTransfer.objects.create(
        library=actor.library,
        from_class=source,
        to_class=target,
        at=now,
        barcodes=[loan.item.barcode for loan in loans],
        due_date=due_date,
        by_name=actor.name[:150],
    )
