from django.urls import path

from shuxiang.catalog import desk_views as views

app_name = "cataloging"

urlpatterns = [
    path("", views.form, name="form"),
    path("done/<int:bib_id>/", views.done, name="done"),
    path("clc.json", views.clc_json, name="clc_json"),
    path("isbn.json", views.isbn_json, name="isbn_json"),
    path("call-number.json", views.call_number_json, name="call_number_json"),
    path("labels/", views.labels_page, name="labels"),
    path("register/", views.register_page, name="register"),
    path("booklist/", views.booklist_page, name="booklist"),
    path("settings/", views.settings_page, name="settings"),
]
