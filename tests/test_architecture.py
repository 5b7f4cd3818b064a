"""The shape of the code: imports between apps run downhill, and no module is over 500 lines.

Layers, from the floor up (see "Which app stands on which" in the conventions):

1. ``vms`` (settings, the gate, real-time helpers, the API base) and ``compliance`` (the audit
   registry every app registers with, and the one audit path);
2. ``accounts`` and ``cameras``;
3. ``privacy`` (face and plate detectors, the anonymiser, privacy masks);
4. ``analytics`` (people and motion, rules, alerts, the engine, live fan-out).

An app imports its own modules, apps on its layer and apps below; a lower app that must react
to a higher one exposes a hook or a signal instead. ``vms``'s composition root (URLs, socket
routing, the ASGI and Celery apps, site-wide views, management commands) wires the apps
together and may import any of them; the rest of ``vms`` imports no app.

Every import counts, wherever it is written: at the top, inside a function (a "lazy" import is
still a dependency), under ``TYPE_CHECKING``, or by name through ``import_module`` /
``import_string`` / ``apps.get_model``. Migrations are skipped (Django writes their
dependencies). Pure parsing: no database, nothing imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500

FLOOR = {"vms", "compliance"}
# What each app may import, itself included.
MAY_IMPORT = {
    "vms": {"vms"},  # outside the composition root
    "compliance": FLOOR,
    "accounts": FLOOR | {"accounts", "cameras"},
    "cameras": FLOOR | {"accounts", "cameras"},
    "privacy": FLOOR | {"accounts", "cameras", "privacy"},
    "analytics": FLOOR | {"accounts", "cameras", "privacy", "analytics"},
}
APPS = set(MAY_IMPORT)
COMPOSITION_ROOT = (
    "vms.urls",
    "vms.api_urls",
    "vms.routing",
    "vms.asgi",
    "vms.celery",
    "vms.views",  # site-wide pages: the landing page picks an app's page by role
    "vms.management",  # and everything under it
)

# Uphill imports that other work in progress removes: (importing module, imported module).
# An entry that no longer occurs fails the test too, so the list only ever shrinks. Empty it.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()
# Python files over MAX_LINES that other work in progress splits, by path from the root.
KNOWN_OVERSIZE: set[str] = set()
# Where the line count applies: everything Veil writes in Python.
SIZED = [*sorted(APPS), "tests", "bench", "manage.py"]


@dataclass(frozen=True, slots=True)
class Edge:
    """One import of ``imported`` (a dotted module) by ``importer``, at ``path:line``."""

    importer: str
    imported: str
    path: str
    line: int

    @property
    def importer_app(self) -> str:
        return self.importer.partition(".")[0]

    @property
    def imported_app(self) -> str:
        return self.imported.partition(".")[0]

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.importer_app} -> {self.imported_app} "
            f"({self.importer} imports {self.imported})"
        )


def python_files(top: str) -> list[Path]:
    start = ROOT / top
    files = [start] if start.is_file() else sorted(start.rglob("*.py"))
    return [path for path in files if "migrations" not in path.relative_to(ROOT).parts]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _named_import(node: ast.Call) -> str | None:
    """The module or app a call names by a literal string, if it is a by-name import."""
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    strings = [
        arg.value
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    if not strings or len(strings) != len(node.args):
        return None
    if name in {"import_module", "import_string", "__import__"}:
        return strings[0]
    if name == "get_model":  # get_model("analytics.Alert") or get_model("analytics", "Alert")
        return strings[0].partition(".")[0]
    return None


def source_imports(source: str, *, module: str, path: str) -> list[Edge]:
    """Every module ``source`` (the module ``module``, at ``path``) imports, wherever the
    import is written, in line order."""
    is_package = path.endswith("__init__.py")
    edges = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            # ``from analytics import selectors`` names analytics.selectors.
            names = [f"{base}.{alias.name}" if alias.name != "*" else base for alias in node.names]
        elif isinstance(node, ast.Call) and (named := _named_import(node)):
            names = [named]
        else:
            continue
        edges += [Edge(module, name, path, node.lineno) for name in names]
    return sorted(edges, key=lambda edge: edge.line)


def module_imports(path: Path) -> list[Edge]:
    """Every module the Python file at ``path`` imports."""
    return source_imports(
        path.read_text(encoding="utf-8"),
        module=module_name(path),
        path=str(path.relative_to(ROOT)),
    )


def _in_composition_root(module: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in COMPOSITION_ROOT)


def app_edges() -> list[Edge]:
    """Imports from one Veil app of another, outside migrations and the composition root."""
    edges = []
    for app in sorted(APPS):
        for path in python_files(app):
            if _in_composition_root(module_name(path)):
                continue
            edges += [
                edge
                for edge in module_imports(path)
                if edge.imported_app in APPS and edge.imported_app != edge.importer_app
            ]
    return edges


def _known(edge: Edge) -> tuple[str, str] | None:
    for importer, imported in KNOWN_EXCEPTIONS:
        if edge.importer == importer and (
            edge.imported == imported or edge.imported.startswith(imported + ".")
        ):
            return importer, imported
    return None


def test_no_app_imports_uphill():
    uphill = [
        edge for edge in app_edges() if edge.imported_app not in MAY_IMPORT[edge.importer_app]
    ]
    new = [edge for edge in uphill if _known(edge) is None]
    stale = KNOWN_EXCEPTIONS - {_known(edge) for edge in uphill}

    if new:
        pytest.fail(
            f"{len(new)} uphill import(s); a lower app must expose a hook or a signal instead:\n"
            + "\n".join(f"  {edge}" for edge in new),
            pytrace=False,
        )
    if stale:
        pytest.fail(
            "fixed, remove from KNOWN_EXCEPTIONS: "
            + ", ".join(f"{importer} -> {imported}" for importer, imported in sorted(stale)),
            pytrace=False,
        )


def test_apps_on_one_layer_do_not_import_each_other_both_ways():
    pairs: dict[tuple[str, str], Edge] = {}
    # Uphill edges are the test above's; here, imports each side is allowed on its own.
    for edge in app_edges():
        if edge.imported_app in MAY_IMPORT[edge.importer_app]:
            pairs.setdefault((edge.importer_app, edge.imported_app), edge)
    cycles = [
        f"  {pairs[(first, second)]}\n  {pairs[(second, first)]}"
        for first, second in sorted(pairs)
        if first < second and (second, first) in pairs
    ]
    if cycles:
        pytest.fail(
            "apps that import each other (pick one direction):\n" + "\n".join(cycles),
            pytrace=False,
        )


def test_no_module_is_over_500_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for top in SIZED
        for path in python_files(top)
    }
    over = {path: lines for path, lines in sizes.items() if lines > MAX_LINES}
    new = sorted(set(over) - KNOWN_OVERSIZE)
    stale = sorted(KNOWN_OVERSIZE - set(over))

    if new:
        pytest.fail(
            f"modules over {MAX_LINES} lines; split them by domain:\n"
            + "\n".join(f"  {path}: {over[path]} lines" for path in new),
            pytrace=False,
        )
    if stale:
        pytest.fail(
            "now short enough, remove from KNOWN_OVERSIZE: " + ", ".join(stale), pytrace=False
        )


def test_the_checker_sees_lazy_relative_and_by_name_imports():
    """The walk must not miss the imports a shortcut would hide."""
    source = (
        "from . import models\n"
        "from .services import registry\n"
        "def hook():\n"
        "    from analytics import selectors\n"
        "    import privacy.anonymizer\n"
        "    importlib.import_module('analytics.rules')\n"
        "    apps.get_model('analytics', 'Alert')\n"
    )
    edges = source_imports(source, module="cameras.views", path="cameras/views.py")

    assert [(edge.imported, edge.line) for edge in edges] == [
        ("cameras.models", 1),
        ("cameras.services.registry", 2),
        ("analytics.selectors", 4),
        ("privacy.anonymizer", 5),
        ("analytics.rules", 6),
        ("analytics", 7),
    ]
    assert [edge.imported_app not in MAY_IMPORT["cameras"] for edge in edges] == [
        False,
        False,
        True,
        True,
        True,
        True,
    ]
    package = source_imports(
        "from .base import Detection\n",
        module="privacy.detectors",
        path="privacy/detectors/__init__.py",
    )
    assert [edge.imported for edge in package] == ["privacy.detectors.base.Detection"]
