from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from shuxiang.api.api import api, unknown_endpoint

urlpatterns = [
    path("staff/admin/", admin.site.urls),
    path("staff/", include("shuxiang.core.urls")),
    path("staff/circulation/", include("shuxiang.circulation.urls")),
    path("staff/cataloging/", include("shuxiang.catalog.desk_urls")),
    # Copy cataloging and the SRU servers are tabs of the cataloging desk.
    path("staff/cataloging/", include("shuxiang.sru.urls")),
    path("staff/acquisitions/", include("shuxiang.acquisitions.urls")),
    path("staff/catalog/maintenance/", include("shuxiang.catalog.maintenance.urls")),
    path("staff/catalog/", include("shuxiang.catalog.urls")),
    path("staff/patrons/", include("shuxiang.patrons.urls")),
    path("staff/search/", include("shuxiang.opac.staff_search")),
    path("staff/serials/", include("shuxiang.serials.urls")),
    path("staff/kiosks/", include("shuxiang.sip2.urls")),
    path("staff/inventory/", include("shuxiang.inventory.urls")),
    path("staff/reports/", include("shuxiang.reports.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_endpoint),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("shuxiang.sru.server.urls")),
    path("", include("shuxiang.opac.urls")),
]
