"""The staff shell: login, the home dashboard and the audit log."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from shuxiang.core import dashboard as home
from shuxiang.core.decorators import staff_required
from shuxiang.core.models import AuditEvent
from shuxiang.core.permissions import can


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Staff go to the dashboard; readers (students, teachers) to their own page,
        which links a homeroom teacher on to their class."""
        if can(self.request.user, "staff_access"):
            return super().get_default_redirect_url()
        return reverse("opac:my_account")


@staff_required("staff_access")
def dashboard(request: HttpRequest) -> HttpResponse:
    figures = home.figures(request.library)
    return render(
        request, "core/dashboard.html", {"figures": figures, "tiles": home.tiles(figures)}
    )


@staff_required("manage_library")
def audit(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.filter(library=request.library).order_by("-at", "-id")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"page": page, "action": action})
