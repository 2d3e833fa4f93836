from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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


class LoanStatusFilter(admin.SimpleListFilter):
    """The loan states a service reaches. "Claimed returned" (声称已还) is in the model
    and the lifecycle, but no service leads there yet, so it is offered nowhere."""

    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:  # noqa: ANN001
        return [(value, label) for value, label in Loan.Status.choices if value in OFFERED]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        value = self.value()
        return queryset.filter(status=value) if value in OFFERED else queryset


OFFERED = {Loan.Status.ON_LOAN, Loan.Status.RETURNED, Loan.Status.LOST}


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
    list_filter = ["library", LoanStatusFilter]
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
