"""Staff pages of the serials app, under /staff/serials/."""

from __future__ import annotations

app_name = "serials"

urlpatterns: list = []
