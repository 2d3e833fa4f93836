"""Staff pages of the sip2 app, under /staff/kiosks/."""

from __future__ import annotations

app_name = "sip2"

urlpatterns: list = []
