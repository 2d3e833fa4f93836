"""What `library_setup` does beyond core's own tables. An app that keeps per-library
defaults (the loan rules, say) registers a step in its AppConfig.ready(); setting up a
library runs them all, in the order the apps are installed, inside its transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shuxiang.core.models import Library

# Called as step(library=library); must be safe to run again (change nothing that exists).
SetupStep = Callable[..., Any]

_STEPS: dict[str, SetupStep] = {}


def register(name: str, step: SetupStep) -> None:
    """Add a step; a name registers once."""
    _STEPS[name] = step


def steps() -> dict[str, SetupStep]:
    return dict(_STEPS)


def run_all(library: Library) -> None:
    for step in _STEPS.values():
        step(library=library)
