"""Label sets: map a records table's labels to the classes of a task.

A task is what a model is asked: the thesis's three classes, benign against malignant, cancer
against everything else, breast density. :func:`relabel` maps (or drops) labels with a plain
dict; :data:`TASKS` names the common mappings of Mini-DDSM-style labels so the command line
can offer them (``mammokit train --task benign-vs-malignant``).

Examples
--------
>>> from mammokit.records import make_records
>>> rows = [{"image_path": f"/{i}.png", "label": label, "patient_id": str(i)}
...         for i, label in enumerate(["Normal", "Benign", "Cancer"])]
>>> table = apply_task(make_records(rows), "benign-vs-malignant")
>>> table["label"].tolist(), table.attrs["classes"]
(['Benign', 'Malignant'], ('Benign', 'Malignant'))
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from mammokit.errors import DatasetError
from mammokit.records import CLASSES, check_records

__all__ = ["TASKS", "Task", "apply_task", "relabel"]

logger = logging.getLogger("mammokit")


def relabel(
    records: pd.DataFrame,
    mapping: Mapping[Hashable, str | None],
    classes: Sequence[str] | None = None,
    column: str = "label",
) -> pd.DataFrame:
    """Map each label to a new class name, or drop its rows (``None``).

    Parameters
    ----------
    records
        A records table.
    mapping
        ``{old value: new class name or None}``. Every value present in ``column`` must be a
        key: a forgotten label is an error, not a silent drop. ``None`` (and ``NaN`` in
        ``column``, when ``mapping`` has no ``NaN`` key) drops the row.
    classes
        The new class names in output order; default the mapping's targets in the order they
        first appear in ``mapping``. List them from least to most severe: the last class is
        the positive one of an operating point.
    column
        Where the old values are read: ``"label"`` by default, or another column such as
        ``"density"`` to make a new task from metadata. The old label is kept as
        ``source_label`` (unless ``column`` is another column).

    Returns
    -------
    pandas.DataFrame
        The kept rows with their new ``label``; ``attrs["classes"]`` is set and
        ``attrs["skipped"]`` kept. How many rows were dropped is logged.

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": f"/{i}.png", "label": label, "patient_id": str(i)}
    ...         for i, label in enumerate(["Normal", "Benign", "Cancer"])]
    >>> table = relabel(make_records(rows), {"Normal": "Negative", "Benign": "Negative",
    ...                                      "Cancer": "Positive"})
    >>> table["label"].tolist(), table.attrs["classes"]
    (['Negative', 'Negative', 'Positive'], ('Negative', 'Positive'))
    """
    check_records(records)
    if column not in records:
        raise DatasetError(f"relabel: no column {column!r} in the records; have {list(records)}")
    values = records[column]
    missing_values = values.isna()
    keys = {_key(k): k for k in mapping}
    unmapped = sorted({str(v) for v in values[~missing_values] if _key(v) not in keys}, key=str)
    if unmapped:
        raise DatasetError(
            f"relabel: value(s) {unmapped} of column {column!r} are not in the mapping; map "
            "each to a class name, or to None to drop its rows"
        )
    targets = [v for v in mapping.values() if v is not None]
    order = tuple(dict.fromkeys(str(t) for t in targets))
    classes = order if classes is None else tuple(str(c) for c in classes)
    extra = sorted(set(order) - set(classes))
    if extra:
        raise DatasetError(f"relabel: mapping targets {extra} are not among classes {classes}")
    new = [
        None if missing else mapping[keys[_key(value)]]
        for value, missing in zip(values, missing_values, strict=True)
    ]
    keep = pd.Series([label is not None for label in new], index=records.index)
    table = records[keep].copy()
    if column == "label":
        table["source_label"] = table["label"]
    table["label"] = [str(label) for label in new if label is not None]
    table = table.reset_index(drop=True)
    table.attrs = {**records.attrs, "classes": classes}
    dropped = int((~keep).sum())
    if dropped:
        logger.info(
            "relabel dropped %d of %d images (values mapped to None or missing)",
            dropped,
            len(records),
        )
    if table.empty:
        raise DatasetError("relabel: every row was dropped; check the mapping")
    return table


def _key(value: Hashable) -> str:
    """Match ``3``, ``3.0`` and ``"3"`` alike (spreadsheets give numbers in any of these)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Task:
    """A named mapping of labels to a task's classes.

    Attributes
    ----------
    name
        The name used by :func:`apply_task` and ``mammokit train --task``.
    description
        One line for help texts.
    mapping
        ``{old value: class name or None}`` as :func:`relabel` takes it.
    classes
        The task's classes, least to most severe.
    column
        The records column the old values are read from.
    """

    name: str
    description: str
    mapping: Mapping[Hashable, str | None] = field(repr=False)
    classes: tuple[str, ...]
    column: str = "label"


_BIRADS_4 = ("4", "4A", "4B", "4C")
#: BI-RADS values no assessment task uses: 0 (incomplete, needs more imaging), blank.
_BIRADS_NONE: dict[Hashable, str | None] = {"0": None, "": None}

#: Named tasks. The label tasks read every reader's default labels (Mini-DDSM's
#: Normal/Benign/Cancer, CBIS-DDSM's and CMMD's Benign/Malignant, RSNA's NoCancer/Cancer); the
#: ``density`` and BI-RADS tasks read the ``density`` (1-4) and ``birads`` columns.
TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            "three-class",
            "Normal, Benign, Cancer (the thesis's task)",
            {name: name for name in CLASSES},
            CLASSES,
        ),
        Task(
            "benign-vs-malignant",
            "lesion images only: Benign vs Malignant (Normal dropped)",
            {"Normal": None, "Benign": "Benign", "Cancer": "Malignant", "Malignant": "Malignant"},
            ("Benign", "Malignant"),
        ),
        Task(
            "cancer-vs-rest",
            "screening: NoCancer (Normal and Benign) vs Cancer",
            {
                "Normal": "NoCancer",
                "Benign": "NoCancer",
                "Cancer": "Cancer",
                "NoCancer": "NoCancer",
                "Malignant": "Cancer",
            },
            ("NoCancer", "Cancer"),
        ),
        Task(
            "normal-vs-abnormal",
            "Normal vs Abnormal (Benign and Cancer)",
            {
                "Normal": "Normal",
                "Benign": "Abnormal",
                "Cancer": "Abnormal",
                "Malignant": "Abnormal",
            },
            ("Normal", "Abnormal"),
        ),
        Task(
            "density",
            "BI-RADS breast density A-D from the density column (1-4); 0 and unknown dropped",
            {0: None, 1: "A", 2: "B", 3: "C", 4: "D"},  # Mini-DDSM has 4 images of density 0
            ("A", "B", "C", "D"),
            column="density",
        ),
        Task(
            "birads",
            "BI-RADS assessment 1-5 from the birads column (4A-4C as 4; 0, 6 and blank dropped)",
            {
                **_BIRADS_NONE,
                "6": None,  # known cancer (biopsy-proven): not an assessment of the image
                **{k: f"BI-RADS {k[0]}" for k in ("1", "2", "3", *_BIRADS_4, "5")},
            },
            tuple(f"BI-RADS {k}" for k in range(1, 6)),
            column="birads",
        ),
        Task(
            "birads-suspicious",
            "BI-RADS 1-3 NotSuspicious vs 4-6 Suspicious (0 and blank dropped)",
            {
                **_BIRADS_NONE,
                **dict.fromkeys(("1", "2", "3"), "NotSuspicious"),
                **dict.fromkeys((*_BIRADS_4, "5", "6"), "Suspicious"),
            },
            ("NotSuspicious", "Suspicious"),
            column="birads",
        ),
    )
}


def apply_task(records: pd.DataFrame, task: str | Task) -> pd.DataFrame:
    """Relabel ``records`` for a task of :data:`TASKS` (or a :class:`Task` of your own).

    Examples
    --------
    >>> sorted(TASKS)  # doctest: +NORMALIZE_WHITESPACE
    ['benign-vs-malignant', 'birads', 'birads-suspicious', 'cancer-vs-rest', 'density',
     'normal-vs-abnormal', 'three-class']
    """
    if isinstance(task, str):
        if task not in TASKS:
            raise DatasetError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
        task = TASKS[task]
    table = relabel(records, task.mapping, task.classes, task.column)
    table.attrs["task"] = task.name
    return table
