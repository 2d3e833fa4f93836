"""Locations (馆藏地点) from the settings page: add, rename, change the kind, take out
of use and back, and delete one that nothing refers to. Each change is one transaction
with an audit event, within the actor's library."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Location
from shuxiang.core.selectors import location_use_counts

CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _values(location: Location) -> dict[str, Any]:
    return {
        "code": location.code,
        "name": location.name,
        "kind": location.kind,
        "active": location.active,
    }


def _name(actor: Actor, name: str, *, exclude: int | None = None) -> str:
    text = " ".join(name.split())
    if not text:
        raise Invalid(_("请填写地点名称。"), code="name_required")
    if len(text) > 100:
        raise Invalid(_("地点名称太长（最多 100 个字）。"), code="name_too_long")
    same = Location.objects.filter(library=actor.library, name=text).exclude(pk=exclude)
    if same.exists():
        raise Conflict(
            _("本馆已有名为“%(name)s”的馆藏地点。") % {"name": text}, code="location_name_taken"
        )
    return text


def _kind(kind: str) -> str:
    if kind not in Location.Kind.values:
        raise Invalid(_("请从列表中选择地点类型。"), code="invalid_kind")
    return kind


def _locked(actor: Actor, location_id: int) -> Location:
    location = (
        Location.objects.select_for_update().filter(library=actor.library, pk=location_id).first()
    )
    if location is None:
        raise NotFound(_("没有找到这个馆藏地点。"), code="location_not_found")
    return location


@transaction.atomic
def location_create(*, actor: Actor, code: str, name: str, kind: str) -> Location:
    """A new location. Its code (代码, letters, digits, - and _) is what imports and
    exports name it by, unique within the library; its name is what the pages show."""
    code = code.strip()
    if not CODE_RE.fullmatch(code):
        raise Invalid(
            _("代码只能由字母、数字、连字符和下划线组成，最多 40 个字符。"), code="invalid_code"
        )
    if Location.objects.filter(library=actor.library, code__iexact=code).exists():
        raise Conflict(
            _("本馆已有代码为 %(code)s 的馆藏地点。") % {"code": code}, code="location_code_taken"
        )
    location = Location(library=actor.library, code=code, name=_name(actor, name), kind=_kind(kind))
    location.save()
    audit.record(actor, "location.create", location, after=_values(location))
    return location


@transaction.atomic
def location_update(*, actor: Actor, location_id: int, name: str, kind: str) -> Location:
    """Rename a location or change its kind (书库/阅览室/班级图书角 ...); the code stays,
    because import files and exports name the location by it."""
    location = _locked(actor, location_id)
    before = _values(location)
    location.name = _name(actor, name, exclude=location.pk)
    location.kind = _kind(kind)
    if _values(location) == before:
        return location
    location.save(update_fields=["name", "kind"])
    audit.record(actor, "location.update", location, before=before, after=_values(location))
    return location


def _others_active(actor: Actor, location: Location) -> bool:
    return (
        Location.objects.filter(library=actor.library, active=True).exclude(pk=location.pk).exists()
    )


@transaction.atomic
def location_set_active(*, actor: Actor, location_id: int, active: bool) -> Location:
    """Take a location out of use (its copies stay where they are; new copies are not
    placed there) or back into use. The library keeps at least one location in use."""
    location = _locked(actor, location_id)
    if location.active == active:
        return location
    if not active and not _others_active(actor, location):
        raise Conflict(_("至少要保留一个使用中的馆藏地点。"), code="last_location")
    before = _values(location)
    location.active = active
    location.save(update_fields=["active"])
    action = "location.reactivate" if active else "location.deactivate"
    audit.record(actor, action, location, before=before, after=_values(location))
    return location


@transaction.atomic
def location_delete(*, actor: Actor, location_id: int) -> None:
    """Delete a location nothing refers to (a mistake just made). One that holds copies
    — or ever did, in rows that keep it — can only be taken out of use."""
    location = _locked(actor, location_id)
    in_use = location_use_counts(actor.library, location.pk).get(location.pk, 0)
    refusal = Conflict(
        _("“%(name)s”还有 %(n)s 条馆藏记录，不能删除；可以停用它。")
        % {"name": location.name, "n": in_use},
        code="location_in_use",
    )
    if in_use:
        raise refusal
    if not _others_active(actor, location):
        raise Conflict(_("至少要保留一个使用中的馆藏地点。"), code="last_location")
    audit.record(actor, "location.delete", location, before=_values(location))
    try:
        with transaction.atomic():
            location.delete()
    except ProtectedError:  # a copy placed there meanwhile
        raise refusal from None
