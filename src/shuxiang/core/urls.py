from django.contrib.auth import views as auth_views
from django.urls import path

from shuxiang.core import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit, name="audit"),
    path("logins/", views.logins, name="logins"),
    path("logins/<int:user_id>/", views.login_action, name="login_action"),
]
