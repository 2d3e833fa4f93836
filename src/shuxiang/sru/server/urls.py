"""The SRU server's addresses, included at the site's root: /sru (no trailing slash, as
SRU clients write it) and /sru/<code>, a slash after either tolerated. (Included at
"sru" instead, the routes would begin with a slash, which Django warns about at every
start.)"""

from django.urls import path

from shuxiang.sru.server import views

urlpatterns = [
    path("sru", views.endpoint, name="sru_endpoint"),
    path("sru/", views.endpoint),
    path("sru/<slug:code>", views.endpoint, name="sru_endpoint_library"),
    path("sru/<slug:code>/", views.endpoint),
]
