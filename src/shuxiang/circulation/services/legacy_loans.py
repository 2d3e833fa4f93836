"""Taking over the open loans of the previous system (旧系统在借数据)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation.selectors import item_for_update, library_rules, patron_for_scan
from shuxiang.circulation.services._common import _grade, _item_refusals, _loan_open, _require
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.spreadsheet import parse_date
from shuxiang.patrons.models import Patron


@dataclass
class LegacyRow:
    """One row of the previous system's loan list. The dates are the cells as read (a
    date cell, an Excel serial number, or text such as 2026/3/1 or 2026年3月1日)."""

    line: int
    card: str
    barcode: str
    checked_out: Any
    due: Any


@dataclass
class LegacyReport:
    rows: int = 0
    imported: int = 0
    dry_run: bool = True
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)


def _day(value: Any) -> dt.date | None:
    """A date cell as the roster import reads it (`core.spreadsheet.parse_date`)."""
    try:
        return parse_date(value)
    except ValueError:
        return None


@dataclass
class _Checked:
    patron: Patron
    item: Item
    checked_out: dt.date
    due: dt.date


def _check_row(actor: Actor, row: LegacyRow, seen: set[str]) -> _Checked | str:
    """The row's reader, copy and dates, or why it cannot be taken over. The copy must
    be one the desk would lend (`rules.item_refusals`)."""
    library = actor.library
    patron = patron_for_scan(library.pk, row.card) if row.card else None
    item = item_for_update(library.pk, row.barcode) if row.barcode else None
    out, due = _day(row.checked_out), _day(row.due)
    if patron is None:
        return _("没有这个借书证号")
    if item is None:
        return _("没有这个条码号")
    if row.barcode in seen:
        return _("条码号在文件中重复")
    policy = library_rules(library).matrix.lookup(
        patron.category, _grade(patron), item.circulation_type
    )
    refusals = _item_refusals(item, policy)
    if refusals:
        return _("%(reason)s（%(status)s）") % {
            "reason": refusals[0].message,
            "status": item.get_status_display(),
        }
    if out is None or due is None:
        return _("日期无法识别")
    if due < out or out > clock.today():
        return _("日期不合理")
    return _Checked(patron=patron, item=item, checked_out=out, due=due)


@transaction.atomic
def legacy_loans_import(
    *, actor: Actor, rows: list[LegacyRow], dry_run: bool = True
) -> LegacyReport:
    """Take over the open loans of the previous system (借书证号, 条码号, 借出日期,
    应还日期). Every row is checked; a dry run writes nothing; a real run writes the good
    rows in this transaction and lists every rejected row with its line and reason."""
    _require(actor, "circulate_any_class")
    report = LegacyReport(rows=len(rows), dry_run=dry_run)
    seen: set[str] = set()
    now = clock.now()
    for row in rows:
        checked = _check_row(actor, row, seen)
        if isinstance(checked, str):
            report.rejected.append((row.line, row.card, row.barcode, checked))
            continue
        seen.add(row.barcode)
        report.imported += 1
        if dry_run:
            continue
        item, patron = checked.item, checked.patron
        loan = _loan_open(
            actor,
            item=item,
            patron=patron,
            due=checked.due,
            checked_out_at=dt.datetime.combine(checked.checked_out, dt.time(12, 0), now.tzinfo),
        )
        before_status = item.status
        item_status_set(item_id=item.pk, status=Item.Status.ON_LOAN, at=now)
        audit.record(
            actor,
            "loan.import",
            loan,
            before={"item_status": before_status},
            after={
                "item": item.barcode,
                "due": checked.due.isoformat(),
            },
        )
    if dry_run:
        transaction.set_rollback(True)
    return report
