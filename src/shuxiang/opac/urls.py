from django.urls import path

from shuxiang.opac import views

app_name = "opac"

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my_account, name="my_account"),
]
