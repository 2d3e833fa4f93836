"""Included at /sru (no trailing slash, as SRU clients write it): /sru and /sru/<code>,
a slash after either tolerated."""

from django.urls import path

from shuxiang.sru.server import views

urlpatterns = [
    path("", views.endpoint, name="sru_endpoint"),
    path("/", views.endpoint),
    path("/<slug:code>", views.endpoint, name="sru_endpoint_library"),
    path("/<slug:code>/", views.endpoint),
]
