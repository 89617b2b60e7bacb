"""Collection of the doctests under ``src/``: the old module paths are left out.

A module path that moved in 0.2 is a two-line alias of its new module
(:func:`mammokit._deprecation.alias_module`); the new module's doctests are collected at its own
path, and importing the alias would only warn. ``tests/test_layers.py`` checks the aliases.
"""

from pathlib import Path

_PACKAGE = Path(__file__).parent / "src" / "mammokit"

collect_ignore = [
    str(path)
    for path in _PACKAGE.rglob("*.py")
    if "_deprecation.alias_module(" in path.read_text(encoding="utf-8")
]
