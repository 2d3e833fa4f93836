"""The layers point one way (DESIGN rule 10): core ← catalog, patrons ← circulation ← ...
← opac, api ← demo. An app imports only apps of a lower layer; where a lower app needs
something from a higher one (setup steps, dashboard tiles, housekeeping jobs, menu
entries, a setting the access rules read), the higher app registers it in the lower one's
registry in its AppConfig.ready(). Every import counts, including those inside functions
and under TYPE_CHECKING. This walks the source with `ast`; it imports nothing."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "shuxiang"

# The layer of each app: an app may import the apps of lower layers only.
LAYERS = {
    "core": 0,
    "catalog": 1,
    "patrons": 1,
    # Beside circulation: acquisitions builds on the catalog (ordering).
    "acquisitions": 2,
    "circulation": 2,
    # Search builds on the catalog; the catalog tells it of changes through a port.
    "search": 2,
    # Copy cataloging, and the SRU server that answers through the search engine.
    "sru": 3,
    "serials": 3,
    # Stocktake, repair and withdrawal: copies change through the catalog's services.
    "inventory": 3,
    # Every figure, read from all of the above (reading lists, when they come, are 3 too).
    "reports": 4,
    "opac": 5,
    "api": 5,
    "sip2": 5,
    "demo": 6,
}

# Known imports against the layers, to be removed: (importing file, imported app).
# Each entry names a file that still needs the dependency turned around (a registry in
# the lower app, filled from the higher app's AppConfig.ready()).
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()

# Project-level modules (settings, urls, wsgi, cli) are not apps: anyone may use them.
PROJECT_MODULES = {"settings", "urls", "wsgi", "cli"}


def apps() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def imported_modules(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every `shuxiang...` module this file (under the package `root`) imports, with its
    line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = list(path.relative_to(root.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if (
                node.module is None or module == "shuxiang"
            ):  # from . import x, from shuxiang import x
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return [(line, name) for line, name in found if name.startswith("shuxiang.")]


def crossings() -> list[tuple[str, int, str, str]]:
    """(file, line, importing app, imported app) for every import of another app."""
    result = []
    for app in apps():
        for path in sorted((PACKAGE / app).rglob("*.py")):
            for line, module in imported_modules(path):
                target = module.split(".")[1]
                if target != app and target not in PROJECT_MODULES:
                    result.append((path.relative_to(PACKAGE).as_posix(), line, app, target))
    return result


def test_every_app_has_a_layer():
    missing = [app for app in apps() if app not in LAYERS]
    assert not missing, f"give these apps a layer in LAYERS (DESIGN rule 10): {missing}"


def test_core_imports_no_domain_app():
    wrong = [
        f"{file}:{line} imports {target}"
        for file, line, app, target in crossings()
        if app == "core"
    ]
    assert not wrong, "core imports no other app (register it from the app instead):\n" + "\n".join(
        wrong
    )


def test_imports_point_down_the_layers():
    wrong = [
        f"{file}:{line} ({app}, layer {LAYERS.get(app)}) imports {target} (layer {LAYERS.get(target)})"
        for file, line, app, target in crossings()
        if LAYERS.get(target, 99) >= LAYERS.get(app, -1) and (file, target) not in KNOWN_VIOLATIONS
    ]
    assert not wrong, (
        "an app imports only apps of lower layers (DESIGN rule 10); let the higher app "
        "register what the lower one needs in AppConfig.ready():\n" + "\n".join(wrong)
    )


def test_known_violations_are_still_there():
    """An entry of KNOWN_VIOLATIONS that no longer happens is removed from the list."""
    seen = {(file, target) for file, _line, _app, target in crossings()}
    stale = sorted(KNOWN_VIOLATIONS - seen)
    assert not stale, f"fixed: remove from KNOWN_VIOLATIONS: {stale}"


def test_the_walker_sees_relative_and_nested_imports(tmp_path):
    root = tmp_path / "shuxiang"
    app = root / "patrons"
    app.mkdir(parents=True)
    (app / "views.py").write_text(
        "from . import models\n"
        "from ..circulation import services\n"
        "def f():\n"
        "    from shuxiang import catalog\n"
        "    import shuxiang.core.clock\n"
        "    import os\n"
    )
    names = [name for _line, name in imported_modules(app / "views.py", root)]
    assert names == [
        "shuxiang.patrons.models",
        "shuxiang.circulation",
        "shuxiang.catalog",
        "shuxiang.core.clock",
    ]
