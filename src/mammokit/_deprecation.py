"""Old import paths that keep working for a release, with a warning naming the new one.

A module that moved leaves a two-line file at its old path: it imports the new module and
calls :func:`alias_module`, so both paths give the same module object (monkeypatching either
patches both) and the first import of the old path warns once.

Examples
--------
>>> import sys, types, warnings
>>> new = types.ModuleType("pkg.new")
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     alias_module("pkg.old", new)
>>> sys.modules["pkg.old"] is new, caught[0].category.__name__
(True, 'DeprecationWarning')
>>> del sys.modules["pkg.old"]
"""

from __future__ import annotations

import sys
import warnings
from types import ModuleType

__all__ = ["REMOVAL", "alias_module", "warn_moved"]

#: The release that removes the old paths.
REMOVAL = "0.3"


def warn_moved(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn that ``old`` moved to ``new`` and goes in :data:`REMOVAL`."""
    warnings.warn(
        f"{old} is deprecated and will be removed in mammokit {REMOVAL}; use {new}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def alias_module(old: str, new: ModuleType) -> None:
    """Make the module path ``old`` an alias of the module ``new``, with a warning."""
    warn_moved(old, new.__name__, stacklevel=4)
    sys.modules[old] = new
