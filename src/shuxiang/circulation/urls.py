from django.urls import path

from shuxiang.circulation import views

app_name = "circulation"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("scan", views.scan, name="scan"),
    path("renew", views.renew, name="renew"),
    path("receipt/<str:card>/", views.receipt, name="receipt"),
    path("policies/", views.policies, name="policies"),
]
