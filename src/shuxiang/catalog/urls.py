from django.urls import path

from shuxiang.catalog import views

app_name = "catalog"

urlpatterns = [
    path("marc/import/", views.marc_import_page, name="marc_import"),
    path("marc/export/", views.marc_export_page, name="marc_export"),
]
