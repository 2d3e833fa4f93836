"""Circulation write operations: one function per use case, one transaction each.

The services are grouped by sub-domain in the modules of this package and re-exported
here, so callers write `from shuxiang.circulation import services` and
`services.loan_checkout(...)` whichever module a service lives in:

- `loans`: check-out, check-in, renewal (the desk's scan path), detaching a reader's
  finished loans;
- `desk_scans`: the desk's scan ids, so that a scan sent again (offline queue) is
  applied once;
- `holds`: the queue for a title and the hold shelf;
- `fees`: lost and damaged copies, payments, waivers, refunds and their receipts;
- `claims`: loans the reader says were returned (声称已还), and the one path by which a
  copy of a lost or claimed loan comes back;
- `blocks`: manual blocks (停借);
- `class_loans`: class collections and class exchanges;
- `legacy_loans`: taking over the open loans of the previous system;
- `policies`: the loan policy matrix and the hold and compensation settings.
"""

from shuxiang.circulation.services.blocks import patron_block, patron_unblock
from shuxiang.circulation.services.claims import loan_claim_returned
from shuxiang.circulation.services.class_loans import (
    class_loan_checkin,
    class_loan_checkout,
    class_loan_transfer,
)
from shuxiang.circulation.services.desk_scans import (
    ScanReplayed,
    desk_scan_refused,
    desk_scans_prune,
)
from shuxiang.circulation.services.fees import (
    DAMAGE_LABELS,
    fee_pay,
    fee_waive,
    item_mark_damaged,
    item_mark_lost,
)
from shuxiang.circulation.services.holds import (
    hold_cancel,
    hold_expire,
    hold_place,
    hold_trap,
    holds_expire_everywhere,
)
from shuxiang.circulation.services.legacy_loans import LegacyReport, LegacyRow, legacy_loans_import
from shuxiang.circulation.services.loans import (
    CheckinResult,
    RenewOutcome,
    loan_checkin,
    loan_checkout,
    loan_renew,
    loan_renew_all,
    loans_detach_reader,
)
from shuxiang.circulation.services.policies import (
    DEFAULT_POLICIES,
    POLICY_FIELDS,
    SETTINGS_FIELDS,
    PolicyCell,
    circulation_settings_update,
    policies_seed_defaults,
    policy_matrix_update,
)

__all__ = [
    "DAMAGE_LABELS",
    "DEFAULT_POLICIES",
    "ScanReplayed",
    "desk_scan_refused",
    "desk_scans_prune",
    "POLICY_FIELDS",
    "SETTINGS_FIELDS",
    "PolicyCell",
    "circulation_settings_update",
    "policy_matrix_update",
    "CheckinResult",
    "LegacyReport",
    "LegacyRow",
    "RenewOutcome",
    "class_loan_checkin",
    "class_loan_checkout",
    "class_loan_transfer",
    "fee_pay",
    "fee_waive",
    "hold_cancel",
    "hold_expire",
    "hold_place",
    "hold_trap",
    "holds_expire_everywhere",
    "item_mark_damaged",
    "item_mark_lost",
    "legacy_loans_import",
    "loan_checkin",
    "loan_claim_returned",
    "loan_checkout",
    "loan_renew",
    "loan_renew_all",
    "loans_detach_reader",
    "patron_block",
    "patron_unblock",
    "policies_seed_defaults",
]
