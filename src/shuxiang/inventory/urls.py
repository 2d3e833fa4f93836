"""Staff pages of the inventory app, under /staff/inventory/."""

from __future__ import annotations

from django.urls import path

from shuxiang.inventory import offline, views

app_name = "inventory"

urlpatterns = [
    path("", views.stocktakes, name="stocktakes"),
    path("stocktakes/<int:stocktake_id>/", views.stocktake, name="stocktake"),
    path("stocktakes/worker.js", offline.stocktake_worker, name="stocktake_worker"),
    path("stocktakes/<int:stocktake_id>/scans", views.stocktake_scans, name="stocktake_scans"),
    path(
        "stocktakes/<int:stocktake_id>/progress",
        views.stocktake_progress,
        name="stocktake_progress",
    ),
    path(
        "stocktakes/<int:stocktake_id>/report.pdf",
        views.stocktake_report_pdf,
        name="stocktake_report_pdf",
    ),
    path(
        "stocktakes/<int:stocktake_id>/report.xlsx",
        views.stocktake_report_xlsx,
        name="stocktake_report_xlsx",
    ),
    path("repairs/", views.repairs, name="repairs"),
    path("withdrawals/", views.withdrawals, name="withdrawals"),
    path("withdrawals/candidates/", views.candidates, name="candidates"),
    path(
        "withdrawals/<int:withdrawal_id>/register.pdf",
        views.withdrawal_register_pdf,
        name="withdrawal_register_pdf",
    ),
    path(
        "withdrawals/<int:withdrawal_id>/register.xlsx",
        views.withdrawal_register_xlsx,
        name="withdrawal_register_xlsx",
    ),
]
