"""The staff home page's figures (今日概况). Core owns the page, not the figures: each app
registers, in its AppConfig.ready(), a function that counts its own rows and the tiles
that show them, so core reads no other app's tables and an app that is not installed
simply shows nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shuxiang.core import clock
from shuxiang.core.models import Library

# (library, day) -> {figure name: value}
FigureSource = Callable[[Library, dt.date], dict[str, Any]]


@dataclass(frozen=True)
class Tile:
    """One card on the dashboard: the figure `key`, under `label`."""

    key: str
    label: Any  # a lazy translation
    order: int = 100
    alert: bool = False  # highlighted while the figure is not zero (overdue loans)


@dataclass(frozen=True)
class Figure:
    """A figure with a line beside it, smaller (e.g. last term's value and the trend)."""

    value: Any
    note: str = ""


_SOURCES: dict[str, FigureSource] = {}
_TILES: list[Tile] = []


def register_figures(name: str, source: FigureSource) -> None:
    """Add a source of figures; a name registers once."""
    _SOURCES[name] = source


def register_tile(tile: Tile) -> None:
    """Add a card; a figure key registers once. Cards are shown by `order`."""
    if all(existing.key != tile.key for existing in _TILES):
        _TILES.append(tile)
        _TILES.sort(key=lambda t: t.order)


def figures(library: Library, *, day: dt.date | None = None) -> dict[str, Any]:
    """Every registered figure for this library on `day` (default today), and the day."""
    day = day or clock.today()
    found: dict[str, Any] = {"day": day}
    for source in _SOURCES.values():
        found.update(source(library, day))
    return found


def tiles(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The cards to show for these figures, in order (a tile whose figure is missing is
    left out)."""
    cards = []
    for tile in _TILES:
        if tile.key not in found:
            continue
        figure = found[tile.key]
        if not isinstance(figure, Figure):
            figure = Figure(figure)
        cards.append(
            {
                "label": str(tile.label),
                "value": figure.value,
                "note": figure.note,
                "alert": tile.alert and bool(figure.value),
            }
        )
    return cards
