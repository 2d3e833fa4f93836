from django.urls import path

from shuxiang.catalog import record_views, views

app_name = "catalog"

urlpatterns = [
    path("marc/import/", views.marc_import_page, name="marc_import"),
    path("marc/export/", views.marc_export_page, name="marc_export"),
    path("records/find/", record_views.record_by_barcode, name="record_by_barcode"),
    path("records/<int:bib_id>/", record_views.record_page, name="record"),
    path("records/<int:bib_id>/edit/", record_views.record_edit, name="record_edit"),
    path("records/<int:bib_id>/isbn.json", record_views.record_isbn_json, name="record_isbn_json"),
    path("records/<int:bib_id>/marc/", record_views.record_marc, name="record_marc"),
    path("records/<int:bib_id>/items/<int:item_id>/", record_views.item_edit, name="item_edit"),
    path(
        "records/<int:bib_id>/items/<int:item_id>/move/",
        record_views.item_move,
        name="item_move",
    ),
]
