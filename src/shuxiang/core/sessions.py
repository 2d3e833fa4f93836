"""Logins on shared library PCs: a session ends after a spell without requests, and no
page that shows a reader's data is kept in the browser's cache for the next person.

Also the session engine (settings.SESSION_ENGINE): Django's database sessions, with the
session read by a statement made once per process, since every signed-in request (each
scan at the desk) reads it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from shuxiang.core import rows


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        """The unexpired session with this key, as Django's `objects.get(session_key=...,
        expire_date__gt=now)` finds it, without compiling that query on every request."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT * FROM {quote(model._meta.db_table)}"
            f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = rows.first(model, sql, [self.session_key, now])
        if found is None:
            self._session_key = None
        return found


# The session is saved again (and so its expiry moved on) at most once a minute: saving
# it on every scan would add a database write to each of the desk's requests.
REFRESH_SECONDS = 60


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in:
            now = int(time.time())
            if now - int(request.session.get("seen", 0)) >= REFRESH_SECONDS:
                request.session["seen"] = now  # marks the session modified: saved, extended
        response = self.get_response(request)
        # An API token signs the user in only inside the view, so look again.
        user = getattr(request, "user", None)
        signed_in = signed_in or bool(user is not None and user.is_authenticated)
        if signed_in and not response.has_header("Cache-Control"):
            # A signed-in page can hold readers' names and loans; a shared PC's next user
            # must not find it in the cache or behind the back button.
            response["Cache-Control"] = "no-store"
        return response
