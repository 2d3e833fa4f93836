"""Reader write operations: one function per use case, one transaction each.

Split by sub-domain; everything a caller needs is importable from here
(`from shuxiang.patrons import services`, `services.patron_create`)."""

from shuxiang.patrons.services.classes import class_set_staff
from shuxiang.patrons.services.privacy import (
    ANONYMOUS_CARD,
    ANONYMOUS_NAME,
    AnonymizeResult,
    anonymous_patron,
    class_loans_view_record,
    history_anonymize,
    history_anonymize_everywhere,
    history_view_record,
    loans_view_record,
    overdue_view_record,
    patron_set_keep_history,
    reader_settings_update,
)
from shuxiang.patrons.services.readers import (
    CardNumbers,
    card_report_lost,
    card_shape,
    patron_create,
    patron_set_status,
)
from shuxiang.patrons.services.roster import (
    UPDATABLE,
    ImportReport,
    RowOutcome,
    roster_import,
)
from shuxiang.patrons.services.school_year import (
    PENDING_REASON,
    PromotionLine,
    PromotionPreview,
    classes_promote,
    clearance_waive,
    graduation_clearance,
    patron_depart,
    promotion_preview,
)

__all__ = [
    "ANONYMOUS_CARD",
    "ANONYMOUS_NAME",
    "PENDING_REASON",
    "UPDATABLE",
    "AnonymizeResult",
    "CardNumbers",
    "ImportReport",
    "PromotionLine",
    "PromotionPreview",
    "RowOutcome",
    "anonymous_patron",
    "card_report_lost",
    "card_shape",
    "class_set_staff",
    "classes_promote",
    "clearance_waive",
    "graduation_clearance",
    "history_anonymize",
    "history_anonymize_everywhere",
    "class_loans_view_record",
    "history_view_record",
    "loans_view_record",
    "overdue_view_record",
    "patron_create",
    "patron_depart",
    "patron_set_keep_history",
    "patron_set_status",
    "promotion_preview",
    "reader_settings_update",
    "roster_import",
]
