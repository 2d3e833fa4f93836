"""Login throttling (django-axes): how a lockout is answered, who is locked, unlocking.

Failures are counted per account and per address (AXES_LOCKOUT_PARAMETERS); after
AXES_FAILURE_LIMIT of them within AXES_COOLOFF_TIME, both the staff login page and
POST /api/v1/auth/token refuse even the right password until the cool-off ends (or a
librarian unlocks the login on the logins page). Failures during a lockout do not
extend it, so the time the message names is the time it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the caller's address. Behind SHUXIANG_PROXY_COUNT
    reverse proxies (a district's gunicorn behind nginx), the address the nearest of
    them saw, from X-Forwarded-For; otherwise REMOTE_ADDR. Without this every login
    behind a proxy would share one address and lock each other out."""
    count = settings.SHUXIANG_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None


def _window_start() -> dt.datetime:
    return timezone.now() - settings.AXES_COOLOFF_TIME


def locked_until(*, username: str | None, ip_address: str | None) -> dt.datetime:
    """When the lockout of this account or address ends: the cool-off after the last
    counted failure (now plus the cool-off if none is found)."""
    condition = Q()
    if username:
        condition |= Q(username=username)
    if ip_address:
        condition |= Q(ip_address=ip_address)
    last = None
    if condition:
        last = (
            AccessAttempt.objects.filter(condition, attempt_time__gte=_window_start())
            .aggregate(last=Max("attempt_time"))
            .get("last")
        )
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_message(until: dt.datetime) -> str:
    return _("登录失败次数过多，已暂时锁定。请在 %(time)s 以后再试，或请图书管理员解锁。") % {
        "time": timezone.localtime(until).strftime("%H:%M")
    }


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the time to try again, as JSON for the API and
    as the login page (form included) elsewhere."""
    username = (credentials or {}).get("username") or request.POST.get("username") or None
    until = locked_until(username=username, ip_address=get_client_ip_address(request))
    message = lockout_message(until)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "login_locked", "message": message, "retry_after": until.isoformat()},
            status=429,
        )
    else:
        form = AuthenticationForm(request, initial={"username": username or ""})
        response = render(
            request,
            "core/login.html",
            {"form": form, "locked_message": message, "next": request.POST.get("next", "")},
            status=429,
        )
    seconds = max(0, int((until - timezone.now()).total_seconds()))
    response["Retry-After"] = str(seconds)
    return response


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these accounts are locked out now (by their own failures)."""
    rows = (
        AccessAttempt.objects.filter(
            username__in=list(usernames), attempt_time__gte=_window_start()
        )
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    limit = settings.AXES_FAILURE_LIMIT
    return {row["username"] for row in rows if row["failures"] >= limit}


def failures_of(username: str) -> int:
    """Failed logins of this account counted towards a lockout now."""
    total = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=_window_start()
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return int(total or 0)


def unlock(username: str) -> int:
    """Forget the account's failed logins, and those from the addresses they came from
    (a login is usually locked from the desk PC it is used on). Returns the rows removed."""
    addresses = set(
        AccessAttempt.objects.filter(username=username).values_list("ip_address", flat=True)
    ) - {None, ""}
    count = reset(username=username)
    for address in sorted(addresses):
        count += reset(ip=address)
    return count
