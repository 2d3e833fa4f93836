"""The staff shell: login, the home dashboard, the audit log and the logins page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core import audit_log, services, throttle
from shuxiang.core import dashboard as home
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.models import AuditEvent
from shuxiang.core.permissions import (
    GRANTABLE_ROLES,
    ROLE_LABELS,
    ROLES,
    can,
    can_grant_role,
    can_manage_login,
)
from shuxiang.core.selectors import logins_of


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Staff go to the dashboard; readers (students, teachers) to their own page,
        which links a homeroom teacher on to their class."""
        if can(self.request.user, "staff_access"):
            return super().get_default_redirect_url()
        return reverse("opac:my_account")


def dashboard(request: HttpRequest) -> HttpResponse:
    """The staff home page. A teacher or a student who comes to /staff/ (a bookmark, the
    login link) is sent on to their own page rather than shown a 403."""
    if request.user.is_authenticated and not can(request.user, "staff_access"):
        return redirect("opac:my_account")
    return _staff_dashboard(request)


@staff_required("staff_access")
def _staff_dashboard(request: HttpRequest) -> HttpResponse:
    figures = home.figures(request.library)
    return render(
        request, "core/dashboard.html", {"figures": figures, "tiles": home.tiles(figures)}
    )


@staff_required("manage_library")
def audit(request: HttpRequest) -> HttpResponse:
    """The audit log in words, with filters; the page links keep the filters."""
    filters = audit_log.Filters.of(request.GET)
    for problem in filters.problems:
        messages.error(request, problem)
    page = Paginator(audit_log.events(request.library, filters), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "lines": audit_log.in_words(request.library, page),
        "filters": filters,
        "actions": audit_log.action_choices(),
        "channels": AuditEvent.Channel.choices,
        "query": query.urlencode(),
    }
    return render(request, "core/audit.html", context)


# -- logins (账号) ------------------------------------------------------------------------


def _logins_page(
    request: HttpRequest, *, form: dict | None = None, status: int = 200
) -> HttpResponse:
    role = request.GET.get("role", "")
    query = request.GET.get("q", "").strip()
    rows = logins_of(request.library, role=role if role in ROLES else "", query=query)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    locked = throttle.locked_usernames(row["username"] for row in page)
    me = request.user
    for row in page:
        row["locked"] = row["username"] in locked
        row["manageable"] = can_manage_login(me, row["role"])
        row["is_self"] = row["id"] == me.pk
    grantable = [(r, ROLE_LABELS[r]) for r in GRANTABLE_ROLES if can_grant_role(me, r)]
    context = {
        "page": page,
        "grantable": grantable,
        "roles": [(r, ROLE_LABELS[r]) for r in ROLES],
        "role": role,
        "query": query,
        "form": form or {"role": "librarian"},
        "back": "?" + request.META.get("QUERY_STRING", "") if request.method == "GET" else "",
    }
    return render(request, "core/logins.html", context, status=status)


@staff_required("manage_logins")
def logins(request: HttpRequest) -> HttpResponse:
    """The library's logins; POST creates one."""
    if request.method != "POST":
        return _logins_page(request)
    form = {
        "username": request.POST.get("username", "").strip(),
        "full_name": request.POST.get("full_name", "").strip(),
        "role": request.POST.get("role", ""),
    }
    try:
        user = services.user_create(
            actor=Actor.of_request(request), password=request.POST.get("password", ""), **form
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _logins_page(request, form=form, status=exc.status)
    messages.success(request, _("已新建账号 %(name)s。") % {"name": user.username})
    return redirect("core:logins")


@require_POST
@staff_required("manage_logins")
def login_action(request: HttpRequest, user_id: int) -> HttpResponse:
    """One change to one login: password, role, deactivate, reactivate, unlock."""
    actor = Actor.of_request(request)
    action = request.POST.get("action", "")
    try:
        if action == "password":
            user = services.user_password_set(
                actor=actor, user_id=user_id, password=request.POST.get("password", "")
            )
            if user.pk == request.user.pk:
                update_session_auth_hash(request, user)
            done = _("已为 %(name)s 设置新密码。")
        elif action == "role":
            user = services.user_role_set(
                actor=actor, user_id=user_id, role=request.POST.get("role", "")
            )
            done = _("已修改 %(name)s 的角色。")
        elif action == "deactivate":
            user = services.user_deactivate(actor=actor, user_id=user_id)
            done = _("已停用 %(name)s。")
        elif action == "reactivate":
            user = services.user_reactivate(actor=actor, user_id=user_id)
            done = _("已启用 %(name)s。")
        elif action == "unlock":
            user = services.user_unlock(actor=actor, user_id=user_id)
            done = _("已解锁 %(name)s。")
        else:
            raise PermissionDenied
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"name": user.username})
    return redirect(reverse("core:logins") + _back(request))


def _back(request: HttpRequest) -> str:
    """The list's filters and page, kept across an action."""
    back = request.POST.get("back", "")
    return back if back.startswith("?") and "\n" not in back and "\r" not in back else ""
