"""Claims returned (声称已还) and copies found again.

A reader says they brought a book back, the desk has no record of it: the librarian
marks the loan claimed-returned. From then on the loan is not open (every list of open
or overdue loans, the reader's count against the limit and the blocks for lateness read
only `on_loan` loans), it accrues no fine, and the copy is sought.

A copy of a lost or claimed-returned loan that turns up — scanned at the desk's
check-in, or seen by a stocktake, whose close checks it in — comes back through one
path, `_found_copy_settle`, called by `loans.loan_checkin`: the loan ends as returned,
a lost-book bill is cancelled or refunded by `fees._lost_copy_found`'s rules.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.catalog.services import item_status_set
from shuxiang.circulation.models import Loan
from shuxiang.circulation.selectors import open_loan_of, patron_by_id
from shuxiang.circulation.services._common import _loan_move, _locked_item, _require
from shuxiang.circulation.services.fees import _claimed_loan, _lost_copy_found
from shuxiang.core import audit, clock, rows
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound

NOTE_MAX = 200

# The copy of a claimed-returned loan is `missing` (丢失待查), not a status of its own:
# it is what every other part already understands as "sought". A stocktake expects a
# missing copy and lists it as missing when nobody scans it, or as recovered when
# somebody does; the desk's check-in takes a missing copy back as found; the OPAC shows
# it as not on the shelf and nobody can place it on the hold shelf; a withdrawal batch
# may write it off. A status of its own would have to be taught to each of them.
SOUGHT = Item.Status.MISSING


def _claimable_loan(actor: Actor, loan_id: int | None, barcode: str) -> tuple[Item, Loan]:
    """The copy (locked) and its open loan, by the loan's id or the copy's barcode."""
    barcode = (barcode or "").strip()
    if not barcode:
        if not loan_id:
            raise Invalid(_("请扫描图书条码或选择借阅记录。"), code="barcode_required")
        barcode = (
            Loan.objects.filter(library=actor.library, pk=loan_id)
            .values_list("item__barcode", flat=True)
            .first()
        )
        if barcode is None:
            raise NotFound(_("没有这条借阅记录。"), code="loan_not_found")
    item = _locked_item(actor.library, barcode)
    loan = open_loan_of(item.pk)
    if loan is not None and loan_id and loan.pk != loan_id:
        # The page was read before that loan ended and the copy went out again.
        raise Conflict(_("这条借阅已经结束，请刷新页面。"), code="loan_not_open")
    if loan is None:
        if _claimed_loan(item) is not None:
            raise Conflict(_("此书已登记为读者声称已还。"), code="already_claimed")
        raise Conflict(_("此书未借出，不能登记声称已还。"), code="not_on_loan")
    return item, loan


@transaction.atomic
def loan_claim_returned(
    *, actor: Actor, loan_id: int | None = None, barcode: str = "", note: str = ""
) -> Loan:
    """The reader says they returned the copy (声称已还): the loan leaves the open
    loans (overdue lists, the loan limit, blocks for lateness) and accrues no fine;
    the copy is sought (丢失待查) until it turns up or is written off. The reader owes
    nothing for it unless a librarian bills it as lost (`item_mark_lost`)."""
    _require(actor, "circulate_any_class")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_("说明不能超过 %(n)s 个字。") % {"n": NOTE_MAX}, code="note_too_long")
    item, loan = _claimable_loan(actor, loan_id, barcode)
    now = clock.now()
    _loan_move(actor, loan, Loan.Status.CLAIMED_RETURNED, at=now)
    loan.claimed_at = now
    loan.claim_note = note
    rows.update(loan, ("claimed_at", "claim_note"))
    before_status = item.status
    item_status_set(item_id=item.pk, status=SOUGHT, at=now)
    item.status = SOUGHT
    patron = patron_by_id(loan.patron_id) if loan.patron_id else None
    audit.record(
        actor,
        "loan.claim_returned",
        loan,
        before={"status": Loan.Status.ON_LOAN, "item_status": before_status},
        after={
            "status": Loan.Status.CLAIMED_RETURNED,
            "item": item.barcode,
            "item_status": SOUGHT,
            "due": loan.due_date.isoformat(),
        },
        reason=note,
        reader=patron,
    )
    return loan


def _found_copy_settle(actor: Actor, item: Item) -> list[str]:
    """A copy of a lost or claimed-returned loan is in the librarian's hand: the loan
    ends as returned (a claimed one without a fine: the reader was right, or the copy
    is back anyway), a lost one's bill by the refund rules. Runs in the check-in's
    transaction, which shelves the copy (or puts it on the hold shelf). Returns the
    words for the desk."""
    if item.status == Item.Status.LOST:
        return _lost_copy_found(actor, item)
    if item.status != SOUGHT:
        return []
    loan = _claimed_loan(item)
    if loan is None:
        return []
    _loan_move(actor, loan, Loan.Status.RETURNED, at=clock.now())
    audit.record(
        actor,
        "loan.claim_found",
        loan,
        before={"status": Loan.Status.CLAIMED_RETURNED},
        after={"status": Loan.Status.RETURNED, "item": item.barcode},
        reader=loan.patron_id,
    )
    return [_("读者声称已还的图书已找到，借阅已按归还处理，不收逾期罚款。")]
