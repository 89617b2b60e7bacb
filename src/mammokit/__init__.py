"""mammokit: mammogram-classification components on TensorFlow / Keras 3.

Importing ``mammokit`` is light: TensorFlow is imported only when a submodule that needs it
(``models``, ``losses``, ``metrics``, ``explain``, ``training``, the tf.data pipeline) is used.

Examples
--------
>>> import mammokit
>>> mammokit.datasets.CLASSES
('Normal', 'Benign', 'Cancer')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mammokit._version import __version__
from mammokit.errors import MammokitError

_SUBMODULES = (
    "datasets",
    "distribute",
    "errors",
    "experiment",
    "explain",
    "export",
    "imaging",
    "losses",
    "metrics",
    "model_info",
    "models",
    "records",
    "registry",
    "training",
    "views",
)
#: Module paths that moved in 0.2 (importing them warns; 0.3 removes them).
_MOVED = ("intensity", "io", "levels", "streaming_metrics")

__all__ = ["MammokitError", "__version__", *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from mammokit import (  # noqa: F401
        datasets,
        distribute,
        experiment,
        explain,
        export,
        imaging,
        losses,
        metrics,
        model_info,
        models,
        records,
        registry,
        training,
        views,
    )


def __getattr__(name: str) -> object:
    if name in _SUBMODULES or name in _MOVED:
        return importlib.import_module(f"mammokit.{name}")
    raise AttributeError(f"module 'mammokit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
