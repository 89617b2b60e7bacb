"""Whether a probability means what it says: calibration error, Brier score, temperature.

A model trained with class weights (as mammokit trains) moves its probabilities toward the
rarer classes by design, so a "0.7 cancer" need not be right 70% of the time. Temperature
scaling (Guo et al., 2017, "On calibration of modern neural networks") divides the logits by
one number fitted on validation data: it changes no argmax and no ranking of a two-class
model, only how sure the probabilities are. :func:`fit_temperature` fits it,
:func:`apply_temperature` applies it to probabilities, and
:func:`mammokit.training.calibrate` builds it into a model so that every export serves the
calibrated probabilities.

The calibration figures take ``y_true`` binary (1 = the positive class) and ``scores`` the
positive class's probability, as in :mod:`mammokit.metrics.operating`.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 2000)
>>> overconfident = np.where(y == 1, 0.99, 0.01)
>>> overconfident[:400] = 1 - overconfident[:400]  # 20% wrong, at 99% confidence
>>> probabilities = np.stack([1 - overconfident, overconfident], axis=1)
>>> temperature = fit_temperature(probabilities, y)
>>> calibrated = apply_temperature(probabilities, temperature)[:, 1]
>>> bool(temperature > 1), bool(expected_calibration_error(y, calibrated) < 0.05)
(True, True)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from mammokit.errors import MammokitError
from mammokit.figures import save_or_return

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "TEMPERATURE_RANGE",
    "apply_temperature",
    "brier_score",
    "calibration_report",
    "expected_calibration_error",
    "fit_temperature",
    "plot_reliability_diagram",
    "reliability_curve",
]

#: The temperatures :func:`fit_temperature` searches. A validation set the model separates
#: perfectly pulls the fit to the lower end (sharper is always likelier there), which says
#: nothing about new data: a fit at either end is logged as a warning.
TEMPERATURE_RANGE = (0.25, 20.0)
logger = logging.getLogger("mammokit")
#: Probabilities are clipped here before their logarithm (float32 softmax outputs reach 0).
_TINY = 1e-7


def _binary(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    truth = np.asarray(y_true)
    score = np.asarray(scores, dtype=np.float64)
    if truth.ndim != 1 or score.shape != truth.shape or truth.size == 0:
        raise MammokitError(f"y_true and scores must be 1-D of one length, got {truth.shape}")
    if not np.isin(truth, (0, 1)).all():
        raise MammokitError("y_true must be binary: 1 for the positive class, 0 otherwise")
    if not np.isfinite(score).all() or score.min() < 0 or score.max() > 1:
        raise MammokitError("scores must be probabilities in [0, 1]")
    return truth.astype(np.float64), score


def reliability_curve(y_true, scores, n_bins: int = 15) -> pd.DataFrame:
    """The examples in ``n_bins`` equal-width bins of score: their mean score, the share of
    positives among them and their count (empty bins left out).

    Examples
    --------
    >>> curve = reliability_curve([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], n_bins=2)
    >>> curve["fraction_positive"].tolist()
    [0.0, 1.0]
    """
    truth, score = _binary(y_true, scores)
    if n_bins < 1:
        raise MammokitError(f"n_bins must be at least 1, got {n_bins}")
    bins = np.minimum((score * n_bins).astype(int), n_bins - 1)
    table = pd.DataFrame({"bin": bins, "score": score, "truth": truth})
    grouped = table.groupby("bin")
    return pd.DataFrame(
        {
            "mean_score": grouped["score"].mean(),
            "fraction_positive": grouped["truth"].mean(),
            "count": grouped.size(),
        }
    ).reset_index()


def expected_calibration_error(y_true, scores, n_bins: int = 15) -> float:
    """Expected calibration error of the positive class's probability.

    The examples are binned by score in ``n_bins`` equal-width bins; ECE is the mean, weighted
    by each bin's share of examples, of the gap between its mean score and its share of
    positives. 0 is perfect.

    Examples
    --------
    >>> expected_calibration_error([0, 0, 1, 1], [0.0, 0.0, 1.0, 1.0])
    0.0
    >>> round(expected_calibration_error([0, 1, 0, 1], [0.9, 0.9, 0.9, 0.9]), 2)
    0.4
    """
    curve = reliability_curve(y_true, scores, n_bins)
    gaps = (curve["mean_score"] - curve["fraction_positive"]).abs()
    return float((gaps * curve["count"]).sum() / curve["count"].sum())


def brier_score(y_true, scores) -> float:
    """Mean squared difference between the positive class's probability and the truth.

    Examples
    --------
    >>> brier_score([0, 1], [0.2, 0.6])
    0.1
    """
    truth, score = _binary(y_true, scores)
    return round(float(np.mean((score - truth) ** 2)), 12)


def calibration_report(y_true, scores, n_bins: int = 15) -> dict:
    """``{"ece": ..., "brier": ..., "n_bins": ..., "n": ...}`` of one set of scores."""
    return {
        "ece": round(expected_calibration_error(y_true, scores, n_bins), 4),
        "brier": round(brier_score(y_true, scores), 4),
        "n_bins": n_bins,
        "n": len(scores),
    }


def _log_probabilities(probabilities) -> np.ndarray:
    prob = np.asarray(probabilities, dtype=np.float64)
    if prob.ndim != 2 or prob.shape[1] < 2:
        raise MammokitError(f"probabilities must be (N, C) with C >= 2, got {prob.shape}")
    if not np.isfinite(prob).all() or prob.min() < 0:
        raise MammokitError("probabilities must be finite and non-negative")
    return np.log(np.clip(prob, _TINY, 1.0))


def apply_temperature(probabilities, temperature: float) -> np.ndarray:
    """Softmax probabilities with their logits divided by ``temperature``.

    The logits are recovered as the probabilities' logarithm (equal to them up to a constant
    per row, which a softmax ignores). Above 1 softens, below 1 sharpens; 1 changes nothing.

    Examples
    --------
    >>> apply_temperature([[0.2, 0.8]], 2.0).round(3).tolist()
    [[0.333, 0.667]]
    """
    if not temperature > 0:
        raise MammokitError(f"temperature must be above 0, got {temperature}")
    logits = _log_probabilities(probabilities) / float(temperature)
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(probabilities, y_true) -> float:
    """The temperature that minimises the negative log-likelihood of ``y_true``.

    Parameters
    ----------
    probabilities
        ``(N, C)`` softmax outputs of validation examples.
    y_true
        Their classes: indices ``(N,)`` or one-hot ``(N, C)``.

    Returns
    -------
    float
        In :data:`TEMPERATURE_RANGE` (searched on a log scale).

    Examples
    --------
    >>> fit_temperature([[0.6, 0.4], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]], [0, 1, 1, 1]) < 1
    True
    """
    log_prob = _log_probabilities(probabilities)
    truth = np.asarray(y_true)
    truth = truth.argmax(axis=1) if truth.ndim == 2 else truth.astype(np.int64)
    if truth.shape != (len(log_prob),) or truth.min() < 0 or truth.max() >= log_prob.shape[1]:
        raise MammokitError(
            f"y_true must give a class index for each of the {len(log_prob)} examples"
        )
    rows = np.arange(len(truth))

    def negative_log_likelihood(log_temperature: float) -> float:
        logits = log_prob / np.exp(log_temperature)
        top = logits.max(axis=1, keepdims=True)
        normaliser = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
        return float(np.mean(normaliser - logits[rows, truth]))

    low, high = np.log(TEMPERATURE_RANGE)
    result = minimize_scalar(negative_log_likelihood, bounds=(low, high), method="bounded")
    temperature = float(np.exp(result.x))
    if min(abs(result.x - low), abs(result.x - high)) < 0.01:
        logger.warning(
            "the calibration temperature %.3g is at the end of its range %s: the validation "
            "data give it no hold (too few, or every example already right and sure)",
            temperature,
            TEMPERATURE_RANGE,
        )
    return temperature


def plot_reliability_diagram(
    y_true,
    scores: Mapping[str, Sequence[float] | np.ndarray],
    path: str | os.PathLike | None = None,
    title: str | None = None,
    n_bins: int = 15,
) -> Path | Figure:
    """Draw reliability curves (share of positives against mean score per bin), one per
    entry of ``scores`` (e.g. ``{"before": ..., "after": ...}``), each labelled with its ECE
    and Brier score, beside the diagonal of perfect calibration.

    Examples
    --------
    >>> import tempfile, os
    >>> plot_reliability_diagram([0, 1, 1, 0], {"model": [0.2, 0.7, 0.9, 0.4]},
    ...                          os.path.join(tempfile.mkdtemp(), "rel.png")).exists()
    True
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 5))
    axis = figure.subplots()
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    for name, values in scores.items():
        curve = reliability_curve(y_true, values, n_bins)
        report = calibration_report(y_true, values, n_bins)
        axis.plot(
            curve["mean_score"],
            curve["fraction_positive"],
            marker="o",
            label=f"{name}: ECE {report['ece']:.3f}, Brier {report['brier']:.3f}",
        )
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("mean predicted probability (bin)")
    axis.set_ylabel("share of positives (bin)")
    axis.set_title(title or "Reliability diagram")
    axis.grid(alpha=0.3)
    axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    return save_or_return(figure, path)
