"""Results per breast, per exam and per patient, as mammograms are read.

A screening mammogram is four images of one exam: two views (CC, MLO) of each breast. A
radiologist calls a breast, and recalls a patient, not an image; a model is judged the same
way. :func:`aggregate_predictions` turns per-image probabilities into one row per breast,
exam or patient (by default the most suspicious image calls it); :func:`level_report`
evaluates at that level with intervals that resample patients.

The true label of a breast (exam, patient) is its most severe image label: the last of the
classes, in their order, among its images. With Mini-DDSM's breast labels that is the breast's
own finding; with case labels every image of a case already carries it.

Examples
--------
>>> import numpy as np
>>> from mammokit.records import make_records
>>> rows = [{"image_path": f"/{s}{v}.png", "label": label, "patient_id": "P1", "side": s,
...          "view": v} for s, label in (("LEFT", "Benign"), ("RIGHT", "Normal"))
...         for v in ("CC", "MLO")]
>>> probabilities = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1], [0.7, 0.3]])
>>> table = aggregate_predictions(make_records(rows, classes=["Normal", "Benign"]),
...                               probabilities, level="breast")
>>> print(table.round(2).to_string(index=False))
patient_id  side  n_images  label  Normal  Benign
        P1  LEFT         2 Benign     0.2     0.8
        P1 RIGHT         2 Normal     0.7     0.3
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mammokit.errors import MammokitError
from mammokit.metrics.operating import choose_operating_point
from mammokit.metrics.reports import evaluation_report
from mammokit.records import LEVELS, label_indices, level_keys, record_classes

__all__ = [
    "LEVELS",
    "aggregate_predictions",
    "level_keys",
    "level_operating_points",
    "level_report",
]

logger = logging.getLogger("mammokit")
_HOW = ("max", "mean")


def aggregate_predictions(
    records: pd.DataFrame,
    probabilities: np.ndarray,
    level: str = "breast",
    how: str = "max",
    class_names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per breast, exam or patient, from per-image class probabilities.

    Parameters
    ----------
    records
        The records of the images, in the order of ``probabilities``.
    probabilities
        ``(N, C)`` class probabilities of the images.
    level
        ``"breast"``, ``"exam"``, ``"patient"`` or ``"image"`` (see :func:`level_keys`).
    how
        ``"max"`` (default) calls a unit by its most suspicious image, class by class along
        the class order: the probability that the unit is at least class *k* is the largest of
        its images' probabilities of being at least class *k* (the sum of the probabilities
        of *k* and every later class). For two classes this is the largest positive-class
        probability, the usual screening rule; a lesion seen in one image is enough, as the
        label rule (the most severe image label) says. ``"mean"`` averages each class's
        probability over the unit's images: right when every image shows the finding (views
        of one breast under case labels), diluted when only some do (a patient whose lesion
        is in one breast is half Normal images).
    class_names
        The class of each column; default the records' classes. Labels must be among them.

    Returns
    -------
    pandas.DataFrame
        The key columns (``patient_id``; ``side`` at breast level; ``exam_id`` where the
        records have it), ``n_images``, ``label`` (the most severe image label: the last class
        among the unit's labels) and one probability column per class name, sorted by key
        (at image level: ``patient_id`` and ``image_path``, in the records' order).
    """
    if how not in _HOW:
        raise MammokitError(f"how must be one of {_HOW}, got {how!r}")
    classes = tuple(class_names) if class_names is not None else record_classes(records)
    prob = np.asarray(probabilities, dtype=np.float64)
    if prob.ndim != 2 or prob.shape != (len(records), len(classes)):
        raise MammokitError(
            f"probabilities must be ({len(records)}, {len(classes)}) for {len(records)} records "
            f"and classes {list(classes)}, got {prob.shape}"
        )
    keys = level_keys(records, level)
    clash = sorted(set(classes) & {*keys, "n_images", "label"})
    if clash:
        raise MammokitError(f"class names {clash} clash with the table's own columns")
    table = records[keys].reset_index(drop=True).copy()
    table["_severity"] = label_indices(records, classes)
    if level == "image":  # every row is its own unit, in the records' order
        table.insert(len(keys), "n_images", 1)
        table.insert(len(keys) + 1, "label", [classes[i] for i in table.pop("_severity")])
        table[list(classes)] = prob
        return table
    # "max" takes, per class k, the largest P(at least class k): cumulate from the most severe
    scores = np.cumsum(prob[:, ::-1], axis=1)[:, ::-1] if how == "max" else prob
    table[list(classes)] = scores
    grouped = table.groupby(keys, sort=True, dropna=False)
    result = grouped[list(classes)].agg(how)
    if how == "max":  # back from "at least class k" to each class: differences of the maxima
        at_least = result.to_numpy()
        above = np.concatenate([at_least[:, 1:], np.zeros((len(at_least), 1))], axis=1)
        result[list(classes)] = at_least - above
    result.insert(0, "label", [classes[i] for i in grouped["_severity"].max()])
    result.insert(0, "n_images", grouped.size())
    return result.reset_index()


def level_report(
    records: pd.DataFrame,
    probabilities: np.ndarray,
    level: str = "image",
    how: str = "max",
    class_names: Sequence[str] | None = None,
    **options,
) -> dict:
    """:func:`~mammokit.metrics.evaluation_report` at a level, resampling patients.

    Parameters
    ----------
    records, probabilities, level, how, class_names
        As for :func:`aggregate_predictions`.
    **options
        ``n_bootstrap``, ``seed``, ``positive_class``, ``target_sensitivity``,
        ``operating_point``, ``temperature`` of the report.

    Returns
    -------
    dict
        The report, with ``"level"`` and ``"how"``; ``"n"`` counts units of that level and
        ``"n_groups"`` patients. The intervals resample patients at every level, images
        included, since one patient's images (and breasts) are not independent.

    Examples
    --------
    >>> import numpy as np
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": f"/{p}{s}{v}.png", "label": "Cancer" if p and s == "L" else
    ...          "Normal", "patient_id": str(p), "side": s, "view": v}
    ...         for p in range(2) for s in "LR" for v in ("CC", "MLO")]
    >>> records = make_records(rows, classes=["Normal", "Cancer"])
    >>> probabilities = np.tile([0.3, 0.7], (8, 1)); probabilities[:4] = [0.9, 0.1]
    >>> report = level_report(records, probabilities, "breast", n_bootstrap=0)
    >>> report["n"], report["accuracy"], report["per_class"]["Cancer"]["sensitivity"]
    (4, 0.75, 1.0)
    """
    classes = tuple(class_names) if class_names is not None else record_classes(records)
    table = aggregate_predictions(records, probabilities, level, how, classes)
    truth = np.array([classes.index(label) for label in table["label"]], dtype=np.int64)
    report = evaluation_report(
        truth,
        table[list(classes)].to_numpy(),
        classes,
        groups=table["patient_id"],
        level=level,
        **options,
    )
    return {"how": how, **report}


def level_operating_points(
    records: pd.DataFrame,
    probabilities: np.ndarray,
    target: Mapping[str, float] | str = "youden",
    how: str = "max",
    class_names: Sequence[str] | None = None,
    levels: Sequence[str] = ("image", "breast", "patient"),
    positive_class: str | None = None,
    source: str = "validation",
) -> dict[str, dict]:
    """An operating point per level, chosen on these records (validation data).

    A breast is called by its aggregated probability (``how``), so its threshold differs from
    an image's: each level gets its own, from :func:`aggregate_predictions` and
    :func:`~mammokit.metrics.choose_operating_point`. A level the records cannot give
    (breasts without sides) or without positives and negatives is left out, with a log line.

    Returns
    -------
    dict
        ``{level: point}``, each point :func:`~mammokit.metrics.choose_operating_point`'s
        dict with ``class`` (the positive class, default the last), ``level``, ``how`` and
        ``source``.

    Examples
    --------
    >>> import numpy as np
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": f"/{p}{s}{v}.png", "label": "Cancer" if p and s == "L" else
    ...          "Normal", "patient_id": str(p), "side": s, "view": v}
    ...         for p in range(2) for s in "LR" for v in ("CC", "MLO")]
    >>> records = make_records(rows, classes=["Normal", "Cancer"])
    >>> cancer = np.array([0.1, 0.2, 0.3, 0.1, 0.8, 0.4, 0.2, 0.3])
    >>> points = level_operating_points(records, np.stack([1 - cancer, cancer], 1), "youden")
    >>> {level: round(point["threshold"], 2) for level, point in points.items()}
    {'image': 0.35, 'breast': 0.55, 'patient': 0.55}
    """
    classes = tuple(class_names) if class_names is not None else record_classes(records)
    positive = positive_class or classes[-1]
    if positive not in classes:
        raise MammokitError(f"positive class {positive!r} is not one of {list(classes)}")
    points = {}
    for level in levels:
        try:
            table = aggregate_predictions(records, probabilities, level, how, classes)
        except MammokitError as err:  # e.g. breasts without a side
            logger.warning("no operating point per %s: %s", level, err)
            continue
        truth = (table["label"] == positive).to_numpy()
        if truth.all() or not truth.any():
            logger.warning(
                "no operating point per %s: the %s data hold no %s %s",
                level,
                source,
                "negative" if truth.all() else "positive",
                level,
            )
            continue
        point = choose_operating_point(truth.astype(int), table[positive].to_numpy(), target)
        points[level] = {"class": positive, "level": level, "how": how, "source": source, **point}
    return points
