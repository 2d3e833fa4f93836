from django.contrib import admin

from shuxiang.acquisitions.models import Budget, OrderLine, PurchaseBatch, Vendor


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "contact", "phone", "library"]
    search_fields = ["name"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["year", "amount", "library"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["bib"]


@admin.register(PurchaseBatch)
class PurchaseBatchAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "year", "status", "ordered_on", "received_on", "library"]
    list_filter = ["library", "status", "year"]
    inlines = [OrderLineInline]
