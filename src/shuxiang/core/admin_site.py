"""The Django admin at /staff/admin/ is the deployment's, not a school's.

Its tables span every library, so only a deployment superuser (Django's
`createsuperuser`, or `shuxiang createuser NAME --superuser`) may open it; a school's
logins — its admin included — get 403 and run the school from the staff pages. Every
addition, change and deletion made through it writes an audit event (channel "admin")
with the object's fields before and after, in the library the object belongs to (none
for deployment-wide rows such as groups).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from shuxiang.core import audit
from shuxiang.core.models import AuditEvent, Library, Membership

# Never copied into the audit log.
SECRET_FIELDS = {"password", "key_hash"}
_PLAIN = (str, int, float, bool, type(None), dt.date, dt.time, decimal.Decimal, uuid.UUID)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's own fields (many-to-many as sorted ids), secrets left out."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        value = field.value_from_object(obj)
        values[field.attname] = value if isinstance(value, _PLAIN) else str(value)
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return values


def library_of(obj: models.Model) -> Library | None:
    """The library an object belongs to: its own library, or its login's."""
    if isinstance(obj, Library):
        return obj
    library_id = getattr(obj, "library_id", None)
    if library_id is None:
        user_id = obj.pk if isinstance(obj, get_user_model()) else getattr(obj, "user_id", None)
        if user_id is not None:
            library_id = (
                Membership.objects.filter(user_id=user_id)
                .values_list("library_id", flat=True)
                .first()
            )
    return Library.objects.filter(pk=library_id).first() if library_id else None


class AuditedAdmin(admin.ModelAdmin):
    """Mixed into every ModelAdmin of the deployment site: each logged action is also
    an audit event."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            befores = request.__dict__.setdefault("_sx_admin_before", {})
            befores[(obj._meta.label_lower, str(obj.pk))] = snapshot(obj)
        return obj

    def _audit(
        self,
        request: HttpRequest,
        obj: models.Model,
        verb: str,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        actor = audit.Actor(
            library=library_of(obj), user=request.user, channel=AuditEvent.Channel.ADMIN
        )
        audit.record(actor, f"{obj._meta.model_name}.admin_{verb}", obj, before=before, after=after)

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "add", before=None, after=snapshot(obj))
        return entry

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        befores = getattr(request, "_sx_admin_before", {})
        before = befores.get((obj._meta.label_lower, str(obj.pk)))
        after = snapshot(obj)
        if before is not None:
            changed = {k for k in after if before.get(k) != after[k]}
            before = {k: before.get(k) for k in sorted(changed)}
            after = {k: after[k] for k in sorted(changed)}
        self._audit(request, obj, "change", before=before, after=after)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, obj, "delete", before=snapshot(obj), after=None)
        return entries


class DeploymentAdminSite(admin.AdminSite):
    site_header = _("书香 · 部署管理")
    site_title = _("书香 · 部署管理")
    index_title = _("部署管理")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # A school's login is signed in but not the deployment's: refuse, rather
            # than offer the admin's login form.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return super().login(request, extra_context)

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdmin):
            admin_class = type(
                admin_class.__name__,
                (AuditedAdmin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)
