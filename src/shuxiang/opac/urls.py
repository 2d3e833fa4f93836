from django.urls import path

from shuxiang.opac import suggestions, views

app_name = "opac"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("suggest.json", views.suggest_json, name="suggest_json"),
    path("record/<int:bib_id>/", views.record, name="record"),
    path("rules/", views.rules_page, name="rules"),
    path("my/", views.my_account, name="my_account"),
    path("my/history/", views.my_history, name="my_history"),
    path("my/suggest/", suggestions.suggest, name="my_suggestions"),
    path("staff/opac/notices/", views.notices, name="notices"),
]
