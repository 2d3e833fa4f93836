"""Which grade systems (学制) a library may pick on the settings page.

The systems themselves are the readers' business (patrons/grades.py: class names,
promotion, graduation); core keeps only the library's code (`Library.grade_system`).
Patrons registers the choices from its AppConfig.ready(); without them the settings page
shows the current code and keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

_CHOICES: list[Callable[[], list[tuple[str, str]]]] = []


def register(choices: Callable[[], list[tuple[str, str]]]) -> None:
    """Say which grade systems there are: a function answering [(code, label), ...]."""
    _CHOICES[:] = [choices]


def choices() -> list[tuple[str, str]]:
    """[(code, label), ...] of the registered grade systems; [] when none registered."""
    return [(code, str(label)) for read in _CHOICES for code, label in read()]
