from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shuxiang.core import nav
from shuxiang.core.permissions import ROLE_LABELS, role_of


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: the library, the staff navigation, the role."""
    user = getattr(request, "user", None)
    if user is None or not request.path.startswith("/staff/"):
        return {"library": getattr(request, "library", None)}
    role = role_of(user)
    return {
        "library": getattr(request, "library", None),
        "staff_nav": nav.items_for(user) if user.is_authenticated else [],
        "role_label": ROLE_LABELS.get(role, "") if role else "",
    }
