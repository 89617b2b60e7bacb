"""Sensitivity, specificity and evaluation reports per image, breast, exam and patient.

Definitions (one class against the rest, decision = argmax of the probabilities):

    sensitivity = TP / (TP + FN)        specificity = TN / (TN + FP)

The package is in three modules: :mod:`~mammokit.metrics.reports` (reports from arrays of
labels and probabilities, with intervals that resample patients),
:mod:`~mammokit.metrics.levels` (results per breast, exam and patient) and
:mod:`~mammokit.metrics.streaming` (:class:`Sensitivity` and :class:`Specificity` as Keras
metrics). Importing the package does not load TensorFlow; the Keras metrics load it when
first used.

Examples
--------
>>> from mammokit import metrics
>>> metrics.sensitivity_specificity([0, 1, 1], [0, 1, 0])["sensitivity"]
[1.0, 0.5]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mammokit.metrics.levels import aggregate_predictions, level_report
from mammokit.metrics.reports import (
    confusion_display,
    evaluation_report,
    plot_confusion_matrix,
    report_table,
    sensitivity_specificity,
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from mammokit.metrics.streaming import Sensitivity, Specificity

__all__ = [
    "Sensitivity",
    "Specificity",
    "aggregate_predictions",
    "confusion_display",
    "evaluation_report",
    "level_report",
    "plot_confusion_matrix",
    "report_table",
    "sensitivity_specificity",
]

_KERAS_METRICS = ("Sensitivity", "Specificity")


def __getattr__(name: str) -> object:
    if name in _KERAS_METRICS:  # Keras and TensorFlow load only when these are asked for
        return getattr(importlib.import_module("mammokit.metrics.streaming"), name)
    if name == "streaming":
        return importlib.import_module("mammokit.metrics.streaming")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
