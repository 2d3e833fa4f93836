"""Staff pages of the inventory app, under /staff/inventory/."""

from __future__ import annotations

from django.urls import path

from shuxiang.inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.stocktakes, name="stocktakes"),
    path("stocktakes/<int:stocktake_id>/", views.stocktake, name="stocktake"),
    path("stocktakes/<int:stocktake_id>/scans", views.stocktake_scans, name="stocktake_scans"),
    path("repairs/", views.repairs, name="repairs"),
    path("withdrawals/", views.withdrawals, name="withdrawals"),
]
