"""Staff pages of the reports app, under /staff/reports/."""

from __future__ import annotations

app_name = "reports"

urlpatterns: list = []
