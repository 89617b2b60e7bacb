"""Operating points and the figures of a screening programme, for one positive class.

A screening model is used at a threshold: an example is called positive when the positive
class's probability is at or above it. The threshold must be chosen on data the model is not
judged on (validation) and then kept: :func:`choose_operating_point` chooses it,
``mammokit.experiment.train_model`` records it in the model, and reports measure the test set
at it. Everything here takes ``y_true`` binary (1 = the positive class, e.g. cancer) and
``scores``, the positive class's probability, and needs only NumPy and scikit-learn.

Screening figures: sensitivity at a fixed specificity and the reverse, the standardised
partial AUC (McClish, as scikit-learn's ``roc_auc_score(max_fpr=)``), the RSNA screening
challenge's probabilistic F1 (:func:`pf1`), and at an operating point the recall rate and the
cancer detection rate per 1,000 screens. :func:`screening_report` gives them all with
intervals that resample patients.

Examples
--------
>>> y_true = [0, 0, 0, 0, 1, 1]
>>> scores = [0.1, 0.2, 0.3, 0.6, 0.5, 0.9]
>>> round(choose_operating_point(y_true, scores, {"sensitivity": 1.0})["threshold"], 4)
0.4
>>> sensitivity_at_specificity(y_true, scores, 0.75)
1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

from mammokit.errors import MammokitError
from mammokit.metrics.bootstrap import resample_weights

__all__ = [
    "TARGETS",
    "cancer_detection_rate",
    "choose_operating_point",
    "operating_figures",
    "parse_target",
    "partial_auc",
    "pf1",
    "recall_rate",
    "screening_report",
    "sensitivity_at_specificity",
    "specificity_at_sensitivity",
]

#: The targets :func:`choose_operating_point` takes: a rate to reach (``{"sensitivity": 0.9}``,
#: ``{"specificity": 0.9}``), ``"youden"`` (the largest sensitivity + specificity - 1) or
#: ``"pf1"`` (the largest F1 of the decisions, the RSNA challenge's pF1 of binarised scores).
TARGETS = ("sensitivity", "specificity", "youden", "pf1")


def _binary(y_true: Sequence | np.ndarray, scores: Sequence | np.ndarray) -> tuple:
    truth = np.asarray(y_true)
    score = np.asarray(scores, dtype=np.float64)
    if truth.ndim != 1 or score.shape != truth.shape:
        raise MammokitError(
            f"y_true and scores must be two 1-D arrays of one length, got {truth.shape} and "
            f"{score.shape}"
        )
    if not np.isin(truth, (0, 1, True, False)).all():
        raise MammokitError("y_true must be binary: 1 for the positive class, 0 otherwise")
    if not np.isfinite(score).all():
        raise MammokitError("scores contain NaN or infinite values")
    return truth.astype(bool), score


def _need_both(truth: np.ndarray, what: str) -> None:
    if truth.all() or not truth.any():
        kind = "negative" if truth.all() else "positive"
        raise MammokitError(f"{what} needs positive and negative examples; there is no {kind}")


def operating_figures(y_true, scores, threshold: float) -> dict:
    """Sensitivity, specificity, recall rate and cancer detection rate at ``threshold``.

    An example is called positive when its score is at or above ``threshold``. A rate without
    examples to count (no positives, or no negatives) is ``None``.

    Examples
    --------
    >>> operating_figures([0, 0, 1, 1], [0.2, 0.6, 0.4, 0.9], 0.5)["sensitivity"]
    0.5
    """
    truth, score = _binary(y_true, scores)
    called = score >= threshold
    positives, negatives = int(truth.sum()), int((~truth).sum())
    true_positive = int((called & truth).sum())
    return {
        "threshold": float(threshold),
        "sensitivity": true_positive / positives if positives else None,
        "specificity": int((~called & ~truth).sum()) / negatives if negatives else None,
        "recall_rate_per_1000": 1000 * float(called.mean()) if truth.size else None,
        "cancer_detection_rate_per_1000": 1000 * true_positive / truth.size if truth.size else None,
        "n": int(truth.size),
        "n_positive": positives,
    }


def choose_operating_point(
    y_true: Sequence | np.ndarray,
    scores: Sequence | np.ndarray,
    target: Mapping[str, float] | str = "youden",
) -> dict:
    """The threshold on ``scores`` that meets ``target`` on this data, and its figures.

    The threshold is placed halfway between the lowest score the target calls positive and
    the next score below it: on these data it calls exactly the same examples, and new scores
    near these are called the same way. (A threshold at a score itself calls a new score a
    hair below it negative; a model sure of its validation cancers, whose probabilities
    round to exactly 1.0, would then miss nearly every test cancer at 0.9999.)

    Parameters
    ----------
    y_true
        1 for the positive class, 0 otherwise.
    scores
        The positive class's probability.
    target
        ``{"sensitivity": s}``: of the thresholds whose sensitivity is at least ``s``, the
        most specific, and of those the most sensitive (no cancer is given up for nothing:
        on well-separated data the threshold lands in the gap, not among the cancers);
        ``{"specificity": s}``: of those whose specificity is at least ``s``, the most
        sensitive, then the most specific; ``"youden"``: the threshold of
        the largest sensitivity + specificity - 1 (Youden's J); ``"pf1"``: the threshold of
        the largest :func:`pf1` of the decisions (binarised scores), as the RSNA screening
        challenge's solutions chose theirs.

    Returns
    -------
    dict
        ``threshold``, ``target`` (as given), and :func:`operating_figures` at it
        (``sensitivity``, ``specificity``, ``recall_rate_per_1000``,
        ``cancer_detection_rate_per_1000``, ``n``, ``n_positive``); ``"pf1"`` adds ``pf1``.

    Raises
    ------
    MammokitError
        An unknown target, a rate outside [0, 1], or data without positives or negatives.

    Examples
    --------
    >>> point = choose_operating_point([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], "youden")
    >>> round(point["threshold"], 4), point["sensitivity"], point["specificity"]
    (0.6, 0.5, 1.0)
    """
    name, value = _target(target)
    truth, score = _binary(y_true, scores)
    _need_both(truth, "choosing an operating point")
    fpr, tpr, thresholds = roc_curve(truth, score, drop_intermediate=False)
    thresholds = np.minimum(thresholds, np.nextafter(score.max(), np.inf))  # no inf threshold
    if name == "sensitivity":  # the best specificity, then the best sensitivity at it
        held = np.flatnonzero(tpr >= value - 1e-12)
        index = int(held[fpr[held] == fpr[held].min()].max())
    elif name == "specificity":  # the best sensitivity, then the best specificity at it
        held = np.flatnonzero(1 - fpr >= value - 1e-12)
        index = int(held[tpr[held] == tpr[held].max()].min())
    elif name == "youden":
        index = int(np.argmax(tpr - fpr))
    else:  # F1 = 2 TP / (called + P) at every threshold at once
        positives, negatives = truth.sum(), (~truth).sum()
        found = tpr * positives
        index = int(np.argmax(2 * found / (found + fpr * negatives + positives)))
    threshold = float(thresholds[index])
    if index > 0:  # halfway down to the next score: the same calls on these data
        below = float(thresholds[index + 1]) if index + 1 < len(thresholds) else 0.0
        threshold = (threshold + below) / 2 if threshold > below else threshold
    point = {**operating_figures(truth, score, threshold), "target": _jsonable(target)}
    if name == "pf1":
        point["pf1"] = _f1(truth, score >= threshold)
    return point


def parse_target(target: str | Mapping[str, float]) -> dict[str, float] | str:
    """A target as the command line writes it, ``"sensitivity=0.9"``, ``"specificity=0.95"``,
    ``"youden"`` or ``"pf1"``, as :func:`choose_operating_point` takes it (a dict is checked
    and passed through).

    Examples
    --------
    >>> parse_target("specificity=0.95"), parse_target("youden")
    ({'specificity': 0.95}, 'youden')
    """
    if isinstance(target, str) and "=" in target:
        name, _, value = target.partition("=")
        try:
            target = {name.strip(): float(value)}
        except ValueError:
            raise MammokitError(f"a target rate must be a number, got {target!r}") from None
    _target(target)
    return _jsonable(target)


def _target(target: Mapping[str, float] | str) -> tuple[str, float | None]:
    """``(name, value)`` of a target, checked."""
    if isinstance(target, str):
        if target not in ("youden", "pf1"):
            raise MammokitError(
                f"target must be {{'sensitivity': s}}, {{'specificity': s}}, 'youden' or 'pf1', "
                f"got {target!r}"
            )
        return target, None
    if not isinstance(target, Mapping) or len(target) != 1:
        raise MammokitError(f"target must be one rate, e.g. {{'sensitivity': 0.9}}, got {target!r}")
    ((name, value),) = target.items()
    if name not in ("sensitivity", "specificity"):
        raise MammokitError(f"a target rate is 'sensitivity' or 'specificity', got {name!r}")
    if not 0 <= float(value) <= 1:
        raise MammokitError(f"a target {name} is in [0, 1], got {value}")
    return name, float(value)


def _jsonable(target: Mapping[str, float] | str) -> dict | str:
    return target if isinstance(target, str) else {k: float(v) for k, v in target.items()}


def _f1(truth: np.ndarray, called: np.ndarray) -> float:
    found = float((called & truth).sum())
    return 2 * found / (called.sum() + truth.sum()) if called.any() or truth.any() else 0.0


def sensitivity_at_specificity(
    y_true: Sequence | np.ndarray, scores: Sequence | np.ndarray, specificity: float
) -> float:
    """The highest sensitivity of any threshold whose specificity is at least ``specificity``.

    Examples
    --------
    >>> sensitivity_at_specificity([0, 0, 1, 1], [0.1, 0.6, 0.5, 0.9], 1.0)
    0.5
    """
    return float(
        choose_operating_point(y_true, scores, {"specificity": specificity})["sensitivity"]
    )


def specificity_at_sensitivity(
    y_true: Sequence | np.ndarray, scores: Sequence | np.ndarray, sensitivity: float
) -> float:
    """The highest specificity of any threshold whose sensitivity is at least ``sensitivity``.

    Examples
    --------
    >>> specificity_at_sensitivity([0, 0, 1, 1], [0.1, 0.6, 0.5, 0.9], 1.0)
    0.5
    """
    return float(
        choose_operating_point(y_true, scores, {"sensitivity": sensitivity})["specificity"]
    )


def partial_auc(
    y_true: Sequence | np.ndarray, scores: Sequence | np.ndarray, max_fpr: float = 0.1
) -> float:
    """The ROC area up to a false-positive rate of ``max_fpr``, standardised (McClish).

    0.5 is chance and 1 perfect, as for the full AUC; scikit-learn's
    ``roc_auc_score(y_true, scores, max_fpr=max_fpr)``. Screening works at low false-positive
    rates, where the full AUC says little.

    Examples
    --------
    >>> round(partial_auc([0, 0, 1, 1], [0.1, 0.6, 0.5, 0.9], 0.5), 4)
    0.6667
    """
    truth, score = _binary(y_true, scores)
    _need_both(truth, "a partial AUC")
    if not 0 < max_fpr <= 1:
        raise MammokitError(f"max_fpr must be in (0, 1], got {max_fpr}")
    return float(roc_auc_score(truth, score, max_fpr=max_fpr))


def pf1(y_true: Sequence | np.ndarray, scores: Sequence | np.ndarray) -> float:
    """Probabilistic F1, the RSNA screening mammography challenge's metric.

    pTP is the sum of the positive-class probability over the positives, pFP its sum over the
    negatives; pPrecision = pTP / (pTP + pFP), pRecall = pTP / P (P the positives), and pF1
    their harmonic mean. It rewards confident right answers without a threshold; on
    decisions (0 or 1 scores) it is the F1 score. 0 when nothing scores above 0.

    Examples
    --------
    >>> round(pf1([0, 1, 1], [0.2, 0.8, 0.6]), 4)
    0.7778
    """
    truth, score = _binary(y_true, scores)
    if not truth.any():
        raise MammokitError("pF1 needs at least one positive example")
    if score.min() < 0 or score.max() > 1:
        raise MammokitError("pF1 takes probabilities in [0, 1]")
    true_positive, false_positive = score[truth].sum(), score[~truth].sum()
    if true_positive == 0:
        return 0.0
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / truth.sum()
    return float(2 * precision * recall / (precision + recall))


def recall_rate(y_true: Sequence | np.ndarray, scores: Sequence | np.ndarray, threshold: float):
    """Screens called back per 1,000 at ``threshold`` (score at or above it).

    Examples
    --------
    >>> recall_rate([0, 0, 0, 1], [0.1, 0.7, 0.2, 0.9], 0.5)
    500.0
    """
    return operating_figures(y_true, scores, threshold)["recall_rate_per_1000"]


def cancer_detection_rate(
    y_true: Sequence | np.ndarray, scores: Sequence | np.ndarray, threshold: float
) -> float:
    """Cancers found per 1,000 screens at ``threshold``.

    Examples
    --------
    >>> cancer_detection_rate([0, 0, 0, 1], [0.1, 0.7, 0.2, 0.9], 0.5)
    250.0
    """
    return operating_figures(y_true, scores, threshold)["cancer_detection_rate_per_1000"]


def screening_report(
    y_true: Sequence | np.ndarray,
    scores: Sequence | np.ndarray,
    threshold: float | None = None,
    groups: Sequence | np.ndarray | None = None,
    *,
    specificity: float = 0.9,
    sensitivity: float = 0.9,
    max_fpr: float = 0.1,
    n_bootstrap: int = 1000,
    seed: int = 0,
    min_units: int = 10,
) -> dict:
    """The screening figures with 95% intervals that resample patients.

    Parameters
    ----------
    y_true, scores
        As everywhere in this module.
    threshold
        An operating point fixed beforehand (on validation): adds the figures at it.
    groups
        The patient of each example; the bootstrap resamples whole patients. Without it,
        examples.
    specificity, sensitivity, max_fpr
        Where to read sensitivity, specificity and the partial AUC.
    n_bootstrap, seed
        Resamples for the percentile intervals (0: none); fewer than ``min_units`` patients
        (examples) give no intervals.

    Returns
    -------
    dict
        ``sensitivity_at_specificity``, ``specificity_at_sensitivity``, ``partial_auc``,
        ``pf1`` and, with ``threshold``, ``sensitivity_at_threshold``,
        ``specificity_at_threshold``, ``recall_rate_per_1000`` and
        ``cancer_detection_rate_per_1000``: each ``{"value": v, "ci": [lo, hi] or None}``
        (``None`` where the data cannot give it, e.g. without positives), and ``settings``.
        The values equal this module's functions on the same data.

    Examples
    --------
    >>> report = screening_report([0, 0, 1, 1], [0.1, 0.6, 0.5, 0.9], n_bootstrap=0)
    >>> report["partial_auc"]["value"], report["pf1"]["value"]
    (0.7368, 0.6829)
    """
    truth, score = _binary(y_true, scores)
    if not 0 < max_fpr <= 1:
        raise MammokitError(f"max_fpr must be in (0, 1], got {max_fpr}")
    settings = (threshold, specificity, sensitivity, max_fpr)
    point = _weighted_figures(truth, score, np.ones((1, truth.size)), *settings)
    units = truth.size if groups is None else int(pd.Series(groups).nunique())
    samples: dict[str, list] = {key: [] for key in point}
    if n_bootstrap > 0 and units >= min_units:
        for weights in resample_weights(truth.size, groups, n_bootstrap, seed):
            for key, values in _weighted_figures(truth, score, weights, *settings).items():
                samples[key].append(values)
    report = {
        key: {
            "value": _rounded(value[0]),
            "ci": _interval(np.concatenate(samples[key])) if samples[key] else None,
        }
        for key, value in point.items()
    }
    return {
        **report,
        "settings": {
            "specificity": specificity,
            "sensitivity": sensitivity,
            "max_fpr": max_fpr,
            "threshold": threshold,
            "n_bootstrap": n_bootstrap if samples["pf1"] else 0,
        },
    }


def _weighted_figures(
    truth: np.ndarray,
    score: np.ndarray,
    weights: np.ndarray,
    threshold: float | None,
    specificity: float,
    sensitivity: float,
    max_fpr: float,
) -> dict[str, np.ndarray]:
    """Every screening figure for each row of example weights ``(B, N)`` (how often each
    example is drawn; ones for the data itself): arrays ``(B,)``, NaN where undefined."""
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])  # one ROC point per score
    drawn, positive = weights[:, order], truth[order]
    found = np.add.reduceat(np.where(positive, drawn, 0.0), starts, axis=1).cumsum(axis=1)
    false = np.add.reduceat(np.where(positive, 0.0, drawn), starts, axis=1).cumsum(axis=1)
    origin = np.zeros((len(weights), 1))
    found, false = np.hstack([origin, found]), np.hstack([origin, false])
    positives, negatives = found[:, -1:], false[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr, fpr = found / positives, false / negatives
        undefined = (positives[:, 0] == 0) | (negatives[:, 0] == 0)
        figures = {
            "sensitivity_at_specificity": np.where(
                1 - fpr >= specificity - 1e-12, tpr, -np.inf
            ).max(axis=1),
            "specificity_at_sensitivity": np.where(
                tpr >= sensitivity - 1e-12, 1 - fpr, -np.inf
            ).max(axis=1),
            "partial_auc": np.array(
                [_mcclish(f, t, max_fpr) for f, t in zip(fpr, tpr, strict=True)]
            ),
        }
        for key in figures:
            figures[key] = np.where(undefined, np.nan, figures[key])
        true_mass = drawn[:, positive] @ ranked[positive]
        false_mass = drawn[:, ~positive] @ ranked[~positive]
        precision = true_mass / (true_mass + false_mass)
        recall = true_mass / positives[:, 0]
        figures["pf1"] = np.where(
            positives[:, 0] == 0,
            np.nan,
            np.where(true_mass > 0, 2 * precision * recall / (precision + recall), 0.0),
        )
        if threshold is not None:
            called = ranked >= threshold
            total = drawn.sum(axis=1)
            hits = drawn[:, called & positive].sum(axis=1)
            figures["sensitivity_at_threshold"] = hits / positives[:, 0]
            figures["specificity_at_threshold"] = (
                drawn[:, ~called & ~positive].sum(axis=1) / negatives[:, 0]
            )
            figures["recall_rate_per_1000"] = 1000 * drawn[:, called].sum(axis=1) / total
            figures["cancer_detection_rate_per_1000"] = 1000 * hits / total
    return figures


def _mcclish(fpr: np.ndarray, tpr: np.ndarray, max_fpr: float) -> float:
    """Standardised partial AUC of one ROC curve, as scikit-learn computes it."""
    if not np.isfinite(fpr).all() or not np.isfinite(tpr).all():
        return np.nan
    stop = int(np.searchsorted(fpr, max_fpr, "right"))
    if stop < len(fpr):
        y = np.interp(max_fpr, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1])
        fpr, tpr = np.append(fpr[:stop], max_fpr), np.append(tpr[:stop], y)
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # the trapezoidal rule
    least, most = max_fpr**2 / 2, max_fpr
    return 0.5 * (1 + (area - least) / (most - least))


def _interval(values: np.ndarray) -> list[float] | None:
    kept = values[np.isfinite(values)]
    if len(kept) < max(2, len(values) // 2):  # most resamples could not give the figure
        return None
    low, high = np.percentile(kept, [2.5, 97.5])
    return [_rounded(low), _rounded(high)]


def _rounded(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)
