from django.contrib.auth import views as auth_views
from django.urls import path

from shuxiang.core import settings_views, views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit, name="audit"),
    path("logins/", views.logins, name="logins"),
    path("logins/<int:user_id>/", views.login_action, name="login_action"),
    path("settings/", settings_views.library_details, name="settings"),
    path("settings/hours/", settings_views.opening_hours, name="settings_hours"),
    path("settings/calendar/", settings_views.school_calendar, name="settings_calendar"),
    path("settings/formats/", settings_views.code_formats, name="settings_formats"),
    path("settings/locations/", settings_views.locations, name="settings_locations"),
]
