"""Staff pages of the inventory app, under /staff/inventory/."""

from __future__ import annotations

app_name = "inventory"

urlpatterns: list = []
