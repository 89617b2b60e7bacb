"""Sensitivity and specificity as evaluation reports, with intervals that resample patients.

Definitions (one class against the rest, decision = argmax of the probabilities):

    sensitivity = TP / (TP + FN)        specificity = TN / (TN + FP)

The thesis this library starts from prints specificity as TN / (TN + FN); that formula is
wrong and is not used here. A ratio whose denominator is zero (no positives, or no negatives)
is defined as 0, never NaN. Macro averages are the plain mean over all classes, which equals
scikit-learn's ``recall_score(..., labels=range(C), average="macro", zero_division=0)``.

The reports need only NumPy, pandas and scikit-learn: importing this module does not load
TensorFlow. The Keras metrics live in :mod:`mammokit.metrics.streaming`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from mammokit.errors import MammokitError
from mammokit.figures import save_or_return
from mammokit.metrics.bootstrap import resample_weights
from mammokit.metrics.calibration import apply_temperature, calibration_report
from mammokit.metrics.operating import operating_figures, screening_report
from mammokit.records import LEVELS

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from matplotlib.figure import Figure

__all__ = [
    "confusion_display",
    "evaluation_report",
    "plot_confusion_matrix",
    "report_table",
    "sensitivity_specificity",
]


# --------------------------------------------------------------------------- NumPy


def _confusion(truth: np.ndarray, guess: np.ndarray, num_classes: int) -> np.ndarray:
    """Confusion matrices (rows: truth) of one sample ``(N,)`` or many ``(B, N)`` at once."""
    index = truth * num_classes + guess
    samples = index.reshape(-1, index.shape[-1])
    offsets = np.arange(len(samples))[:, np.newaxis] * num_classes**2
    counts = np.bincount((samples + offsets).ravel(), minlength=len(samples) * num_classes**2)
    return counts.reshape(*index.shape[:-1], num_classes, num_classes)


def _as_indices(values: np.ndarray, num_classes: int | None, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim == 2:
        return values.argmax(axis=1)
    if values.ndim != 1:
        raise MammokitError(f"{name} must be class indices (N,) or one-hot/probabilities (N, C)")
    if values.size and (values.min() < 0 or (num_classes and values.max() >= num_classes)):
        raise MammokitError(f"{name} holds class indices outside [0, {num_classes})")
    return values.astype(np.int64)


def _rates_from_confusion(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class sensitivity and specificity of a confusion matrix (rows: truth)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    true_positive = np.diagonal(matrix, axis1=-2, axis2=-1)
    positives = matrix.sum(axis=-1)
    false_positive = matrix.sum(axis=-2) - true_positive
    negatives = matrix.sum(axis=(-2, -1))[..., None] - positives
    true_negative = negatives - false_positive
    with np.errstate(invalid="ignore", divide="ignore"):
        sensitivity = np.where(positives > 0, true_positive / positives, 0.0)
        specificity = np.where(negatives > 0, true_negative / negatives, 0.0)
    return sensitivity, specificity


def sensitivity_specificity(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int | None = None
) -> dict[str, list[float] | float]:
    """Per-class and macro sensitivity and specificity from labels or probabilities.

    Parameters
    ----------
    y_true, y_pred
        Class indices ``(N,)`` or one-hot / probabilities ``(N, C)`` (argmax is taken).
    num_classes
        Number of classes; inferred from the inputs when omitted.

    Returns
    -------
    dict
        ``"sensitivity"`` and ``"specificity"`` (lists, one value per class) and
        ``"macro_sensitivity"``, ``"macro_specificity"``.

    Examples
    --------
    >>> result = sensitivity_specificity([0, 1, 2, 2], [0, 2, 2, 2])
    >>> result["sensitivity"], result["specificity"]
    ([1.0, 0.0, 1.0], [1.0, 1.0, 0.5])
    """
    shapes = [np.asarray(v).shape[-1] for v in (y_true, y_pred) if np.ndim(v) == 2]
    if num_classes is None:
        stacked = [np.asarray(v) for v in (y_true, y_pred) if np.ndim(v) == 1]
        num_classes = max([*shapes, *(int(v.max()) + 1 for v in stacked if v.size)], default=0)
    truth = _as_indices(y_true, num_classes, "y_true")
    guess = _as_indices(y_pred, num_classes, "y_pred")
    if truth.shape != guess.shape:
        raise MammokitError(f"y_true has {truth.size} examples but y_pred has {guess.size}")
    sensitivity, specificity = _rates_from_confusion(_confusion(truth, guess, num_classes))
    return {
        "sensitivity": sensitivity.tolist(),
        "specificity": specificity.tolist(),
        "macro_sensitivity": float(sensitivity.mean()),
        "macro_specificity": float(specificity.mean()),
    }


def _weighted_auc(is_positive: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of ``weights`` (B, N) over one scoring, NaN without both classes.

    A weight is how often an example is drawn (bootstrap) or 1; tied scores count one half,
    so with unit weights this is the Mann-Whitney AUC with mid-ranks (scikit-learn's value).
    """
    order = np.argsort(scores, kind="stable")
    ranked = scores[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    positive = is_positive[order]
    drawn = weights[:, order]
    pos = np.add.reduceat(np.where(positive, drawn, 0.0), starts, axis=1)
    neg = np.add.reduceat(np.where(positive, 0.0, drawn), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pos * (below + 0.5 * neg)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))


def _per_class_values(
    truth: np.ndarray, prob: np.ndarray, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """Statistics of every row of example weights ``(B, N)``: arrays ``(B, C)`` / ``(B,)``.

    Counting how often each example is drawn, rather than gathering the drawn examples, keeps
    memory at B x N weights (one chunk at a time) instead of B x N x C probabilities.
    """
    num_classes = prob.shape[1]
    guess = prob.argmax(axis=1)
    cells = np.eye(num_classes * num_classes)[truth * num_classes + guess]
    matrix = (weights @ cells).reshape(-1, num_classes, num_classes)
    sensitivity, specificity = _rates_from_confusion(matrix)
    positives = matrix.sum(axis=-1)  # a class with no example has no sensitivity, not 0
    sensitivity = np.where(positives > 0, sensitivity, np.nan)
    specificity = np.where(positives.sum(axis=-1, keepdims=True) > positives, specificity, np.nan)
    predicted = matrix.sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(
            predicted > 0, np.diagonal(matrix, axis1=-2, axis2=-1) / predicted, 0.0
        )
    auc = np.stack(
        [_weighted_auc(truth == c, prob[:, c], weights) for c in range(num_classes)], axis=-1
    )
    accuracy = (weights @ (guess == truth)) / weights.sum(axis=1)
    return {
        "sensitivity": sensitivity,
        "specificity": specificity,
        "precision": precision,
        "auc": auc,
        "accuracy": accuracy,
    }


#: Fewer units (patients with ``groups``, else examples) than this get no intervals.
MIN_INTERVAL_UNITS = 10
#: How far outside [0, 1] a probability may stray (float rounding) ...
PROBABILITY_TOLERANCE = 1e-6
#: ... and how far from 1 a row of them may sum (an int8 model's outputs, in steps of 1/256,
#: stray by up to about a class count / 256).
ROW_SUM_TOLERANCE = 0.02


def _bootstrap(
    truth: np.ndarray,
    prob: np.ndarray,
    n_bootstrap: int,
    seed: int,
    groups: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """The statistics of ``n_bootstrap`` resamples (:func:`resample_weights`)."""
    parts = [
        _per_class_values(truth, prob, weights)
        for weights in resample_weights(truth.size, groups, n_bootstrap, seed)
    ]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def evaluation_report(
    y_true: np.ndarray,
    y_prob: np.ndarray,
    class_names: Sequence[str],
    n_bootstrap: int = 1000,
    seed: int = 0,
    positive_class: str | None = None,
    target_sensitivity: float = 0.9,
    groups: Sequence | np.ndarray | None = None,
    operating_point: Mapping | None = None,
    temperature: float | None = None,
    level: str | None = None,
) -> dict:
    """A JSON-ready evaluation: accuracy, confusion matrix, per-class rates with 95% CIs,
    the figures at an operating point fixed beforehand, screening figures and calibration.

    Parameters
    ----------
    y_true
        True classes: indices ``(N,)`` or one-hot ``(N, C)``.
    y_prob
        Predicted probabilities ``(N, C)``.
    class_names
        Name of each class, in index order.
    n_bootstrap
        Bootstrap resamples (with replacement) for the 95% percentile intervals; ``0`` skips
        the intervals.
    seed
        Seed of the resampling.
    positive_class
        Class for the operating point, default the last class (``"Cancer"``), or the class
        of ``operating_point``.
    target_sensitivity
        ``"at_target_on_this_set"`` is the highest threshold on the positive class's
        probability that reaches this sensitivity on these very data: met by construction,
        so it describes these data and does not measure the model.
    groups
        The patient (or any cluster) of each example. The bootstrap then resamples whole
        patients, so the intervals account for a patient's images being alike; without it
        examples are resampled one by one.
    operating_point
        A threshold chosen beforehand on other data (validation), as a model records it
        (``model.info.operating_points[level]``, :func:`mammokit.metrics.choose_operating_point`):
        ``"operating_point"`` then gives these data's figures at it, with intervals.
    temperature
        The temperature ``y_prob`` was calibrated with (``model.info.temperature``), to
        report the calibration before it as well as after.
    level
        What one row is (``"image"``, ``"breast"``, ``"exam"``, ``"patient"``), recorded as
        the report's ``"level"``; :func:`mammokit.metrics.level_report` sets it.

    Returns
    -------
    dict
        ``"accuracy"``, ``"accuracy_ci"``, ``"n"``, ``"class_names"``, ``"confusion_matrix"``
        (rows: truth), ``"per_class"[name]`` with ``"sensitivity"``, ``"specificity"``,
        ``"precision"``, ``"auc"`` and a ``"<name>_ci"`` ``[lo, hi]`` for each, ``"macro"``
        (the same four, averaged over the classes where they are defined),
        ``"operating_point"`` (with ``source``: ``"validation"`` for a given one, else
        ``"this set (at target)"``, the same as ``"at_target_on_this_set"``), ``"screening"``
        (:func:`mammokit.metrics.screening_report` of the positive class, ``None`` without
        both positives and negatives) and ``"calibration"`` (ECE and Brier score of the
        positive class; ``before`` the temperature too, when given). A class absent from
        ``y_true`` has sensitivity and AUC ``None`` (undefined, not 0) and a ``"note"``
        saying so. With fewer than
        :data:`MIN_INTERVAL_UNITS` patients (``groups``) or examples every interval is
        ``None`` and ``"interval_note"`` says why.

    Raises
    ------
    MammokitError
        ``y_prob`` is not probabilities (non-finite, outside [0, 1], rows not summing to 1:
        logits need a softmax first), class names repeat, or the shapes disagree.

    Examples
    --------
    >>> import numpy as np
    >>> prob = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.6, 0.1, 0.3]])
    >>> names = ["Normal", "Benign", "Cancer"]
    >>> report = evaluation_report([0, 1, 2, 2], prob, names, n_bootstrap=50)
    >>> report["accuracy"], report["per_class"]["Cancer"]["sensitivity"]
    (0.75, 0.5)
    """
    if level is not None and level not in LEVELS:
        raise MammokitError(f"level must be one of {LEVELS}, got {level!r}")
    prob = np.asarray(y_prob, dtype=np.float64)
    if prob.ndim != 2:
        raise MammokitError(f"y_prob must be (N, C) probabilities, got shape {prob.shape}")
    num_classes = prob.shape[1]
    if len(class_names) != num_classes:
        raise MammokitError(f"{len(class_names)} class names for {num_classes} columns of y_prob")
    repeated = sorted({str(n) for n in class_names if list(class_names).count(n) > 1})
    if repeated:
        raise MammokitError(f"class names repeat: {repeated}; each output needs its own name")
    truth = _as_indices(y_true, num_classes, "y_true")
    if truth.shape[0] != prob.shape[0] or truth.size == 0:
        raise MammokitError(f"y_true has {truth.size} examples but y_prob has {prob.shape[0]}")
    _check_probabilities(prob)

    if groups is not None and len(groups) != truth.size:
        raise MammokitError(f"groups has {len(groups)} entries for {truth.size} examples")
    point = {k: v[0] for k, v in _per_class_values(truth, prob, np.ones((1, truth.size))).items()}
    intervals = {}
    if n_bootstrap > 0:
        boot = _bootstrap(truth, prob, n_bootstrap, seed, groups)
        with warnings.catch_warnings():  # a class absent from a resample has no AUC
            warnings.simplefilter("ignore", RuntimeWarning)
            intervals = {k: np.nanpercentile(v, [2.5, 97.5], axis=0) for k, v in boot.items()}

    units = truth.size if groups is None else int(pd.Series(groups).nunique())
    if units < MIN_INTERVAL_UNITS:  # a percentile interval of a handful of units means nothing
        intervals = {}

    def ci(key: str, index: int | None = None) -> list[float] | None:
        if key not in intervals:
            return None
        bounds = intervals[key] if index is None else intervals[key][:, index]
        return None if np.isnan(bounds).any() else [float(b) for b in bounds]

    def value(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    per_class = {}
    for c, name in enumerate(class_names):
        entry = {}
        for key in ("sensitivity", "specificity", "precision", "auc"):
            entry[key] = value(point[key][c])
            entry[f"{key}_ci"] = ci(key, c)
        entry["support"] = int((truth == c).sum())
        if not entry["support"]:
            entry["note"] = "no example of this class: sensitivity and AUC undefined"
        elif entry["support"] == truth.size:
            entry["note"] = "every example is of this class: specificity and AUC undefined"
        per_class[name] = entry
    macro = {
        key: value(np.nanmean(point[key])) if not np.isnan(point[key]).all() else None
        for key in ("sensitivity", "specificity", "precision", "auc")
    }
    positive = (operating_point or {}).get("class") or positive_class or class_names[-1]
    if positive not in class_names:
        raise MammokitError(f"positive class {positive!r} is not one of {list(class_names)}")
    is_positive = truth == list(class_names).index(positive)
    score = prob[:, list(class_names).index(positive)]
    at_target = {
        **_operating_point(is_positive, score, positive, target_sensitivity),
        "source": "this set (at target)",
    }
    interval_note = (
        f"no intervals: {units} {'patient' if groups is not None else 'example'}(s), fewer "
        f"than {MIN_INTERVAL_UNITS}"
        if n_bootstrap > 0 and units < MIN_INTERVAL_UNITS
        else None
    )
    return {
        **({} if level is None else {"level": level}),
        "n": int(truth.size),
        "n_groups": None if groups is None else int(pd.Series(groups).nunique()),
        "interval_note": interval_note,
        "class_names": list(class_names),
        "accuracy": float(point["accuracy"]),
        "accuracy_ci": ci("accuracy"),
        "confusion_matrix": _confusion(truth, prob.argmax(axis=1), num_classes).tolist(),
        "per_class": per_class,
        "macro": macro,
        "operating_point": at_target,
        "at_target_on_this_set": at_target,
        **_decision_figures(
            is_positive, score, positive, operating_point, groups, n_bootstrap, seed
        ),
        "calibration": _calibration(
            is_positive, prob, list(class_names).index(positive), temperature
        ),
    }


def _decision_figures(
    is_positive: np.ndarray,
    score: np.ndarray,
    positive: str,
    operating_point: Mapping | None,
    groups,
    n_bootstrap: int,
    seed: int,
) -> dict:
    """``screening`` figures and, for a point fixed beforehand, ``operating_point``."""
    threshold = None if operating_point is None else float(operating_point["threshold"])
    if is_positive.all() or not is_positive.any():
        screening = None
    else:
        screening = screening_report(
            is_positive, score, threshold, groups, n_bootstrap=n_bootstrap, seed=seed
        )
    if operating_point is None:
        return {"screening": screening}
    here = operating_figures(is_positive, score, threshold)
    point = {
        "class": positive,
        "threshold": threshold,
        "source": operating_point.get("source", "given"),
        "level": operating_point.get("level"),
        "target": operating_point.get("target"),
        "sensitivity": here["sensitivity"],
        "specificity": here["specificity"],
        "recall_rate_per_1000": here["recall_rate_per_1000"],
        "cancer_detection_rate_per_1000": here["cancer_detection_rate_per_1000"],
        "chosen_on": {key: operating_point.get(key) for key in ("sensitivity", "specificity", "n")},
    }
    if screening is not None:
        for key in ("sensitivity", "specificity"):
            point[f"{key}_ci"] = screening[f"{key}_at_threshold"]["ci"]
    return {"screening": screening, "operating_point": point}


def _calibration(is_positive, prob: np.ndarray, column: int, temperature) -> dict:
    """ECE and Brier score of the positive class (``column``), and before ``temperature``."""
    truth = is_positive.astype(int)
    result = {"temperature": temperature, **calibration_report(truth, prob[:, column])}
    if temperature is not None:  # undo it: the logits times the temperature
        before = apply_temperature(prob, 1 / float(temperature))[:, column]
        result["before"] = calibration_report(truth, before)
    return result


def _check_probabilities(prob: np.ndarray) -> None:
    """Probabilities or a clear error: finite, in [0, 1], each row summing to 1."""
    if not np.isfinite(prob).all():
        raise MammokitError("y_prob contains NaN or infinite values")
    if prob.min() < -PROBABILITY_TOLERANCE or prob.max() > 1 + PROBABILITY_TOLERANCE:
        raise MammokitError(
            f"y_prob must be probabilities in [0, 1], found values from {prob.min():.4g} to "
            f"{prob.max():.4g}: logits? apply a softmax (the model's last activation) first"
        )
    sums = prob.sum(axis=1)
    worst = int(np.argmax(np.abs(sums - 1)))
    if abs(sums[worst] - 1) > ROW_SUM_TOLERANCE:
        raise MammokitError(
            f"y_prob rows must sum to 1 (one probability per class); row {worst} sums to "
            f"{sums[worst]:.4g}: apply a softmax, or pass every class's column"
        )


def _operating_point(is_positive: np.ndarray, score: np.ndarray, name: str, target: float) -> dict:
    """The highest threshold reaching ``target`` sensitivity for one class."""
    result = {"class": name, "target_sensitivity": float(target)}
    if is_positive.all() or not is_positive.any():
        return {**result, "threshold": None, "sensitivity": None, "specificity": None}
    fpr, tpr, thresholds = roc_curve(is_positive, score)
    index = int(np.argmax(tpr >= target))
    threshold = float(min(thresholds[index], 1.0))
    return {
        **result,
        "threshold": threshold,
        "sensitivity": float(tpr[index]),
        "specificity": float(1.0 - fpr[index]),
    }


def report_table(report: dict) -> pd.DataFrame:
    """An :func:`evaluation_report` as a table: one row per class and a ``macro`` row.

    Columns ``sensitivity``, ``specificity``, ``precision``, ``auc`` and the bounds of each
    95% interval (``sensitivity_low``, ``sensitivity_high``...), and ``support``; a notebook
    shows it as a table, ``.to_csv``/``.to_latex`` write it out.

    Examples
    --------
    >>> import numpy as np
    >>> prob = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    >>> table = report_table(evaluation_report([0, 1, 1, 1], prob, ["Normal", "Cancer"],
    ...                                        n_bootstrap=0))
    >>> table[["sensitivity", "specificity", "support"]]
            sensitivity  specificity  support
    Normal     1.000000     0.666667        1
    Cancer     0.666667     1.000000        3
    macro      0.833333     0.833333        4
    """
    keys = ("sensitivity", "specificity", "precision", "auc")
    rows = {}
    for name, entry in {**report["per_class"], "macro": report["macro"]}.items():
        row = {}
        for key in keys:
            row[key] = np.nan if entry.get(key) is None else entry[key]
            bounds = entry.get(f"{key}_ci") or (np.nan, np.nan)
            row[f"{key}_low"], row[f"{key}_high"] = bounds
        row["support"] = entry.get("support", report["n"])
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def confusion_display(report: dict):
    """scikit-learn's ``ConfusionMatrixDisplay`` of an :func:`evaluation_report`.

    Call ``.plot()`` on it (e.g. in a notebook); :func:`plot_confusion_matrix` draws counts
    and row shares together instead.

    Examples
    --------
    >>> display = confusion_display({"confusion_matrix": [[3, 1], [0, 4]],
    ...                              "class_names": ["Normal", "Cancer"]})
    >>> display.confusion_matrix.tolist(), list(display.display_labels)
    ([[3, 1], [0, 4]], ['Normal', 'Cancer'])
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    return ConfusionMatrixDisplay(
        np.asarray(report["confusion_matrix"]), display_labels=report["class_names"]
    )


def plot_confusion_matrix(
    matrix: Sequence[Sequence[int]] | np.ndarray,
    class_names: Sequence[str],
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Path | Figure:
    """Draw a confusion matrix (rows: true class, columns: predicted) with counts and row shares.

    Parameters
    ----------
    matrix
        ``(C, C)`` counts, e.g. ``evaluation_report(...)["confusion_matrix"]``.
    class_names
        Name of each class.
    path
        Where to write the PNG; ``None`` returns the figure instead (shown inline in a
        notebook).
    title
        Figure title.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path``, or the figure when no path is given.

    Examples
    --------
    >>> import tempfile, os
    >>> plot_confusion_matrix([[5, 1], [0, 4]], ["Normal", "Cancer"],
    ...                       os.path.join(tempfile.mkdtemp(), "cm.png")).exists()
    True
    """
    from matplotlib.figure import Figure

    counts = np.asarray(matrix, dtype=np.int64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or len(class_names) != len(counts):
        raise MammokitError(
            f"matrix must be (C, C) with C = {len(class_names)}, got {counts.shape}"
        )
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    figure = Figure(figsize=(1.6 * len(counts) + 2.2, 1.4 * len(counts) + 1.6))
    axis = figure.subplots()
    image = axis.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=axis, label="share of true class")
    for i in range(len(counts)):
        for j in range(len(counts)):
            colour = "white" if shares[i, j] > 0.5 else "black"
            axis.text(
                j, i, f"{counts[i, j]}\n{shares[i, j]:.0%}", ha="center", va="center", color=colour
            )
    axis.set_xticks(range(len(counts)), labels=list(class_names))
    axis.set_yticks(range(len(counts)), labels=list(class_names))
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title or "Confusion matrix")
    figure.tight_layout()
    return save_or_return(figure, path)
