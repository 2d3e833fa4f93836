from django.urls import path

from shuxiang.opac import suggestions, views

app_name = "opac"

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my_account, name="my_account"),
    path("my/suggest/", suggestions.suggest, name="my_suggestions"),
]
