"""Sensitivity, specificity and evaluation reports per image, breast, exam and patient.

Definitions (one class against the rest, decision = argmax of the probabilities):

    sensitivity = TP / (TP + FN)        specificity = TN / (TN + FP)

The package's modules: :mod:`~mammokit.metrics.reports` (reports from arrays of labels and
probabilities, with intervals that resample patients, :mod:`~mammokit.metrics.bootstrap`),
:mod:`~mammokit.metrics.levels` (results per breast, exam and patient),
:mod:`~mammokit.metrics.operating` (operating points chosen on validation, screening figures:
sensitivity at specificity, partial AUC, pF1, recall and cancer detection rates),
:mod:`~mammokit.metrics.calibration` (ECE, Brier score, reliability diagrams, temperature
scaling) and :mod:`~mammokit.metrics.streaming` (:class:`Sensitivity` and
:class:`Specificity` as Keras metrics). Importing the package does not load TensorFlow; the
Keras metrics load it when first used.

Examples
--------
>>> from mammokit import metrics
>>> metrics.sensitivity_specificity([0, 1, 1], [0, 1, 0])["sensitivity"]
[1.0, 0.5]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mammokit.metrics.calibration import (
    apply_temperature,
    brier_score,
    calibration_report,
    expected_calibration_error,
    fit_temperature,
    plot_reliability_diagram,
    reliability_curve,
)
from mammokit.metrics.levels import aggregate_predictions, level_operating_points, level_report
from mammokit.metrics.operating import (
    cancer_detection_rate,
    choose_operating_point,
    operating_figures,
    parse_target,
    partial_auc,
    pf1,
    recall_rate,
    screening_report,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
)
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
    "apply_temperature",
    "brier_score",
    "calibration_report",
    "cancer_detection_rate",
    "choose_operating_point",
    "confusion_display",
    "evaluation_report",
    "expected_calibration_error",
    "fit_temperature",
    "level_operating_points",
    "level_report",
    "operating_figures",
    "parse_target",
    "partial_auc",
    "pf1",
    "plot_confusion_matrix",
    "plot_reliability_diagram",
    "recall_rate",
    "reliability_curve",
    "report_table",
    "screening_report",
    "sensitivity_at_specificity",
    "sensitivity_specificity",
    "specificity_at_sensitivity",
]

_KERAS_METRICS = ("Sensitivity", "Specificity")


def __getattr__(name: str) -> object:
    if name in _KERAS_METRICS:  # Keras and TensorFlow load only when these are asked for
        return getattr(importlib.import_module("mammokit.metrics.streaming"), name)
    if name == "streaming":
        return importlib.import_module("mammokit.metrics.streaming")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
