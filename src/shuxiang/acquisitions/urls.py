from django.urls import path

from shuxiang.acquisitions import views

app_name = "acquisitions"

urlpatterns = [
    path("", views.index, name="index"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("check/", views.order_check, name="check"),
]
