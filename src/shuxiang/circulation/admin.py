from django.contrib import admin

from shuxiang.circulation.models import Loan, LoanPolicy


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
