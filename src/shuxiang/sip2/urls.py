"""Staff pages of the sip2 app, under /staff/kiosks/."""

from __future__ import annotations

from django.urls import path

from shuxiang.sip2 import views

app_name = "sip2"

urlpatterns = [
    path("", views.kiosk_list, name="kiosks"),
]
