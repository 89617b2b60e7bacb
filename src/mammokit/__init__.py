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

from mammokit.errors import MammokitError

__version__ = "0.2.0.dev0"

_SUBMODULES = (
    "datasets",
    "errors",
    "experiment",
    "explain",
    "export",
    "intensity",
    "io",
    "levels",
    "losses",
    "metrics",
    "model_info",
    "models",
    "registry",
    "training",
)

__all__ = ["MammokitError", "__version__", *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from mammokit import (  # noqa: F401
        datasets,
        experiment,
        explain,
        export,
        intensity,
        io,
        levels,
        losses,
        metrics,
        model_info,
        models,
        registry,
        training,
    )


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f"mammokit.{name}")
    raise AttributeError(f"module 'mammokit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
