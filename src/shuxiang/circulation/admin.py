from django.contrib import admin

from shuxiang.circulation.models import (
    CirculationSettings,
    ClassLoanTransfer,
    Fee,
    Hold,
    Loan,
    LoanPolicy,
    PatronBlock,
    Payment,
)


@admin.register(LoanPolicy)
class LoanPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "patron_category",
        "grade",
        "circulation_type",
        "loanable",
        "loan_days",
        "max_loans",
        "renewals",
    ]
    list_filter = ["library", "patron_category"]


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    """Read-only: loans change only through the circulation services."""

    list_display = [
        "item",
        "patron",
        "school_class",
        "status",
        "checked_out_at",
        "due_date",
        "returned_at",
    ]
    list_filter = ["library", "status"]
    raw_id_fields = ["item", "patron", "school_class", "class_at_loan"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(CirculationSettings)
class CirculationSettingsAdmin(admin.ModelAdmin):
    list_display = ["library", "hold_pickup_days", "lost_factor_percent", "lost_processing_fee"]


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    list_display = ["bib", "patron", "status", "placed_at", "expires_on"]
    list_filter = ["library", "status"]
    raw_id_fields = ["bib", "patron", "item"]


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    list_display = ["patron", "kind", "amount", "status", "created_at"]
    list_filter = ["library", "kind", "status"]
    raw_id_fields = ["patron", "item", "loan"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "kind", "amount", "at"]
    list_filter = ["library", "kind"]
    raw_id_fields = ["fee"]


@admin.register(PatronBlock)
class PatronBlockAdmin(admin.ModelAdmin):
    list_display = ["patron", "reason", "created_at", "lifted_at"]
    raw_id_fields = ["patron"]


@admin.register(ClassLoanTransfer)
class ClassLoanTransferAdmin(admin.ModelAdmin):
    list_display = ["from_class", "to_class", "at", "due_date"]
