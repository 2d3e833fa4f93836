"""Taking over the open loans of the previous system."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation.models import Loan
from shuxiang.circulation.selectors import item_for_update, patron_for_scan
from shuxiang.circulation.services._common import _grade, _require, _user
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor

# --- taking over loans from the old system ----------------------------------------------


@dataclass
class LegacyRow:
    line: int
    card: str
    barcode: str
    checked_out: str
    due: str


@dataclass
class LegacyReport:
    rows: int = 0
    imported: int = 0
    dry_run: bool = True
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)


def _parse_day(text: str) -> dt.date | None:
    text = (text or "").strip().replace("/", "-").replace(".", "-")
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        return None


@transaction.atomic
def legacy_loans_import(
    *, actor: Actor, rows: list[LegacyRow], dry_run: bool = True
) -> LegacyReport:
    """Take over the open loans of the previous system (借书证号, 条码号, 借出日期,
    应还日期). Every row is checked; a dry run writes nothing; a real run writes the good
    rows in this transaction and lists every rejected row with its line and reason."""
    _require(actor, "circulate_any_class")
    library = actor.library
    report = LegacyReport(rows=len(rows), dry_run=dry_run)
    seen: set[str] = set()
    now = clock.now()
    for row in rows:

        def reject(reason: str, row: LegacyRow = row) -> None:
            report.rejected.append((row.line, row.card, row.barcode, reason))

        patron = patron_for_scan(library.pk, row.card) if row.card else None
        item = item_for_update(library.pk, row.barcode) if row.barcode else None
        out, due = _parse_day(row.checked_out), _parse_day(row.due)
        if patron is None:
            reject(_("没有这个借书证号"))
        elif item is None:
            reject(_("没有这个条码号"))
        elif row.barcode in seen:
            reject(_("条码号在文件中重复"))
        elif item.status != Item.Status.AVAILABLE:
            reject(_("图书不在架（%(status)s）") % {"status": item.get_status_display()})
        elif out is None or due is None:
            reject(_("日期无法识别"))
        elif due < out or out > clock.today():
            reject(_("日期不合理"))
        else:
            seen.add(row.barcode)
            report.imported += 1
            if dry_run:
                continue
            checked_out_at = dt.datetime.combine(out, dt.time(12, 0), tzinfo=now.tzinfo)
            loan = Loan.objects.create(
                library=library,
                item=item,
                patron=patron,
                status=Loan.Status.ON_LOAN,
                checked_out_at=checked_out_at,
                due_date=due,
                channel=actor.channel,
                checked_out_by=_user(actor),
                patron_category=patron.category,
                patron_grade=_grade(patron),
                class_at_loan_id=patron.school_class_id,
                class_name_at_loan=patron.school_class.name if patron.school_class_id else "",
            )
            item_status_set(item_id=item.pk, status=Item.Status.ON_LOAN, at=now)
            audit.record(
                actor,
                "loan.import",
                loan,
                before={"item_status": "available"},
                after={"item": item.barcode, "patron": patron.card_number, "due": due.isoformat()},
            )
    if dry_run:
        transaction.set_rollback(True)
    return report
