"""What acquisitions does when the catalog merges duplicate titles (the catalog's merge
port, catalog/maintenance/merge_port.py, registered in AcquisitionsConfig.ready()):
every row of acquisitions that names a title — an order line's received title, and any
later table that points at a title — points at the kept title instead, so that nothing
is cut loose when the duplicate is deleted (SET_NULL would silently forget it)."""

from __future__ import annotations

from typing import Any


def _title_fields() -> list[tuple[Any, str]]:
    from django.apps import apps

    from shuxiang.catalog.models import Bib

    found = []
    for model in apps.get_app_config("acquisitions").get_models():
        for model_field in model._meta.concrete_fields:
            if model_field.is_relation and model_field.related_model is Bib:
                found.append((model, model_field.name))
    return found


def move_title_rows(*, actor: Any, keep_id: int, merge_ids: list[int]) -> dict[str, int]:
    moved = 0
    for model, name in _title_fields():
        moved += model.objects.filter(**{f"{name}__in": merge_ids}).update(**{name: keep_id})
    return {"order_lines": moved}
