"""The audit log in words: what each action is called, what each recorded field is
called, and what its stored values mean, so that the audit page reads "借出 · 状态：在架 →
已借出" rather than `loan.checkout {"item_status": "available"}`.

Each app names its own actions and values from its AppConfig.ready() (core knows no
loans); an action nobody named is shown by its code, so a new one is never hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.utils.translation import gettext_lazy as _

_ACTIONS: dict[str, Any] = {}
_KEYS: dict[str, Any] = {}
# (object type or "*", key) → the words for each stored value, or a function of it.
_VALUES: dict[tuple[str, str], Mapping[Any, Any] | Callable[[Any], str]] = {}
# The reader behind a pseudonym, and a card number's reader; filled by the readers' app.
_readers: dict[str, Callable[..., Any]] = {}


_loaded: list[bool] = []


def load() -> None:
    """Gather every app's words once per process, on the first audit page: each app that
    has an `audit_words` module with a `register()` names its own. Done lazily, not at
    start-up, which stays lean (tests/core/test_startup.py)."""
    if _loaded:
        return
    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("shuxiang."):
            continue
        try:
            module = import_module(f"{config.name}.audit_words")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.audit_words":
                raise
            continue
        module.register()
    _loaded.append(True)


def register_actions(words: Mapping[str, Any]) -> None:
    _ACTIONS.update(words)


def register_keys(words: Mapping[str, Any]) -> None:
    _KEYS.update(words)


def register_values(
    key: str, words: Mapping[Any, Any] | Callable[[Any], str], object_type: str = "*"
) -> None:
    _VALUES[(object_type, key)] = words


def register_readers(
    *,
    names: Callable[[Any, Iterable[int]], dict[int, str]],
    by_card: Callable[[Any, str], int | None],
) -> None:
    """`names(library, ids)`: reader id → "name (card)"; `by_card(library, card)`: the
    reader's id or None."""
    _readers["names"] = names
    _readers["by_card"] = by_card


_ADMIN_VERBS = {
    "admin_add": _("管理后台新增"),
    "admin_change": _("管理后台修改"),
    "admin_delete": _("管理后台删除"),
}


def action_words(action: str) -> str:
    if action in _ACTIONS:
        return str(_ACTIONS[action])
    model, _dot, verb = action.rpartition(".")
    if verb in _ADMIN_VERBS:
        return f"{_ADMIN_VERBS[verb]} {model}"
    return action


def known_actions() -> dict[str, str]:
    return {code: str(words) for code, words in _ACTIONS.items()}


def reader_names(library: Any, ids: Iterable[int]) -> dict[int, str]:
    lookup = _readers.get("names")
    return lookup(library, ids) if lookup else {}


def reader_by_card(library: Any, card: str) -> int | None:
    lookup = _readers.get("by_card")
    return lookup(library, card) if lookup else None


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _value(object_type: str, key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    words = _VALUES.get((object_type, key)) or _VALUES.get(("*", key))
    if callable(words):
        return words(value)
    if words is not None and value in words:
        return str(words[value])
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list | tuple):
        return "、".join(_value(object_type, key, v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{_key(k)}：{_value(object_type, k, v)}" for k, v in value.items())
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _key(key: str) -> str:
    return str(_KEYS.get(key, key))


def changes(
    object_type: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[Change]:
    """Each recorded field with its value before and after, in words; a field written on
    one side only shows "—" on the other."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    return [
        Change(
            label=_key(k),
            before=_value(object_type, k, before[k]) if k in before else "",
            after=_value(object_type, k, after[k]) if k in after else "",
        )
        for k in keys
    ]


def register() -> None:
    """The actions core itself records."""
    from shuxiang.core.models import AuditEvent, CalendarDay
    from shuxiang.core.permissions import ROLE_LABELS

    register_actions(
        {
            "library.update": _("修改图书馆信息"),
            "library.formats": _("修改证号和条码格式"),
            "location.create": _("新建馆藏地点"),
            "location.update": _("修改馆藏地点"),
            "location.deactivate": _("停用馆藏地点"),
            "location.reactivate": _("启用馆藏地点"),
            "location.delete": _("删除馆藏地点"),
            "user.create": _("新建账号"),
            "user.password_set": _("设置密码"),
            "user.role_set": _("修改角色"),
            "user.deactivate": _("停用账号"),
            "user.reactivate": _("启用账号"),
            "user.unlock": _("解除登录锁定"),
            "opening_slot.create": _("新增开放时间"),
            "opening_slot.delete": _("删除开放时间"),
            "term.create": _("新增学期"),
            "term.delete": _("删除学期"),
            "vacation.create": _("新增假期"),
            "vacation.delete": _("删除假期"),
            "calendar_day.create": _("设置特殊日期"),
            "calendar_day.update": _("修改特殊日期"),
            "calendar_day.delete": _("删除特殊日期"),
        }
    )
    register_keys(
        {
            "name": _("名称"),
            "school_name": _("学校名称"),
            "grade_system": _("学制"),
            "vacation_loans": _("假期借阅"),
            "role": _("角色"),
            "username": _("用户名"),
            "full_name": _("姓名"),
            "is_superuser": _("系统管理员"),
            "is_active": _("启用"),
            "failures": _("登录失败次数"),
            "date": _("日期"),
            "kind": _("类型"),
            "note": _("备注"),
            "start": _("开始"),
            "end": _("结束"),
            "status": _("状态"),
            "reason": _("原因"),
            "count": _("数量"),
        }
    )
    register_values("channel", dict(AuditEvent.Channel.choices))
    register_values("role", ROLE_LABELS)
    register_values("kind", dict(CalendarDay.Kind.choices), "core.calendarday")
