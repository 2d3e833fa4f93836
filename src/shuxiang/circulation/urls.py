from django.urls import include, path

from shuxiang.circulation import desk, views

app_name = "circulation"

urlpatterns = [
    path("", desk.desk, name="desk"),
    path("scan", desk.scan, name="scan"),
    path("ping", desk.ping, name="ping"),
    path("desk-worker.js", desk.desk_worker, name="desk_worker"),
    path("renew", desk.renew, name="renew"),
    path("receipt/<str:card>/", desk.receipt, name="receipt"),
    path("policies/", views.policies, name="policies"),
    path("settings/", views.circulation_settings, name="settings"),
    path("reader/<str:card>/", views.reader, name="reader"),
    path("fee-receipt/<str:receipt_number>/", views.fee_receipt, name="fee_receipt"),
    path("holds/", views.hold_shelf_page, name="hold_shelf"),
    path("pick-list/", include("shuxiang.circulation.pick_list")),
    path("overdue/", views.overdue_summary, name="overdue"),
    path("overdue/class/<int:class_id>/", views.class_overdue, name="class_overdue"),
    path(
        "overdue/class/<int:class_id>/slip.pdf", views.class_overdue_pdf, name="class_overdue_pdf"
    ),
    path("class/<int:class_id>/", views.class_loans, name="class_loans"),
]
