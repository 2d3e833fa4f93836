"""Staff pages of the serials app, under /staff/serials/."""

from __future__ import annotations

from django.urls import path

from shuxiang.serials import views

app_name = "serials"

urlpatterns = [
    path("", views.checkin, name="checkin"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("<int:subscription_id>/", views.subscription, name="subscription"),
    path("binding/", views.binding, name="binding"),
    path("binding/list.pdf", views.binding_pdf, name="binding_pdf"),
    path("order-list/", views.order_list, name="order_list"),
    path("order-list/list.xlsx", views.order_list_xlsx, name="order_list_xlsx"),
    path("reports/", views.reports, name="reports"),
]
