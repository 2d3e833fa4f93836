from django.urls import path

from shuxiang.catalog.maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("merge/", views.merge_page, name="merge"),
    path("reclassify/", views.reclassify_page, name="reclassify"),
]
