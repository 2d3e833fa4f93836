from django.urls import path

from shuxiang.acquisitions import suggestion_views, views

app_name = "acquisitions"

urlpatterns = [
    path("", views.index, name="index"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("check/", views.order_check, name="check"),
    path("suggestions/", suggestion_views.suggestion_list, name="suggestions"),
    path(
        "suggestions/<int:suggestion_id>/",
        suggestion_views.suggestion_detail,
        name="suggestion",
    ),
]
