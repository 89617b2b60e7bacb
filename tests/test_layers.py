"""The house plan holds: layers import only downwards, and no module imports itself round.

Read from the source with ``ast``, function-level imports included, so an import hidden in a
function to dodge a loop fails here. The layers are those ``docs/contributing.md`` draws.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mammokit"

#: The layers, lowest first: a module may import from its own layer and those below it.
LAYERS = {
    "ground": ("_version", "_deprecation", "errors", "progress", "figures"),
    "vocabulary": ("records", "views", "model_info", "registry", "balance", "cam_methods"),
    "imaging": ("imaging",),
    "datasets": ("datasets",),
    "components": ("losses", "metrics", "distribute"),
    "models": ("models",),
    "training": ("training", "calibration", "recipe"),
    "use": ("explain", "export"),
    "jobs": ("experiment", "runs"),
    "front": ("cli", "demo", "__main__", ""),
    "deprecated": (),  # the old paths of moved modules (ALIASES), above everything
}
#: Imports from a lower layer up, each in a module ``__getattr__`` that warns: the old path of
#: a name that moved up. 0.3 removes them, and with them every entry here.
DEPRECATED_EDGES = {("mammokit.registry", "mammokit.models.factory")}
#: Where a function may import mammokit (to keep ``mammokit --help`` and ``import mammokit``
#: free of TensorFlow): the front layer, and module ``__getattr__`` functions that load a
#: TensorFlow-heavy module of their own package on first use.
LAZY_IMPORTERS = {"front"}


def _module_name(path: Path) -> str:
    parts = ["mammokit", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
ALIASES = {
    name for name, path in MODULES.items() if "_deprecation.alias_module(" in path.read_text()
}


def _layer(module: str) -> str:
    if module in ALIASES:
        return "deprecated"
    relative = module.removeprefix("mammokit").removeprefix(".")
    for layer, members in LAYERS.items():
        for member in members:
            if relative == member or (member and relative.startswith(member + ".")):
                return layer
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/contributing.md")


def _rank(module: str) -> int:
    return list(LAYERS).index(_layer(module))


def _target(name: str) -> str:
    """The module an import of ``name`` (a module, or a name in one) loads."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(module: str) -> list[tuple[str, str, str]]:
    """``(target, where, function)`` of every mammokit import: ``where`` is ``"module"`` or
    ``"function"``, ``function`` the enclosing function's name."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else None
            )
            where = function or inner
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parts, *([base] if base else [])])
                names = [f"{base}.{alias.name}" for alias in child.names]
            elif (
                isinstance(child, ast.Call)
                and getattr(child.func, "attr", None) == "import_module"
                and child.args
                and isinstance(child.args[0], ast.Constant)
            ):
                names = [child.args[0].value]
            for name in names:
                if name == "mammokit" or name.startswith("mammokit."):
                    target = _target(name)
                    if target != module:
                        found.append((target, "function" if function else "module", function))
            visit(child, where)

    visit(ast.parse(path.read_text()), None)
    return found


EDGES = {module: _imports(module) for module in MODULES}


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


def _upward(edges: dict[str, list[tuple[str, str, str]]]) -> list[str]:
    return [
        f"{module} ({_layer(module)}) imports {target} ({_layer(target)})"
        for module, found in edges.items()
        if module not in ALIASES
        for target, _, _ in found
        if _rank(target) > _rank(module) and (module, target) not in DEPRECATED_EDGES
    ]


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets, as the modules round it."""
    state: dict[str, int] = {}
    loops = []

    def walk(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                loops.append([*trail[trail.index(target) :], target])
            elif target not in state:
                walk(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    return loops


def test_no_import_from_a_higher_layer():
    assert _upward(EDGES) == []


def test_no_import_loops():
    graph = {
        module: {t for t, _, _ in edges if (module, t) not in DEPRECATED_EDGES}
        for module, edges in EDGES.items()
    }
    assert _loops(graph) == []


def test_the_checks_find_what_they_look_for():
    """A made-up loop and a made-up upward import are caught, so the checks above can fail."""
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _loops({"a": {"b"}, "b": set()}) == []
    edge = [("mammokit.models.factory", "function", "load")]
    assert _upward({"mammokit.imaging.io": edge}) == [
        "mammokit.imaging.io (imaging) imports mammokit.models.factory (models)"
    ]
    with pytest.raises(AssertionError, match="in no layer"):
        _layer("mammokit.somewhere_new")


def test_functions_import_mammokit_only_where_allowed():
    hidden = [
        f"{module}: {target} imported in {function}()"
        for module, edges in EDGES.items()
        for target, where, function in edges
        if where == "function"
        and _layer(module) not in LAZY_IMPORTERS
        and not (function == "__getattr__" and _is_lazy_or_deprecated(module, target))
    ]
    assert hidden == []


def _is_lazy_or_deprecated(module: str, target: str) -> bool:
    """A module ``__getattr__`` loading its own package's module, or an old path's new home."""
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    return target.startswith(package + ".") or (module, target) in DEPRECATED_EDGES


def test_nothing_imports_an_old_path():
    users = [
        f"{module} imports the deprecated {target}"
        for module, edges in EDGES.items()
        if module not in ALIASES
        for target, _, _ in edges
        if target in ALIASES
    ]
    assert users == []


def test_contributing_page_names_every_layer():
    page = (PACKAGE.parents[1] / "docs" / "contributing.md").read_text()
    for layer, members in LAYERS.items():
        assert layer in page
        for member in members:
            if member and not member.startswith("_"):
                assert member in page, f"docs/contributing.md does not place {member}"
