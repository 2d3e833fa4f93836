from django.urls import path

from shuxiang.patrons import views

app_name = "patrons"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:patron_id>/", views.patron_detail, name="patron_detail"),
    path("<int:patron_id>/history/", views.patron_history, name="patron_history"),
    path("<int:patron_id>/export.json", views.patron_export, name="patron_export"),
    path("<int:patron_id>/action/", views.patron_action, name="patron_action"),
    path("classes/", views.classes, name="classes"),
    path("classes/<int:class_id>/", views.class_detail, name="class_detail"),
    path("classes/<int:class_id>/cards.pdf", views.class_cards, name="class_cards"),
    path("import/", views.roster_import, name="import"),
    path("import/template.xlsx", views.roster_template, name="import_template"),
    path("promote/", views.promote, name="promote"),
    path("clearance/", views.clearance, name="clearance"),
    path("settings/", views.reader_settings, name="settings"),
]
