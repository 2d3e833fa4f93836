"""Included under the cataloging desk's prefix (/staff/cataloging/), whose tabs they are."""

from django.urls import path

from shuxiang.sru import views

app_name = "sru"

urlpatterns = [
    path("copy/", views.copy_catalog, name="copy"),
    path("settings/sru/", views.servers_page, name="servers"),
]
